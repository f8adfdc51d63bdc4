"""Loaded by the servers the bench starts (PYTHONPATH=bench/_hook), and only when
OMNIORDER_BENCH_HOOK names a file prefix: counts SQL statements and transactions with
SQLAlchemy events, and profiles the worker threads' calls with cProfile on request.

SIGUSR1 writes `<prefix>-<pid>.sql` ("statements transactions"); SIGUSR2 starts the profiler, and
the next SIGUSR2 writes `<prefix>-<pid>.prof` and stops it.
"""

from __future__ import annotations

import os

PREFIX = os.environ.get("OMNIORDER_BENCH_HOOK")


def _install(prefix: str) -> None:
    import cProfile
    import signal
    import threading

    import anyio.to_thread
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    counts = {"statements": 0, "transactions": 0}
    lock = threading.Lock()

    def on_execute(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        # SQLite's BEGIN IMMEDIATE (adapters/db.py) is a transaction, counted by on_begin.
        if statement.startswith("BEGIN"):
            return
        with lock:
            counts["statements"] += 1

    def on_begin(*_args: object) -> None:
        with lock:
            counts["transactions"] += 1

    event.listen(Engine, "before_cursor_execute", on_execute)
    event.listen(Engine, "begin", on_begin)

    def dump_counts(*_args: object) -> None:
        with open(f"{prefix}.sql.tmp", "w") as out:
            out.write(f"{counts['statements']} {counts['transactions']}\n")
        os.replace(f"{prefix}.sql.tmp", f"{prefix}.sql")

    state: dict[str, cProfile.Profile | None] = {"profile": None}

    def toggle_profile(*_args: object) -> None:
        profile = state["profile"]
        if profile is None:
            state["profile"] = cProfile.Profile()
        else:
            state["profile"] = None
            profile.dump_stats(f"{prefix}.prof.tmp")
            os.replace(f"{prefix}.prof.tmp", f"{prefix}.prof")

    original = anyio.to_thread.run_sync

    async def run_sync(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        profile = state["profile"]
        if profile is not None:
            inner = func

            def func(*a):  # type: ignore[no-untyped-def]
                return profile.runcall(inner, *a)

        return await original(func, *args, **kwargs)

    anyio.to_thread.run_sync = run_sync  # type: ignore[assignment]
    signal.signal(signal.SIGUSR1, dump_counts)
    signal.signal(signal.SIGUSR2, toggle_profile)


if PREFIX:
    _install(f"{PREFIX}-{os.getpid()}")

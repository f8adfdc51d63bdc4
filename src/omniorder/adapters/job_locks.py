"""The locks that let several job workers share HQ's jobs (docs/sync.md, *Job workers*).

PostgreSQL: one transaction-level advisory lock per store, taken with
`pg_try_advisory_xact_lock` on a connection of its own and held while the worker pulls or
acknowledges that store. It ends with that transaction: when the block ends, or when the
worker dies and PostgreSQL closes its connection — a killed worker never leaves a store
locked. SQLite: one exclusive `flock` on a file beside the database for a whole cycle
(SQLite has one writer anyway); a second worker finds it taken and waits for its next turn.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

# The first key of every Omniorder advisory lock ("OMNI"), so they never collide with
# another application's locks in the same database; the second is the store code's hash.
LOCK_CLASS = 0x4F4D4E49


class DatabaseJobLocks:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_postgresql = engine.dialect.name == "postgresql"
        database = engine.url.database
        self.lock_file = (
            Path(f"{database}.jobs-lock")
            if not self.is_postgresql and database and database != ":memory:"
            else None
        )

    @contextmanager
    def store(self, store_code: str) -> Iterator[bool]:
        if not self.is_postgresql:
            yield True  # the cycle lock already made this worker the only one
            return
        with self.engine.connect() as connection:
            # Two stores whose codes hash alike share a lock: only slower, never wrong.
            got = connection.execute(
                text("SELECT pg_try_advisory_xact_lock(:lock_class, hashtext(:store))"),
                {"lock_class": LOCK_CLASS, "store": store_code},
            ).scalar_one()
            try:
                yield bool(got)
            finally:
                connection.rollback()  # ends the transaction, and the lock with it

    @contextmanager
    def cycle(self) -> Iterator[bool]:
        if self.lock_file is None:
            yield True
            return
        descriptor = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True  # closing the file (or the process dying) releases the lock
        finally:
            os.close(descriptor)

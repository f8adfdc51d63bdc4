"""HQ's job cycle as job workers run it: pull → Synchronize orders → acknowledge → mail,
each run recorded in `job_runs` (docs/sync.md, *Job workers*).

Any number of workers may run the cycle at once on PostgreSQL: a store is pulled and
acknowledged by the worker holding its lock, staged entries are claimed with SKIP LOCKED.
On SQLite the whole cycle is one lock: one worker runs it, the others wait their turn.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol, TypeVar

from omniorder.service_layer import synchronization
from omniorder.service_layer.notifications import Mailer, send_outbox
from omniorder.service_layer.ports import StoreGateway
from omniorder.service_layer.synchronization import JobResult, UowFactory

log = logging.getLogger("omniorder.jobs")
T = TypeVar("T")
Clock = Callable[[], datetime]


class JobLocks(synchronization.StoreLocks, Protocol):
    """The store locks, and the lock of a whole cycle (taken on SQLite only)."""

    def cycle(self) -> AbstractContextManager[bool]:
        """Held for the block: True when this worker may run a cycle now."""
        ...


def recorded(new_uow: UowFactory, name: str, clock: Clock, job: Callable[[], T]) -> T:
    """Run `job` and count it in its `job_runs` row: start, end, duration, success or error
    (one write, when it ends). The job's own error is re-raised after it is counted."""
    started_at = clock()
    began = time.monotonic()
    error: str | None = None
    try:
        return job()
    except BaseException as failure:  # counted, then raised on
        error = synchronization.safe_error_text(f"{type(failure).__name__}: {failure}")[:2000]
        raise
    finally:
        with new_uow() as uow:
            uow.staging.job_finished(
                name,
                started_at=started_at,
                at=clock(),
                duration_ms=round((time.monotonic() - began) * 1000),
                error=error,
            )
            uow.commit()


def run_cycle(
    new_uow: UowFactory,
    gateway: StoreGateway,
    locks: JobLocks,
    *,
    clock: Clock,
    mailer: Mailer | None = None,
) -> JobResult | None:
    """One cycle of the jobs; None when another worker holds the cycle (SQLite)."""
    with locks.cycle() as ours:
        if not ours:
            return None
        pulled = recorded(
            new_uow,
            "pull",
            clock,
            lambda: synchronization.pull(new_uow, gateway, now=clock(), locks=locks),
        )
        synced = recorded(
            new_uow, "synchronize", clock, lambda: synchronization.synchronize(new_uow, now=clock())
        )
        acked = recorded(
            new_uow,
            "acknowledge",
            clock,
            lambda: synchronization.acknowledge(new_uow, gateway, locks=locks),
        )
        if mailer is not None:
            recorded(new_uow, "mail", clock, lambda: send_outbox(new_uow, mailer, now=clock()))
    return JobResult(
        pulled=pulled.pulled,
        synchronized=synced.synchronized,
        failed=synced.failed,
        skipped=synced.skipped,
        acknowledged=acked.acknowledged,
        unreachable=sorted(set(pulled.unreachable + acked.unreachable)),
    )


def run_every(
    seconds: float,
    stop: threading.Event,
    cycle: Callable[[], JobResult | None],
    *,
    wait_first: bool = False,
) -> None:
    """Run `cycle` every `seconds` until `stop` is set; a failed cycle is logged and the
    next one tries again (a cycle in progress finishes before this returns)."""
    waiting_logged = False
    if wait_first and stop.wait(seconds):
        return
    while True:
        try:
            result = cycle()
            if result is None:
                if not waiting_logged:
                    log.info("another job worker is running the jobs; this one waits its turn")
                    waiting_logged = True
            else:
                waiting_logged = False
                if any(v for k, v in result.as_dict().items() if k != "unreachable"):
                    log.info("jobs: %s", result.as_dict())
        except Exception as error:  # a worker must survive one bad run; the next run retries
            # Never log.exception(): its text is the raw message (docs/security.md).
            log.error("jobs failed: %s", synchronization.safe_traceback(error))
        if stop.wait(seconds):
            return

"""Row 6 of the suite: pull + Synchronize orders on PostgreSQL by 1 and by 2 job workers,
alternating with pgbench -c 4 (docs/performance.md, docs/sync.md *Job workers*).

Each phase: the async store S002 journals `sizes.orders` orders while no job runs; then
the job worker processes — started beforehand, waiting on an event, so no start-up is
timed — run the job cycle (`job_worker.run_cycle`, the one `omniorder jobs worker` runs,
with its locks) until HQ has synchronized them all. The figure is orders per second from
the event to the last one synchronized."""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.synchronize import Event

from sqlalchemy import func, select

from bench.raw import Pgbench
from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.job_locks import DatabaseJobLocks
from omniorder.adapters.orm import StoreTransactionRow
from omniorder.adapters.store_gateway import HttpStoreGateway
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.service_layer import job_worker

TARGET = "2 workers >= 0.30x pgbench -c 4"


def synchronized_count(hq_url: str) -> int:
    engine = make_engine(hq_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.scalar(
                    select(func.count()).where(StoreTransactionRow.status == "synchronized")
                )
                or 0
            )
    finally:
        engine.dispose()


def _worker(hq_url: str, job_secret: str, target: int, ready: Event, go: Event) -> None:
    """One job worker process: run the cycle until `target` entries are synchronized."""
    engine = make_engine(hq_url)
    factory = make_session_factory(engine)
    locks = DatabaseJobLocks(engine)
    gateway = HttpStoreGateway(job_secret=job_secret)
    count = select(func.count()).where(StoreTransactionRow.status == "synchronized")
    ready.set()
    go.wait()
    while True:
        with engine.connect() as connection:
            if (connection.scalar(count) or 0) >= target:
                break
        result = job_worker.run_cycle(
            lambda: SqlAlchemyUnitOfWork(factory),
            gateway,
            locks,
            clock=lambda: datetime.now(UTC),
        )
        if result is None or not (result.pulled or result.synchronized):
            time.sleep(0.05)  # the other worker holds the store: look again shortly
    engine.dispose()


def run_workers(hq_url: str, job_secret: str, workers: int, orders: int) -> float:
    """Orders per second: `workers` processes pulling and synchronizing `orders` orders."""
    context = multiprocessing.get_context("spawn")
    target = synchronized_count(hq_url) + orders
    go = context.Event()
    readies = [context.Event() for _ in range(workers)]
    processes = [
        context.Process(target=_worker, args=(hq_url, job_secret, target, ready, go))
        for ready in readies
    ]
    for process in processes:
        process.start()
    for ready, process in zip(readies, processes, strict=True):
        while not ready.wait(0.5):
            if not process.is_alive():
                raise RuntimeError(f"a job worker exited ({process.exitcode}) before starting")
    started = time.perf_counter()
    go.set()
    for process in processes:
        process.join(timeout=600)
        if process.exitcode != 0:
            raise RuntimeError(f"a job worker failed ({process.exitcode})")
    return orders / (time.perf_counter() - started)


def measure(
    hq_url: str,
    job_secret: str,
    raw: Pgbench,
    *,
    repetitions: int,
    orders: int,
    raw_seconds: float,
    journal_orders: Callable[[int], None],
    log: Callable[[str], None],
) -> tuple[float, float, float]:
    """Medians of (1 worker, 2 workers, pgbench -c 4) over alternating repetitions."""
    one, two, raw4 = [], [], []
    for rep in range(repetitions):
        for workers, figures in ((1, one), (2, two)):
            log(f"pull + synchronize, {workers} job worker(s), repetition {rep + 1}/{repetitions}")
            journal_orders(orders)
            figures.append(run_workers(hq_url, job_secret, workers, orders))
            raw4.append(raw.rate(4, raw_seconds))
    return statistics.median(one), statistics.median(two), statistics.median(raw4)

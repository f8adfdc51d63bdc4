"""Job workers (docs/sync.md, *Job workers*) with real processes on loopback: HQ served by
two worker processes (PostgreSQL; one on SQLite, where several are refused), two
`omniorder jobs worker` processes — one SIGKILLed mid-way and replaced — while two async
stores take orders. At the end every order is synchronized exactly once, and no two
workers ever pulled or acknowledged the same store at the same time (each worker logs the
monotonic times it held each store, and the clock is the machine's, shared by all)."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.orm import JournalEntryRow, OrderRow
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from tests.builders import SOON
from tests.conftest import PostgresDatabases, require_backend
from tests.e2e.test_async_faults import PRODUCTS, STAFF, deposit_for
from tests.servers import JobWorker, Servers, job_worker, running_servers, sign_in

pytestmark = pytest.mark.e2e

ORDERS_PER_STORE = 30
# A guard against a hang, not a deadline a slow machine could miss.
PATIENCE = 600
HELD = re.compile(r"(pull|acknowledge) (S\d+): \d+ \w+; lock held from ([\d.]+) to ([\d.]+)")


@pytest.fixture
def hq_database(
    backend: str, pg_databases: PostgresDatabases | None, tmp_path: Path
) -> Iterator[str]:
    require_backend(backend, pg_databases)
    if backend == "postgresql":
        assert pg_databases is not None
        yield pg_databases.create()
    else:
        yield f"sqlite:///{tmp_path / 'hq.db'}"


def take_orders(servers: Servers, start: int, count: int) -> set[str]:
    """`count` orders at each store, taken concurrently through the POS API."""
    tokens = {code: sign_in(servers.store_url(code), *STAFF[code]) for code in STAFF}

    def one(plan: tuple[str, int]) -> str:
        code, n = plan
        sku, price = PRODUCTS[n % len(PRODUCTS)]
        deposit = deposit_for(code, price, 1).to_decimal()
        response = httpx.post(
            f"{servers.store_url(code)}/api/v1/customer-orders",
            json={
                "customer_account": "C0001",
                "lines": [
                    {"sku": sku, "quantity": 1, "fulfilment": "pickup", "requested_date": str(SOON)}
                ],
                "payments": [{"tender": "cash", "amount": str(deposit)}],
            },
            headers={**tokens[code], "Idempotency-Key": f"{code}-till-{n}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    plans = [(code, n) for n in range(start, start + count) for code in STAFF]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return set(pool.map(one, plans))


def unsynchronized_at_stores(servers: Servers, tmp_path: Path) -> tuple[int, int]:
    """(journal entries, of which not yet synchronized) over both stores."""
    entries = waiting = 0
    for code in servers.stores:
        engine = make_engine(f"sqlite:///{tmp_path / f'store-{code}.db'}")
        with make_session_factory(engine)() as session:
            entries += session.scalar(select(func.count(JournalEntryRow.seq))) or 0
            waiting += (
                session.scalar(
                    select(func.count()).where(JournalEntryRow.sync_status != "synchronized")
                )
                or 0
            )
        engine.dispose()
    return entries, waiting


def hq_reads(servers: Servers, stop: threading.Event, statuses: list[int]) -> None:
    """The back office at work meanwhile: HQ's worker processes answer reads."""
    headers = sign_in(servers.hq_url, "admin", "hqadmin1")
    with httpx.Client(base_url=servers.hq_url, headers=headers, timeout=30) as client:
        while not stop.is_set():
            statuses.append(client.get("/api/v1/sales-orders", params={"limit": 20}).status_code)
            time.sleep(0.05)


def hq_worker_processes(servers: Servers) -> int:
    """How many processes the HQ server runs (itself, or its worker processes)."""
    assert servers.hq.popen is not None
    pid = servers.hq.popen.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    serving = [
        child
        for child in children
        if "resource_tracker" not in Path(f"/proc/{child}/cmdline").read_text()
    ]
    return len(serving) or 1


def lock_intervals(logs: list[Path]) -> dict[tuple[str, str], list[tuple[float, float]]]:
    held: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for log in logs:
        for job, store, began, ended in HELD.findall(log.read_text()):
            held[job, store].append((float(began), float(ended)))
    return held


def test_job_workers_synchronize_every_order_exactly_once_one_puller_per_store(
    backend: str, hq_database: str, tmp_path: Path
) -> None:
    hq_workers = 2 if backend == "postgresql" else 1  # SQLite: several are refused
    with running_servers(
        tmp_path,
        stores=("S001", "S002"),
        async_stores=("S001", "S002"),
        hq_database_url=hq_database,
        hq_workers=hq_workers,
    ) as servers:
        workers: list[JobWorker] = [
            job_worker(tmp_path, f"jobs-{n}", hq_database) for n in (1, 2, 3)
        ]
        stop_reads, statuses = threading.Event(), []
        reads = threading.Thread(target=hq_reads, args=(servers, stop_reads, statuses))
        try:
            workers[0].start()
            workers[1].start()
            reads.start()
            taken = take_orders(servers, 0, ORDERS_PER_STORE // 2)
            workers[0].kill()  # mid-way, maybe mid-run: its locks die with its connections
            workers[2].start()
            taken |= take_orders(servers, ORDERS_PER_STORE // 2, ORDERS_PER_STORE // 2)
            deadline = time.monotonic() + PATIENCE
            while unsynchronized_at_stores(servers, tmp_path) != (len(taken), 0):
                assert time.monotonic() < deadline, unsynchronized_at_stores(servers, tmp_path)
                time.sleep(0.2)
            processes = hq_worker_processes(servers)
        finally:
            stop_reads.set()
            if reads.is_alive():
                reads.join(timeout=60)
            exit_codes = [worker.stop() for worker in workers]

        engine = make_engine(hq_database)
        with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
            found = uow.orders.summaries(limit=10_000)
            hq_orders = {str(o.id): o for s in found if (o := uow.orders.get(s.id))}
            staged = uow.staging.counts()
            runs = {row.name: row for row in uow.staging.job_runs()}
            at_hq = uow.session.scalar(select(func.count(OrderRow.id)))
        engine.dispose()

    assert processes == hq_workers
    assert statuses
    assert set(statuses) == {200}
    assert exit_codes[1:] == [0, 0]  # stopped by SIGTERM after their cycle
    assert len(taken) == 2 * ORDERS_PER_STORE
    assert set(hq_orders) == taken
    assert at_hq == len(taken)  # no order twice
    assert len({o.sales_order_number for o in hq_orders.values()}) == len(taken)
    assert staged == {"synchronized": len(taken)}  # one journal entry per order, applied once
    for name in ("pull", "synchronize", "acknowledge"):
        assert runs[name].runs >= 1
        assert runs[name].failures == 0
        assert runs[name].last_success_at is not None
    held = lock_intervals([worker.log for worker in workers])
    for store in STAFF:
        assert held["pull", store], f"no worker logged a pull of {store}"
    for (job, store), intervals in held.items():
        intervals.sort()
        for (_, ended), (began, _) in itertools.pairwise(intervals):
            assert began >= ended, f"two workers held {store} at once ({job})"

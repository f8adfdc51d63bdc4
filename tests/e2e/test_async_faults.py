"""Exactly-once under faults (RULES.md §10), with real processes on loopback.

Two async stores take 200 orders concurrently while: store S001 is SIGKILLed and restarted
(the POS retries with the same Idempotency-Key), HQ's server and its scheduled jobs are
SIGKILLed and restarted, `omniorder jobs pull` / `synchronize-orders` processes are
SIGKILLed mid-run, pulls are repeated, two synchronize workers run at once, and a proxy
between HQ and the stores drops connections, cuts requests, answers 503 and delays.
At the end every acknowledged order exists exactly once at HQ with the right amounts, and
HQ holds no order that no store committed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.orm import JournalEntryRow, OrderRow, StoreTransactionRow
from omniorder.domain.money import Money
from omniorder.service_layer.unit_of_work import UnitOfWork
from tests.builders import SOON
from tests.conftest import PostgresDatabases, require_backend
from tests.faults import FaultyProxy
from tests.servers import Servers, running_servers, sign_in

pytestmark = pytest.mark.e2e

ORDERS_PER_STORE = 100
RATES = {"S001": Decimal("0.08875"), "S002": Decimal("0.06625")}
PRODUCTS = [("LAMP-FLOOR", 14999), ("PILLOW-2", 3999), ("VASE-GLASS", 2499), ("RUG-WOOL", 39900)]
STAFF = {"S001": ("1001", "cashier1"), "S002": ("2001", "cashier2")}


def deposit_for(store: str, price: int, qty: int) -> Money:
    net = Money(price * qty)
    return (net + net.rate(RATES[store])).percent(Decimal(10))


class Chaos:
    def __init__(self, servers: Servers, hq_db_url: str, job_env: dict[str, str]) -> None:
        self.servers = servers
        self.hq_db_url = hq_db_url
        self.env = job_env
        self.random = random.Random(11)
        self.kills: dict[str, int] = {"store": 0, "hq": 0, "job": 0}
        self.stop = threading.Event()
        self.errors: list[BaseException] = []

    def job(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "omniorder", "jobs", *args, "--database-url", self.hq_db_url],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def run(self) -> None:
        try:
            self._run()
        except BaseException as error:  # reported by the test, not lost in a thread
            self.errors.append(error)

    def _run(self) -> None:
        step = 0
        while not self.stop.is_set() or step < 2:
            step += 1
            if step == 1:
                self.servers.stores["S001"].kill()
                self.kills["store"] += 1
                time.sleep(0.5)
                self.servers.stores["S001"].start()
            elif step == 2:
                self.servers.hq.kill()
                self.kills["hq"] += 1
                time.sleep(0.3)
                self.servers.hq.start()
            name = self.random.choice(["pull", "synchronize-orders"])
            process = self.job(name)
            time.sleep(self.random.uniform(0.1, 1.2))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                self.kills["job"] += 1
            process.wait(timeout=30)


def create_orders(servers: Servers, tokens: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    """Create the orders concurrently; a POS retries with the same key until acknowledged.
    Sign-ins are stored in the store's database, so they survive its restart."""
    acknowledged: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()
    rng = random.Random(5)
    plans = [
        (code, n, *rng.choice(PRODUCTS), rng.randint(1, 3))
        for n in range(ORDERS_PER_STORE)
        for code in STAFF
    ]

    def one(plan: tuple[str, int, str, int, int]) -> None:
        code, n, sku, price, qty = plan
        body = {
            "customer_account": "C0001",
            "lines": [
                {"sku": sku, "quantity": qty, "fulfilment": "pickup", "requested_date": str(SOON)}
            ],
            "payments": [
                {"tender": "cash", "amount": str(deposit_for(code, price, qty).to_decimal())}
            ],
        }
        headers = {**tokens[code], "Idempotency-Key": f"{code}-till-{n}"}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                response = httpx.post(
                    f"{servers.store_url(code)}/api/v1/customer-orders",
                    json=body,
                    headers=headers,
                    timeout=15,
                )
            except httpx.TransportError:
                time.sleep(0.3)
                continue
            if response.status_code == 201:
                with lock:
                    acknowledged[response.json()["id"]] = response.json()
                return
            raise AssertionError(f"{code} order {n}: {response.status_code} {response.text}")
        raise AssertionError(f"{code} order {n} was never acknowledged")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, plans))
    return acknowledged


@pytest.fixture
def databases(
    backend: str, pg_databases: PostgresDatabases | None, tmp_path: Path
) -> Iterator[dict[str, str]]:
    require_backend(backend, pg_databases)
    if backend == "postgresql":
        assert pg_databases is not None
        yield {name: pg_databases.create() for name in ("hq", "S001", "S002")}
    else:
        yield {
            "hq": f"sqlite:///{tmp_path / 'hq.db'}",
            "S001": f"sqlite:///{tmp_path / 'store-S001.db'}",
            "S002": f"sqlite:///{tmp_path / 'store-S002.db'}",
        }


def test_every_acknowledged_order_reaches_hq_exactly_once_under_faults(
    databases: dict[str, str], tmp_path: Path
) -> None:
    with running_servers(
        tmp_path / "run",
        stores=("S001", "S002"),
        async_stores=("S001", "S002"),
        hq_database_url=databases["hq"],
        store_database_urls={"S001": databases["S001"], "S002": databases["S002"]},
    ) as servers:
        hq_engine = make_engine(databases["hq"])
        hq = make_session_factory(hq_engine)
        proxies = {
            code: FaultyProxy(int(servers.store_url(code).rsplit(":", 1)[1]), fault_rate=0.3)
            for code in ("S001", "S002")
        }
        with UnitOfWork(hq) as uow:
            for code, proxy in proxies.items():
                store = uow.records.store(code)
                assert store is not None
                store.server_url = proxy.url
            uow.commit()
        # HQ with its scheduler on, so that killing HQ also kills scheduled pulls and syncs.
        servers.hq.kill()
        servers.hq.args += ["--job-interval", "0.5"]
        servers.hq.start()
        job_env = {**os.environ, "OMNIORDER_JOB_TOKEN": "test-job-token"}
        tokens = {code: sign_in(servers.store_url(code), *STAFF[code]) for code in STAFF}
        chaos = Chaos(servers, databases["hq"], job_env)
        chaos_thread = threading.Thread(target=chaos.run, daemon=True)
        chaos_thread.start()

        acknowledged = create_orders(servers, tokens)

        chaos.stop.set()
        chaos_thread.join(timeout=60)
        servers.hq.kill()  # no scheduler from here on: the test drives the jobs itself
        # Two synchronize workers at once, and the same pull twice, still through the faults.
        pair = [chaos.job("synchronize-orders"), chaos.job("synchronize-orders")]
        for process in pair:
            assert process.wait(timeout=300) == 0
        for _ in range(2):
            assert chaos.job("pull").wait(timeout=300) == 0
        # Settle with a clean network: pull, synchronize, acknowledge until nothing is left.
        for proxy in proxies.values():
            proxy.fault_rate = 0.0
        for _ in range(6):
            for name in ("pull", "synchronize-orders", "pull"):
                assert chaos.job(name).wait(timeout=300) == 0
            with hq() as session:
                pending = session.scalar(
                    select(func.count()).where(StoreTransactionRow.status != "synchronized")
                )
            if pending == 0:
                break

        # -- what must hold ------------------------------------------------------------------
        store_orders: set[str] = set()
        journal_entries = 0
        unacknowledged_at_store = 0
        for code in ("S001", "S002"):
            engine = make_engine(databases[code])
            with make_session_factory(engine)() as session:
                store_orders |= {str(i) for i in session.scalars(select(OrderRow.id))}
                journal_entries += session.scalar(select(func.count(JournalEntryRow.seq))) or 0
                unacknowledged_at_store += (
                    session.scalar(
                        select(func.count()).where(JournalEntryRow.sync_status != "synchronized")
                    )
                    or 0
                )
            engine.dispose()
        with UnitOfWork(hq) as uow:
            hq_orders = {str(o.id): o for o in uow.orders.search(limit=10_000)}
            staged = uow.staging.counts()
        hq_engine.dispose()
        for proxy in proxies.values():
            proxy.stop()

        faults = {k: sum(p.faults[k] for p in proxies.values()) for k in proxies["S001"].faults}
        print(
            f"\nacknowledged {len(acknowledged)}, at HQ {len(hq_orders)}, at stores "
            f"{len(store_orders)}, journal entries {journal_entries}, staged {staged}, "
            f"kills {chaos.kills}, network faults {faults}"
        )
        assert len(acknowledged) == 2 * ORDERS_PER_STORE
        missing = set(acknowledged) - set(hq_orders)
        assert not missing, f"{len(missing)} acknowledged orders never reached HQ"
        assert set(hq_orders) <= store_orders, "HQ holds an order no store committed"
        assert len({o.channel_ref for o in hq_orders.values()}) == len(hq_orders)
        assert len({o.sales_order_number for o in hq_orders.values()}) == len(hq_orders)
        for order_id, ack in acknowledged.items():
            order = hq_orders[order_id]
            assert str(order.order_value.to_decimal()) == ack["totals"]["order_value"]
            assert str(order.deposit_paid.to_decimal()) == ack["totals"]["deposit_paid"]
            assert order.channel_ref == ack["channel_ref"]
        assert staged == {"synchronized": journal_entries}
        assert unacknowledged_at_store == 0
        assert not chaos.errors, chaos.errors
        assert chaos.kills["store"] == 1 and chaos.kills["hq"] == 1
        assert all(count > 0 for count in faults.values()), faults

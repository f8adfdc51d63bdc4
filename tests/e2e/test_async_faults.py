"""Exactly-once under faults (docs/rules.md §10), with real processes on loopback.

Two async stores take 200 orders concurrently while: store S001 is SIGKILLed and restarted
(the POS retries with the same Idempotency-Key), HQ's server and its scheduled jobs are
SIGKILLed and restarted, `omniorder jobs pull` / `synchronize-orders` processes are
SIGKILLed mid-run, pulls are repeated, two synchronize workers run at once, and a proxy
between HQ and the stores drops connections, cuts requests, answers 503 and delays.
At the end every acknowledged order exists exactly once at HQ with the right amounts, and
HQ holds no order that no store committed.

Nothing here is left to chance or to the machine's speed: each proxy follows a fixed fault
schedule and goes through all of it before the network is healed; the store and HQ are
killed while the orders are being taken (later orders wait for the kills); one pull is
killed at a point it is known to have reached, between the two stores. Only the other job
kills are random (seeded), and no assertion counts on them.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.orm import JournalEntryRow, OrderRow, StoreTransactionRow
from omniorder.adapters.store_gateway import HttpStoreGateway
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.domain.money import Money
from omniorder.service_layer import synchronization
from tests.builders import SOON
from tests.conftest import PostgresDatabases, require_backend
from tests.faults import FAULTS, SCHEDULE, FaultyProxy
from tests.servers import JOB_SECRET, Servers, running_servers, sign_in

pytestmark = pytest.mark.e2e

ORDERS_PER_STORE = 100
RATES = {"S001": Decimal("0.08875"), "S002": Decimal("0.06625")}
PRODUCTS = [("LAMP-FLOOR", 14999), ("PILLOW-2", 3999), ("VASE-GLASS", 2499), ("RUG-WOOL", 39900)]
STAFF = {"S001": ("1001", "cashier1"), "S002": ("2001", "cashier2")}
# S001 is killed once this many of its orders are acknowledged; orders from number
# STORE_KILL_GATE on (at both stores) wait for that kill, so it comes mid-way, by construction.
STORE_KILL_AFTER, STORE_KILL_GATE = 20, 40
# Likewise HQ (and its scheduler), once this many orders in all are acknowledged.
HQ_KILL_AFTER, HQ_KILL_GATE = 100, 70
# Enough orders come before each gate for the chaos to get there.
assert STORE_KILL_AFTER <= STORE_KILL_GATE <= HQ_KILL_GATE
assert len(STAFF) * HQ_KILL_GATE >= HQ_KILL_AFTER
# Seconds before a wait on the chaos (or on the tills) counts as a hang: a guard, not a
# deadline that a slow machine could miss.
PATIENCE = 1800


def deposit_for(store: str, price: int, qty: int) -> Money:
    net = Money(price * qty)
    return (net + net.rate(RATES[store])).percent(Decimal(10))


class Tills:
    """The POS side: the orders acknowledged so far, which the chaos watches."""

    def __init__(self) -> None:
        self.acknowledged: dict[str, dict[str, Any]] = {}
        self.per_store = dict.fromkeys(STAFF, 0)
        self.lock = threading.Lock()

    def record(self, code: str, order: dict[str, Any]) -> None:
        with self.lock:
            self.acknowledged[order["id"]] = order
            self.per_store[code] += 1

    def count(self, code: str | None = None) -> int:
        with self.lock:
            return self.per_store[code] if code else len(self.acknowledged)


class Chaos:
    def __init__(
        self,
        servers: Servers,
        hq_db_url: str,
        job_env: dict[str, str],
        proxies: dict[str, FaultyProxy],
        tills: Tills,
    ) -> None:
        self.servers = servers
        self.hq_db_url = hq_db_url
        self.env = job_env
        self.proxies = proxies
        self.tills = tills
        self.random = random.Random(11)
        self.kills: dict[str, int] = {"store": 0, "hq": 0, "pull mid-run": 0, "job": 0}
        self.acknowledged_at_kill: dict[str, int] = {}
        self.store_killed = threading.Event()
        self.hq_killed = threading.Event()
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
        finally:  # the tills must not wait for a kill that will never come
            self.store_killed.set()
            self.hq_killed.set()

    def _run(self) -> None:
        # S001 dies mid-way through the orders (those after STORE_KILL_GATE wait for it).
        self._wait_until(
            "S001 acknowledged its first orders",
            lambda: self.tills.count("S001") >= STORE_KILL_AFTER,
        )
        self.servers.stores["S001"].kill()
        self.acknowledged_at_kill["store"] = self.tills.count()
        self.kills["store"] += 1
        self.store_killed.set()
        time.sleep(0.5)
        self.servers.stores["S001"].start()
        self._random_job()
        # HQ dies with its scheduler, mid-way through the orders too.
        self._wait_until("more orders acknowledged", lambda: self.tills.count() >= HQ_KILL_AFTER)
        self.servers.hq.kill()
        self.acknowledged_at_kill["hq"] = self.tills.count()
        self.kills["hq"] += 1
        self.hq_killed.set()
        time.sleep(0.3)
        self.servers.hq.start()
        self._random_job()
        while not self.stop.is_set():
            self._random_job()

    def _random_job(self) -> None:
        """A pull or a synchronize, SIGKILLed after a random while if it is still running."""
        name = self.random.choice(["pull", "synchronize-orders"])
        process = self.job(name)
        time.sleep(self.random.uniform(0.1, 1.2))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            self.kills["job"] += 1
        process.wait(timeout=30)

    def kill_a_pull_mid_run(self) -> None:
        """Once HQ is down for good and the chaos is over, nothing else calls the stores, so
        a connection that reaches S002's proxy is this pull's: it has read its stores and
        been through S001 (staging S001's entries, unless a fault got in the way) and has
        acknowledged nothing yet. It is killed there."""
        proxy = self.proxies["S002"]
        held = proxy.held
        proxy.hold()
        try:
            process = self.job("pull")
            self._wait_until(
                "the pull reached S002", lambda: proxy.held > held or process.poll() is not None
            )
            assert process.poll() is None, f"the pull ended ({process.returncode}) early"
            process.send_signal(signal.SIGKILL)
            assert process.wait(timeout=30) == -signal.SIGKILL
            self.kills["pull mid-run"] += 1
        finally:
            proxy.release()

    @staticmethod
    def _wait_until(what: str, condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + PATIENCE
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"not in {PATIENCE} s: {what}")
            time.sleep(0.05)


def create_orders(
    servers: Servers, tokens: dict[str, dict[str, str]], tills: Tills, chaos: Chaos
) -> None:
    """Create the orders concurrently; a POS retries with the same key until acknowledged.
    Sign-ins are stored in the store's database, so they survive its restart. Orders are
    taken in number order; the later ones wait for the chaos's kills."""
    rng = random.Random(5)
    plans = [
        (code, n, *rng.choice(PRODUCTS), rng.randint(1, 3))
        for n in range(ORDERS_PER_STORE)
        for code in STAFF
    ]

    def one(plan: tuple[str, int, str, int, int]) -> None:
        code, n, sku, price, qty = plan
        gate = (
            chaos.hq_killed
            if n >= HQ_KILL_GATE
            else chaos.store_killed
            if n >= STORE_KILL_GATE
            else None
        )
        if gate is not None:
            assert gate.wait(timeout=PATIENCE), f"{code} order {n}: the chaos never got there"
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
                tills.record(code, response.json())
                return
            raise AssertionError(f"{code} order {n}: {response.status_code} {response.text}")
        raise AssertionError(f"{code} order {n} was never acknowledged")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, plans))


def complete_the_fault_schedules(
    hq: sessionmaker[Session], proxies: dict[str, FaultyProxy], job_secret: str
) -> int:
    """Run HQ's P-job (pull, then acknowledge) here, each time on new connections, until
    every proxy has been through its whole fault schedule. Each run reads every store's
    journal, so it takes at most len(SCHEDULE) runs. Returns how many it took."""
    new_uow = partial(SqlAlchemyUnitOfWork, hq)
    runs = 0
    while not all(proxy.cycles_completed for proxy in proxies.values()):
        assert runs < len(SCHEDULE), {code: p.scheduled for code, p in proxies.items()}
        gateway = HttpStoreGateway(job_secret=job_secret)
        try:
            synchronization.pull(new_uow, gateway, now=datetime.now(UTC))
            synchronization.acknowledge(new_uow, gateway)
        finally:
            gateway.close()
        runs += 1
    return runs


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
            code: FaultyProxy(int(servers.store_url(code).rsplit(":", 1)[1]))
            for code in ("S001", "S002")
        }
        with SqlAlchemyUnitOfWork(hq) as uow:
            for code, proxy in proxies.items():
                store = uow.records.store(code)
                assert store is not None
                store.server_url = proxy.url
            uow.commit()
        # HQ with its scheduler on, so that killing HQ also kills scheduled pulls and syncs.
        servers.hq.kill()
        servers.hq.args += ["--job-interval", "0.5"]
        servers.hq.start()
        job_env = {**os.environ, "OMNIORDER_JOB_SECRET": JOB_SECRET}
        tokens = {code: sign_in(servers.store_url(code), *STAFF[code]) for code in STAFF}
        tills = Tills()
        chaos = Chaos(servers, databases["hq"], job_env, proxies, tills)
        chaos_thread = threading.Thread(target=chaos.run, daemon=True)
        chaos_thread.start()

        create_orders(servers, tokens, tills, chaos)
        acknowledged = tills.acknowledged

        chaos.stop.set()
        chaos_thread.join(timeout=PATIENCE)  # it may be restarting HQ
        assert not chaos_thread.is_alive(), "the chaos did not stop"
        servers.hq.kill()  # no scheduler from here on: the test drives the jobs itself
        # Two synchronize workers at once, while a pull is killed mid-run; then the same pull
        # twice; all still through the faults.
        pair = [chaos.job("synchronize-orders"), chaos.job("synchronize-orders")]
        chaos.kill_a_pull_mid_run()
        for process in pair:
            assert process.wait(timeout=300) == 0
        for _ in range(2):
            assert chaos.job("pull").wait(timeout=300) == 0
        # More pulls, if need be, until every kind of fault has hit each store's link.
        extra_pulls = complete_the_fault_schedules(hq, proxies, job_env["OMNIORDER_JOB_SECRET"])
        # Settle with a clean network: pull, synchronize, acknowledge until nothing is left.
        for proxy in proxies.values():
            proxy.heal()
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
        with SqlAlchemyUnitOfWork(hq) as uow:
            found = uow.orders.summaries(limit=10_000)
            hq_orders = {str(o.id): o for s in found if (o := uow.orders.get(s.id))}
            staged = uow.staging.counts()
        hq_engine.dispose()
        for proxy in proxies.values():
            proxy.stop()

        faults = {code: proxy.faults for code, proxy in proxies.items()}
        print(
            f"\nacknowledged {len(acknowledged)}, at HQ {len(hq_orders)}, at stores "
            f"{len(store_orders)}, journal entries {journal_entries}, staged {staged}, "
            f"kills {chaos.kills} (orders acknowledged then: {chaos.acknowledged_at_kill}), "
            f"network faults {faults}, extra pulls {extra_pulls}"
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
        assert chaos.kills["store"] == 1
        assert chaos.kills["hq"] == 1
        assert chaos.kills["pull mid-run"] == 1
        for what in ("store", "hq"):  # mid-way through the orders, by construction
            assert 0 < chaos.acknowledged_at_kill[what] < 2 * ORDERS_PER_STORE
        for code, proxy in proxies.items():  # by construction too: a whole schedule each
            assert all(proxy.faults[kind] > 0 for kind in FAULTS), (code, proxy.faults)

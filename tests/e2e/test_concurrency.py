"""One writer per order, under concurrent requests (docs/sync.md, *Who writes an order*).

Real HQ and store processes, on SQLite and on PostgreSQL. Each race is run on three kinds of
order: taken at the sync store S001 (HQ decides), taken at the async store S002 and
synchronized (HQ decides, through the real-time service), and taken at S002 and not yet
synchronized (S002 decides alone, under a row lock, and journals it; HQ applies it later).

Every race has exactly one winner; the losers get 409 with the order's current version (or,
for the same Idempotency-Key, the winner's answer); nothing answers 5xx; and afterwards the
store's own copy of the order (read from its database, not through HQ) and HQ's sales order
agree on every amount and quantity.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.entrypoints.schemas import CustomerOrderPublic
from omniorder.service_layer.unit_of_work import UnitOfWork
from tests.builders import SOON
from tests.conftest import BACKENDS, PostgresDatabases, require_backend
from tests.servers import Servers, running_servers, sign_in

pytestmark = pytest.mark.e2e

Json = dict[str, Any]
KINDS = ["sync", "async_synchronized", "async_not_yet_synchronized"]
STORE_OF = {"sync": "S001", "async_synchronized": "S002", "async_not_yet_synchronized": "S002"}
CASHIERS = {"S001": ("1001", "cashier1"), "S002": ("2001", "cashier2")}
RATES = {"S001": Decimal("0.08875"), "S002": Decimal("0.06625")}
LAMP_PRICE = Decimal("149.99")


@dataclass
class Shop:
    servers: Servers
    store_dbs: dict[str, str]
    tokens: dict[str, dict[str, str]]
    admin: dict[str, str]

    def store(self, code: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.servers.store_url(code)}/api/v1", headers=self.tokens[code], timeout=60
        )

    def hq(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.servers.hq_url}/api/v1", headers=self.admin, timeout=60
        )

    def run_jobs(self) -> None:
        with self.hq() as hq:
            for job in ("pull", "synchronize-orders", "pull"):
                answer = hq.post(f"/jobs/{job}")
                assert answer.status_code == 200, answer.text
                assert answer.json()["unreachable"] == [], answer.text


@pytest.fixture(scope="module", params=BACKENDS)
def shop(
    request: pytest.FixtureRequest,
    pg_databases: PostgresDatabases | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Shop]:
    require_backend(request.param, pg_databases)
    tmp: Path = tmp_path_factory.mktemp(f"race-{request.param}")
    if request.param == "postgresql":
        assert pg_databases is not None
        hq_url = pg_databases.create()
        store_dbs = {code: pg_databases.create() for code in ("S001", "S002")}
    else:
        hq_url = f"sqlite:///{tmp / 'hq.db'}"
        store_dbs = {code: f"sqlite:///{tmp / f'store-{code}.db'}" for code in ("S001", "S002")}
    with running_servers(
        tmp,
        stores=("S001", "S002"),
        async_stores=("S002",),
        hq_database_url=hq_url,
        store_database_urls=store_dbs,
    ) as servers:
        tokens = {code: sign_in(servers.store_url(code), *CASHIERS[code]) for code in CASHIERS}
        yield Shop(servers, store_dbs, tokens, sign_in(servers.hq_url, "admin", "hqadmin1"))


def deposit(store: str, quantity: int) -> str:
    gross = (LAMP_PRICE * quantity * (1 + RATES[store])).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    return str((gross / 10).quantize(Decimal("0.01"), "ROUND_HALF_UP"))


def new_order(shop: Shop, kind: str, *, quantity: int = 1) -> Json:
    """A lamp order to be picked up at the acting store, deposit paid, in the given state."""
    code = STORE_OF[kind]
    body = {
        "customer_account": "C0001",
        "lines": [
            {
                "sku": "LAMP-FLOOR",
                "quantity": quantity,
                "fulfilment": "pickup",
                "requested_date": str(SOON),
                "pickup_store": code,
            }
        ],
        "payments": [{"tender": "cash", "amount": deposit(code, quantity)}],
    }
    with shop.store(code) as store:
        created = store.post("/customer-orders", json=body)
        assert created.status_code == 201, created.text
        order: Json = created.json()
    if kind == "async_synchronized":
        shop.run_jobs()
        order = current(shop, kind, order)
        assert order["sales_order_number"], order
        assert order["sync_status"] == "synchronized"
    elif kind == "async_not_yet_synchronized":
        assert order["sales_order_number"] is None
    return order


def current(shop: Shop, kind: str, order: Json) -> Json:
    with shop.store(STORE_OF[kind]) as store:
        got = store.get(f"/customer-orders/{order['channel_ref']}")
    assert got.status_code == 200, got.text
    return dict(got.json())


def pickup_due(shop: Shop, kind: str, order: Json, quantity: int) -> str:
    line = order["lines"][0]["id"]
    with shop.store(STORE_OF[kind]) as store:
        preview = store.post(
            f"/customer-orders/{order['channel_ref']}/pickups/preview",
            json={"lines": {line: quantity}},
        )
    assert preview.status_code == 200, preview.text
    return str(preview.json()["amount_due"])


def pickup_body(shop: Shop, kind: str, order: Json, quantity: int) -> Json:
    due = pickup_due(shop, kind, order, quantity)
    return {
        "lines": {order["lines"][0]["id"]: quantity},
        "collected_by": "Ada Lovelace",
        "payments": [{"tender": "cash", "amount": due}] if Decimal(due) > 0 else [],
        "version": order["version"],
    }


Call = tuple[str, str, Json, dict[str, str]]  # method, path, body, extra headers


def race(shop: Shop, kind: str, calls: list[Call]) -> list[httpx.Response]:
    """Send the calls at the same moment, each on its own connection."""
    start = threading.Barrier(len(calls))

    def send(call: Call) -> httpx.Response:
        method, path, body, headers = call
        with shop.store(STORE_OF[kind]) as store:
            store.get("/customer-orders?limit=1")  # connect before the barrier
            start.wait(timeout=30)
            return store.request(method, path, json=body, headers=headers)

    with ThreadPoolExecutor(len(calls)) as pool:
        answers = list(pool.map(send, calls))
    for answer in answers:
        assert answer.status_code < 500, answer.text
    return answers


def one_winner(answers: list[httpx.Response], order: Json) -> Json:
    """Exactly one 2xx; every other answer is 409 naming the order's new version."""
    won = [a for a in answers if a.status_code in (200, 201)]
    lost = [a for a in answers if a not in won]
    assert len(won) == 1, [a.text for a in answers]
    winner: Json = won[0].json()
    assert winner["version"] == order["version"] + 1
    for answer in lost:
        assert answer.status_code == 409, answer.text
        error = answer.json()["error"]
        assert error["code"] == "stale_version", error
        assert error["current_version"] == winner["version"], error
    return winner


def agree(shop: Shop, kind: str, order: Json) -> Json:
    """HQ's sales order and the store's own copy (its database, not a read through HQ) are
    the same in every amount and quantity; HQ refused none of the store's journal entries."""
    if kind == "async_not_yet_synchronized":
        shop.run_jobs()
        with shop.hq() as hq:
            failed = hq.get("/store-transactions", params={"status": "failed"}).json()
        assert failed == [], failed
    with shop.hq() as hq:
        got = hq.get(f"/sales-orders/{order['id']}")
    assert got.status_code == 200, got.text
    at_hq = got.json()
    engine = make_engine(shop.store_dbs[STORE_OF[kind]])
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            copy = uow.orders.get(uuid.UUID(order["id"]))
    finally:
        engine.dispose()
    assert copy is not None
    at_store = CustomerOrderPublic.of(copy).model_dump(mode="json")
    for field in ("status", "version", "totals", "lines", "charges", "payments", "invoices"):
        assert at_store[field] == at_hq[field], field
    return dict(at_hq)


def post(path: str, body: Json, key: str | None = None) -> Call:
    return ("POST", path, body, {"Idempotency-Key": key} if key else {})


@pytest.mark.parametrize("kind", KINDS)
def test_two_pickups_of_the_last_unit(shop: Shop, kind: str) -> None:
    order = new_order(shop, kind)
    body = pickup_body(shop, kind, order, 1)
    path = f"/customer-orders/{order['channel_ref']}/pickups"

    winner = one_winner(race(shop, kind, [post(path, body), post(path, body)]), order)

    final = agree(shop, kind, winner)
    assert final["lines"][0]["invoiced_qty"] == 1
    assert final["totals"]["amount_paid"] == final["totals"]["order_total"]
    assert len([p for p in final["payments"] if p["purpose"] == "balance"]) <= 1


@pytest.mark.parametrize("kind", KINDS)
def test_pickup_against_cancel(shop: Shop, kind: str) -> None:
    order = new_order(shop, kind)
    ref = order["channel_ref"]
    calls = [
        post(f"/customer-orders/{ref}/pickups", pickup_body(shop, kind, order, 1)),
        post(f"/customer-orders/{ref}/cancellation", {"version": order["version"]}),
    ]

    winner = one_winner(race(shop, kind, calls), order)

    final = agree(shop, kind, winner)
    line = final["lines"][0]
    assert (line["invoiced_qty"], line["cancelled_qty"]) in ((1, 0), (0, 1))


@pytest.mark.parametrize("kind", KINDS)
def test_edit_against_cancel(shop: Shop, kind: str) -> None:
    order = new_order(shop, kind)
    ref = order["channel_ref"]
    later = str(SOON + timedelta(days=1))
    edit = {
        "version": order["version"],
        "change": [{"line_id": order["lines"][0]["id"], "quantity": 1, "requested_date": later}],
    }
    calls: list[Call] = [
        ("PATCH", f"/customer-orders/{ref}", edit, {}),
        post(f"/customer-orders/{ref}/cancellation", {"version": order["version"]}),
    ]

    winner = one_winner(race(shop, kind, calls), order)

    final = agree(shop, kind, winner)
    assert Decimal(final["totals"]["amount_paid"]) >= 0


@pytest.mark.parametrize("kind", KINDS)
def test_cancel_against_cancel(shop: Shop, kind: str) -> None:
    order = new_order(shop, kind)
    path = f"/customer-orders/{order['channel_ref']}/cancellation"
    calls = [post(path, {"version": order["version"]}) for _ in range(2)]

    winner = one_winner(race(shop, kind, calls), order)

    final = agree(shop, kind, winner)
    assert final["status"] == "cancelled"
    refunds = [p for p in final["payments"] if Decimal(p["amount"]) < 0]
    assert len(refunds) == 1  # the deposit beyond the charge, paid back once


@pytest.mark.parametrize("kind", KINDS)
def test_two_returns_past_the_shipping_refund_limit(shop: Shop, kind: str) -> None:
    # Both lamps collected and invoiced; then two returns of one lamp each, each refunding
    # 15.00 of shipping: together past the 20.00 that needs no approval.
    order = new_order(shop, kind, quantity=2)
    with shop.store(STORE_OF[kind]) as store:
        collected = store.post(
            f"/customer-orders/{order['channel_ref']}/pickups",
            json=pickup_body(shop, kind, order, 2),
        )
    assert collected.status_code == 201, collected.text
    invoiced: Json = collected.json()
    invoice = invoiced["invoices"][-1]["id"]
    path = f"/customer-orders/{order['channel_ref']}/returns"
    body = {
        "invoice": invoice,
        "lines": [{"line_id": order["lines"][0]["id"], "quantity": 1, "reason_code": "damaged"}],
        "shipping_refund": "15.00",
        "version": invoiced["version"],
    }

    winner = one_winner(race(shop, kind, [post(path, body), post(path, body)]), invoiced)

    final = agree(shop, kind, winner)
    assert final["lines"][0]["returned_qty"] == 1


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_idempotency_key_ten_times_at_once(shop: Shop, kind: str) -> None:
    order = new_order(shop, kind)
    body = pickup_body(shop, kind, order, 1)
    del body["version"]
    key = f"pickup-{uuid.uuid4()}"
    path = f"/customer-orders/{order['channel_ref']}/pickups"

    answers = race(shop, kind, [post(path, body, key) for _ in range(10)])

    assert [a.status_code for a in answers] == [201] * 10, [a.text for a in answers]
    versions = {a.json()["version"] for a in answers}
    assert versions == {order["version"] + 1}
    final = agree(shop, kind, answers[0].json())
    assert final["lines"][0]["invoiced_qty"] == 1
    pickups = [e for e in final["history"] if e["action"] == "picked_up"]
    assert len(pickups) == 1, final["history"]


@pytest.mark.parametrize("store", ["S001", "S002"])
def test_the_same_new_order_ten_times_at_once(shop: Shop, store: str) -> None:
    key = f"create-{uuid.uuid4()}"
    body = {
        "customer_account": "C0001",
        "lines": [
            {
                "sku": "LAMP-FLOOR",
                "quantity": 1,
                "fulfilment": "pickup",
                "requested_date": str(SOON),
                "pickup_store": store,
            }
        ],
        "payments": [{"tender": "cash", "amount": deposit(store, 1)}],
    }
    kind = "sync" if store == "S001" else "async_not_yet_synchronized"

    answers = race(shop, kind, [post("/customer-orders", body, key) for _ in range(10)])

    assert [a.status_code for a in answers] == [201] * 10, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len({a.json()["channel_ref"] for a in answers}) == 1
    order = answers[0].json()
    agree(shop, kind, order)
    with shop.hq() as hq:
        same = hq.get("/sales-orders", params={"q": order["channel_ref"]}).json()
    assert [o["id"] for o in same] == [order["id"]]

"""The shop the end-to-end tests of who writes an order run against: HQ, the sync store S001
and the async store S002 as real processes, with helpers to take orders and compare the
store's own copy of an order with HQ's sales order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.entrypoints.schemas import CustomerOrderPublic
from tests.builders import SOON
from tests.servers import Servers

Json = dict[str, Any]
KINDS = ["sync", "async_synchronized", "async_not_yet_synchronized"]
STORE_OF = {"sync": "S001", "async_synchronized": "S002", "async_not_yet_synchronized": "S002"}
CASHIERS = {"S001": ("1001", "cashier1"), "S002": ("2001", "cashier2")}
RATES = {"S001": Decimal("0.08875"), "S002": Decimal("0.06625")}
LAMP_PRICE = Decimal("149.99")


@dataclass
class Shop:
    """HQ, the sync store S001 and the async store S002 as processes, with signed-in API
    clients (cashiers 1001 and 2001, HQ's admin) and the store databases' URLs."""

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

    def store_copy(self, code: str, order_id: str) -> Json:
        """The order as the store's database holds it (not a read through HQ)."""
        engine = make_engine(self.store_dbs[code])
        try:
            with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
                copy = uow.orders.get(uuid.UUID(order_id))
        finally:
            engine.dispose()
        assert copy is not None, f"{code} has no copy of {order_id}"
        return CustomerOrderPublic.of(copy, today=datetime.now(UTC).date()).model_dump(mode="json")


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
    at_store = shop.store_copy(STORE_OF[kind], order["id"])
    same(at_store, at_hq)
    return dict(at_hq)


def same(one: Json, other: Json) -> None:
    """Equal in every amount, quantity and document (status and version too)."""
    for field in ("status", "version", "totals", "lines", "charges", "payments", "invoices"):
        assert one[field] == other[field], field

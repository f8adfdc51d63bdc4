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
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from tests.builders import SOON
from tests.e2e.shop import KINDS, STORE_OF, Json, Shop, agree, deposit, new_order, pickup_body

pytestmark = pytest.mark.e2e


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

    # The answer says how the order stands with HQ, like every other order answer.
    expected_sync = {"sync": None, "async_synchronized": "synchronized"}.get(kind, "pending")
    assert winner["sync_status"] == expected_sync
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

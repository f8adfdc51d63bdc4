"""HQ is the only writer of an order it holds; stores read through (docs/sync.md).

Real HQ, sync store S001 and async store S002 processes, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.builders import HOME_C0001, SOON
from tests.e2e.shop import Json, Shop, deposit, same

pytestmark = pytest.mark.e2e


def lamp_for_pickup_at(store: str, quantity: int = 1) -> Json:
    return {
        "sku": "LAMP-FLOOR",
        "quantity": quantity,
        "fulfilment": "pickup",
        "requested_date": str(SOON),
        "pickup_store": store,
    }


def test_an_order_taken_at_the_sync_store_is_handed_over_at_the_async_store(shop: Shop) -> None:
    # Given an order taken at S001 (sync) for a lamp to be collected at S002 (async)
    with shop.store("S001") as s001:
        created = s001.post(
            "/customer-orders",
            json={
                "customer_account": "C0001",
                "lines": [lamp_for_pickup_at("S002")],
                "payments": [{"tender": "cash", "amount": deposit("S002", 1)}],
            },
        )
    assert created.status_code == 201, created.text
    order = created.json()
    number, line = order["sales_order_number"], order["lines"][0]["id"]

    with shop.store("S002") as s002:
        # When S002 finds it by its number and by the customer
        by_number = s002.get(f"/customer-orders/{number}")
        assert by_number.status_code == 200, by_number.text
        by_customer = s002.get("/customer-orders", params={"customer": "C0001"})
        assert by_customer.status_code == 200, by_customer.text
        assert order["id"] in [o["id"] for o in by_customer.json()]
        by_text = s002.get("/customer-orders", params={"q": number})
        assert [o["id"] for o in by_text.json()] == [order["id"]]
        # and hands it over, taking the balance
        due = s002.post(f"/customer-orders/{number}/pickups/preview", json={"lines": {line: 1}})
        assert due.status_code == 200, due.text
        amount = due.json()["amount_due"]
        handed = s002.post(
            f"/customer-orders/{number}/pickups",
            json={
                "lines": {line: 1},
                "collected_by": "Ada Lovelace",
                "payments": [{"tender": "cash", "amount": amount}],
                "version": by_number.json()["version"],
            },
        )
    assert handed.status_code == 201, handed.text
    after = handed.json()

    # Then S001, S002 and HQ agree: HQ's sales order, S002's copy (kept from HQ's answer),
    # and S001's after its next read
    with shop.hq() as hq:
        at_hq = hq.get(f"/sales-orders/{number}").json()
        staged = hq.get("/store-transactions", params={"store": "S002"}).json()
    with shop.store("S001") as s001:
        at_s001 = s001.get(f"/customer-orders/{order['channel_ref']}").json()
    assert after["status"] == at_hq["status"] == "invoiced"
    assert at_hq["lines"][0]["invoiced_qty"] == 1
    assert Decimal(at_hq["totals"]["amount_paid"]) == Decimal(at_hq["totals"]["order_total"])
    same(after, at_hq)
    same(shop.store_copy("S002", order["id"]), at_hq)
    same(at_s001, at_hq)
    same(shop.store_copy("S001", order["id"]), at_hq)
    # HQ decided it at once: nothing of this order went through S002's journal
    assert order["id"] not in [t["order_id"] for t in staged]


def test_after_hq_ships_the_stores_very_next_read_shows_the_invoice(shop: Shop) -> None:
    # Given a ship order taken at S001 (the manager waives the deposit: no payment now)
    with shop.store("S001") as s001:
        created = s001.post(
            "/customer-orders",
            json={
                "customer_account": "C0001",
                "lines": [
                    {
                        "sku": "PILLOW-2",
                        "quantity": 1,
                        "fulfilment": "ship",
                        "requested_date": str(SOON),
                        "delivery_mode": "STD",
                        "ship_to_address_id": str(HOME_C0001),
                    }
                ],
                "deposit_override": "0.00",
                "manager_override": {"operator_id": "1002", "password": "manager1"},
            },
        )
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["invoices"] == []

    # When HQ ships and invoices it
    with shop.hq() as hq:
        shipped = hq.post(
            f"/sales-orders/{order['sales_order_number']}/shipments",
            json={"lines": {order["lines"][0]["id"]: 1}},
        )
    assert shipped.status_code == 201, shipped.text

    # Then the store's very next read shows it invoiced, with the invoice a return needs
    with shop.store("S001") as s001:
        at_store = s001.get(f"/customer-orders/{order['channel_ref']}").json()
    assert at_store["status"] == "invoiced"
    assert at_store["copy_as_of"] is None
    assert [i["number"] for i in at_store["invoices"]] == [
        i["number"] for i in shipped.json()["invoices"]
    ]
    assert at_store["invoices"][0]["number"].startswith("INV-")
    same(at_store, shipped.json())
    same(shop.store_copy("S001", order["id"]), shipped.json())


def put_parameters(shop: Shop, **changes: Any) -> Json:
    with shop.hq() as hq:
        before: Json = hq.get("/parameters").json()
        answer = hq.put("/parameters", json={**before, **changes})
    assert answer.status_code == 200, answer.text
    return before


def test_hq_refuses_what_its_own_parameters_forbid_though_the_store_copy_allows_it(
    shop: Shop,
) -> None:
    # Given an invoiced order at S001, and HQ turning shipping refunds off after S001
    # downloaded its channel data (S001's copy still says they are allowed)
    with shop.store("S001") as s001:
        created = s001.post(
            "/customer-orders",
            json={
                "customer_account": "C0001",
                "lines": [lamp_for_pickup_at("S001")],
                "payments": [{"tender": "cash", "amount": deposit("S001", 1)}],
            },
        )
        assert created.status_code == 201, created.text
        order = created.json()
        line = order["lines"][0]["id"]
        due = s001.post(
            f"/customer-orders/{order['channel_ref']}/pickups/preview", json={"lines": {line: 1}}
        ).json()["amount_due"]
        invoiced = s001.post(
            f"/customer-orders/{order['channel_ref']}/pickups",
            json={
                "lines": {line: 1},
                "collected_by": "Ada Lovelace",
                "payments": [{"tender": "cash", "amount": due}],
            },
        ).json()
    previous = put_parameters(shop, is_shipping_refund_allowed=False)
    try:
        # When S001 returns the lamp refunding 5.00 of shipping
        with shop.store("S001") as s001:
            refused = s001.post(
                f"/customer-orders/{order['channel_ref']}/returns",
                json={
                    "invoice": invoiced["invoices"][0]["number"],
                    "lines": [{"line_id": line, "quantity": 1, "reason_code": "damaged"}],
                    "shipping_refund": "5.00",
                },
            )
        # Then HQ refuses it with its own rule, and nothing changed anywhere
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "shipping_refund_not_allowed"  # HQ's, kept
        assert "not refundable" in refused.json()["error"]["message"]
        with shop.hq() as hq:
            at_hq = hq.get(f"/sales-orders/{order['sales_order_number']}").json()
        same(at_hq, invoiced)
        same(shop.store_copy("S001", order["id"]), invoiced)
    finally:
        put_parameters(shop, **{k: previous[k] for k in ("is_shipping_refund_allowed",)})

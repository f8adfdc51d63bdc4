"""End to end, sync mode: an order's whole life through the store's HTTP API, with HQ's sales
order and the store's copy compared field by field after every step (docs/rules.md §4–§8).

Amounts are the worked examples of docs/rules.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.builders import SOON
from tests.servers import Servers, sign_in

pytestmark = pytest.mark.e2e

Json = dict[str, Any]


@dataclass
class Api:
    """The store's API as cashier 1001, and HQ's as its admin, for reading back."""

    store: str
    hq: str
    cashier: dict[str, str]
    admin: dict[str, str]

    @classmethod
    def of(cls, servers: Servers) -> Api:
        store = servers.store_url()
        return cls(
            store,
            servers.hq_url,
            sign_in(store, "1001", "cashier1"),
            sign_in(servers.hq_url, "admin", "hqadmin1"),
        )

    def post(self, path: str, body: Json, *, key: str | None = None) -> httpx.Response:
        headers = {**self.cashier, **({"Idempotency-Key": key} if key else {})}
        return httpx.post(f"{self.store}/api/v1/{path}", json=body, headers=headers, timeout=30)

    def create(self, body: Json) -> Json:
        created = self.post("customer-orders", body)
        assert created.status_code == 201, created.text
        return self.agreed(created.json())

    def act(self, order: Json, action: str, body: Json, *, key: str | None = None) -> Json:
        """POST an operation on the order; HQ and the store must then agree on the result."""
        done = self.post(f"customer-orders/{order['channel_ref']}/{action}", body, key=key)
        assert done.status_code == 201, done.text
        return self.agreed(done.json())

    def edit(self, order: Json, body: Json) -> httpx.Response:
        return httpx.patch(
            f"{self.store}/api/v1/customer-orders/{order['channel_ref']}",
            json=body,
            headers=self.cashier,
            timeout=30,
        )

    def at_store(self, order: Json) -> Json:
        got = httpx.get(
            f"{self.store}/api/v1/customer-orders/{order['channel_ref']}", headers=self.cashier
        )
        assert got.status_code == 200, got.text
        return dict(got.json())

    def at_hq(self, order: Json) -> Json:
        number = order["sales_order_number"]
        got = httpx.get(f"{self.hq}/api/v1/sales-orders/{number}", headers=self.admin)
        assert got.status_code == 200, got.text
        return dict(got.json())

    def agreed(self, answer: Json) -> Json:
        """The store's copy and HQ's sales order are the same JSON, to the last field, and
        the same as what the operation answered."""
        answer = {k: v for k, v in answer.items() if k != "warnings"}  # create's extra field
        at_store, at_hq = self.at_store(answer), self.at_hq(answer)
        assert at_store == at_hq
        assert at_store == answer
        return at_store


def cash(amount: str) -> list[Json]:
    return [{"tender": "cash", "amount": amount}]


def pickup(sku: str, quantity: int) -> Json:
    return {
        "sku": sku,
        "quantity": quantity,
        "fulfilment": "pickup",
        "requested_date": str(SOON),
        "pickup_store": "S001",
    }


def order_of(*lines: Json, payments: list[Json], order_type: str = "customer_order") -> Json:
    return {
        "customer_account": "C0001",
        "order_type": order_type,
        "lines": list(lines),
        "payments": payments,
    }


def quantities(order: Json) -> list[tuple[str, int, int, int, int, int, int, int]]:
    return [
        (
            line["sku"],
            line["quantity"],
            line["picked_qty"],
            line["packed_qty"],
            line["invoiced_qty"],
            line["cancelled_qty"],
            line["returned_qty"],
            line["open_qty"],
        )
        for line in order["lines"]
    ]


def test_pickup_order_lives_through_the_store_and_hq_agrees_after_every_step(
    servers: Servers,
) -> None:
    api = Api.of(servers)

    # Create: 3 lamps + 1 pillow to pick up here; value 533.44, deposit 10 % = 53.34
    order = api.create(
        order_of(pickup("LAMP-FLOOR", 3), pickup("PILLOW-2", 1), payments=cash("53.34"))
    )
    lamp, pillow = (line["id"] for line in order["lines"])
    assert (order["status"], order["version"]) == ("open", 1)
    assert order["totals"]["order_value"] == "533.44"
    assert order["totals"]["deposit_paid"] == "53.34"
    assert order["totals"]["amount_due"] == "0.00"

    # Pick list for everything open here, then 2 lamps picked
    order = api.act(order, "pick-lists", {})
    assert order["status"] == "processing"
    order = api.act(order, "picks", {"lines": {lamp: 2}})
    assert quantities(order) == [
        ("LAMP-FLOOR", 3, 2, 0, 0, 0, 0, 3),
        ("PILLOW-2", 1, 0, 0, 0, 0, 0, 1),
    ]

    # One lamp collected: 163.30, deposit applied min(53.34, 16.33); the customer pays 146.97
    preview = api.post(
        f"customer-orders/{order['channel_ref']}/pickups/preview", {"lines": {lamp: 1}}
    )
    assert preview.json() == {"amount_due": "146.97", "deposit_held": "53.34"}
    first_pickup = {"lines": {lamp: 1}, "collected_by": "Ada Lovelace", "payments": cash("146.97")}
    order = api.act(order, "pickups", first_pickup, key="pickup-1")
    first = order["invoices"][0]
    assert (first["number"], first["total_amount"], first["deposit_applied"]) == (
        "INV-000001",
        "163.30",
        "16.33",
    )
    assert order["status"] == "partially_invoiced"

    # The same pickup sent again with the same Idempotency-Key changes nothing
    again = api.post(
        f"customer-orders/{order['channel_ref']}/pickups", first_pickup, key="pickup-1"
    )
    assert again.status_code == 201, again.text
    assert api.agreed(again.json()) == order

    # Edit: add a pillow; required deposit 10 % × 576.98 = 57.70, paid 53.34 → 4.36 due
    seen = order["version"]
    edit = {"version": seen, "add": [pickup("PILLOW-2", 1)], "payments": cash("4.36")}
    edited = api.edit(order, edit)
    assert edited.status_code == 200, edited.text
    order = api.agreed(edited.json())
    assert order["version"] == seen + 1
    assert order["totals"]["order_value"] == "576.98"
    assert order["totals"]["deposit_required"] == order["totals"]["deposit_paid"] == "57.70"
    assert order["totals"]["amount_due"] == "0.00"
    new_pillow = order["lines"][2]["id"]

    # A second edit of the version seen before is stale: 409, and nothing changes anywhere
    stale = api.edit(order, {"version": seen, "void": [new_pillow]})
    assert stale.status_code == 409, stale.text
    assert api.agreed(order) == order

    # The rest is collected: 413.68, all remaining deposit (41.37) applied → 372.31 to pay
    rest = {lamp: 2, pillow: 1, new_pillow: 1}
    preview = api.post(f"customer-orders/{order['channel_ref']}/pickups/preview", {"lines": rest})
    assert preview.json() == {"amount_due": "372.31", "deposit_held": "41.37"}
    order = api.act(
        order,
        "pickups",
        {"lines": rest, "collected_by": "Ada Lovelace", "payments": cash("372.31")},
    )
    last = order["invoices"][1]
    assert (last["number"], last["total_amount"], last["deposit_applied"]) == (
        "INV-000002",
        "413.68",
        "41.37",
    )
    assert order["status"] == "invoiced"
    assert order["totals"]["amount_paid"] == "576.98"

    # One lamp of the first invoice comes back: 163.30 refunded in cash
    order = api.act(
        order,
        "returns",
        {
            "invoice": "INV-000001",
            "lines": [{"line_id": lamp, "quantity": 1, "reason_code": "damaged"}],
        },
    )
    assert order["payments"][-1]["purpose"] == "refund"
    assert order["payments"][-1]["amount"] == "-163.30"
    assert order["totals"]["amount_paid"] == "413.68"
    assert quantities(order) == [
        ("LAMP-FLOOR", 3, 3, 0, 3, 0, 1, 0),
        ("PILLOW-2", 1, 1, 0, 1, 0, 0, 0),
        ("PILLOW-2", 1, 1, 0, 1, 0, 0, 0),
    ]
    assert [event["action"] for event in order["history"]] == [
        "order_created",
        "pick_list_created",
        "picked",
        "picked_up",
        "edited",
        "picked_up",
        "returned",
    ]


def test_a_cancelled_order_keeps_the_charge_and_refunds_the_rest_at_both_ends(
    servers: Servers,
) -> None:
    api = Api.of(servers)
    order = api.create(order_of(pickup("LAMP-FLOOR", 1), payments=cash("16.33")))

    preview = httpx.get(
        f"{api.store}/api/v1/customer-orders/{order['channel_ref']}/cancellation",
        headers=api.cashier,
    )
    assert preview.json() == {
        "default_charge": "8.17",
        "deposit_held": "16.33",
        "amount_due_with_default_charge": "-8.16",
    }
    order = api.act(order, "cancellation", {}, key="cancel-1")

    assert order["status"] == "cancelled"
    assert [(c["kind"], c["code"], c["amount"]) for c in order["charges"]] == [
        ("cancellation", "CANCEL", "8.17")
    ]
    assert [(p["purpose"], p["amount"]) for p in order["payments"]] == [
        ("deposit", "16.33"),
        ("deposit", "-8.16"),
    ]
    assert order["invoices"][0]["total_amount"] == order["totals"]["amount_paid"] == "8.17"
    assert quantities(order) == [("LAMP-FLOOR", 1, 0, 0, 0, 1, 0, 0)]

    # Repeating the cancellation with its key answers the same order and changes nothing
    again = api.post(f"customer-orders/{order['channel_ref']}/cancellation", {}, key="cancel-1")
    assert again.status_code == 201, again.text
    assert api.agreed(again.json()) == order


def test_a_quote_converted_to_an_order_takes_its_deposit_at_both_ends(servers: Servers) -> None:
    api = Api.of(servers)
    quote = api.create(order_of(pickup("LAMP-FLOOR", 1), payments=[], order_type="quote"))
    assert (quote["order_type"], quote["status"]) == ("quote", "open")
    assert quote["totals"]["deposit_required"] == "0.00"
    assert quote["payments"] == []

    order = api.act(quote, "conversion", {"payments": cash("16.33")})

    assert (order["order_type"], order["status"]) == ("customer_order", "open")
    assert order["totals"]["deposit_required"] == order["totals"]["deposit_paid"] == "16.33"
    assert order["totals"]["amount_due"] == "0.00"
    assert [event["action"] for event in order["history"]] == [
        "quote_created",
        "quote_converted",
    ]

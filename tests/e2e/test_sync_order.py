"""End to end, sync mode: a real store server calls a real HQ over HTTP (docs/rules.md §2.8)."""

from __future__ import annotations

import httpx
import pytest

from tests.builders import HOME_C0001, SOON
from tests.servers import Servers, sign_in

pytestmark = pytest.mark.e2e


def hybrid_order() -> dict[str, object]:
    return {
        "customer_account": "C0001",
        "lines": [
            {
                "sku": "SOFA-3S",
                "quantity": 1,
                "fulfilment": "ship",
                "requested_date": str(SOON),
                "delivery_mode": "STD",
                "ship_to_address_id": str(HOME_C0001),
            },
            {
                "sku": "LAMP-FLOOR",
                "quantity": 2,
                "fulfilment": "pickup",
                "requested_date": str(SOON),
                "pickup_store": "S002",
                "pickup_by": "Charles Babbage",
            },
            {"sku": "VASE-GLASS", "quantity": 1, "fulfilment": "carry_out"},
        ],
        "payments": [{"tender": "card", "amount": "201.71", "card_number": "4242424242424242"}],
    }


def test_an_order_created_at_the_store_is_a_sales_order_at_hq(servers: Servers) -> None:
    store = servers.store_url()
    auth = sign_in(store, "1001", "cashier1")

    created = httpx.post(f"{store}/api/v1/customer-orders", json=hybrid_order(), headers=auth)

    assert created.status_code == 201, created.text
    order = created.json()
    assert order["sales_order_number"] == "SO-000001"
    assert order["channel_ref"] == "S001-000001"
    assert order["totals"]["order_value"] == "1744.97"
    assert order["totals"]["deposit_paid"] == "174.50"
    assert order["invoices"][0]["number"] == "INV-000001"
    admin = sign_in(servers.hq_url, "admin", "hqadmin1")
    at_hq = httpx.get(f"{servers.hq_url}/api/v1/sales-orders/SO-000001", headers=admin).json()
    by_ref = httpx.get(f"{store}/api/v1/customer-orders/S001-000001", headers=auth).json()
    assert at_hq["totals"] == order["totals"] == by_ref["totals"]
    assert at_hq["lines"] == order["lines"] == by_ref["lines"]
    assert at_hq["payments"] == order["payments"]


def test_hq_down_gives_503_then_the_retry_creates_the_order_once(servers: Servers) -> None:
    store = servers.store_url()
    auth = {**sign_in(store, "1001", "cashier1"), "Idempotency-Key": "register-2-sale-9"}
    servers.hq.kill()

    refused = httpx.post(f"{store}/api/v1/customer-orders", json=hybrid_order(), headers=auth)

    assert refused.status_code == 503
    assert "HQ cannot be reached" in refused.json()["error"]["message"]
    assert httpx.get(f"{store}/api/v1/customer-orders", headers=auth).json() == []

    servers.hq.start()
    first = httpx.post(f"{store}/api/v1/customer-orders", json=hybrid_order(), headers=auth)
    again = httpx.post(f"{store}/api/v1/customer-orders", json=hybrid_order(), headers=auth)

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    admin = sign_in(servers.hq_url, "admin", "hqadmin1")
    listed = httpx.get(f"{servers.hq_url}/api/v1/sales-orders", headers=admin).json()
    assert [o["sales_order_number"] for o in listed] == ["SO-000001"]

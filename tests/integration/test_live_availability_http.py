"""Live availability over HTTP: HQ's stock read for a store's token, and the store's product
search showing HQ's figures, or its channel data marked cached when HQ does not answer."""

from __future__ import annotations

from typing import Any

import httpx

from omniorder.adapters.hq_client import HQClient
from tests.builders import SOON
from tests.integration.conftest import STORE_TOKEN, Apps
from tests.service.snapshots import snapshot

STORE_AUTH = {"Authorization": f"Bearer {STORE_TOKEN}"}
INVENTORY = "/api/v1/rts/stores/S001/inventory"


def take_two_lamps(apps: Apps) -> None:
    body = {
        "customer_account": "C0001",
        "lines": [
            {
                "sku": "LAMP-FLOOR",
                "quantity": 2,
                "fulfilment": "pickup",
                "requested_date": str(SOON),
            }
        ],
        "payments": [{"tender": "cash", "amount": "32.66"}],
    }
    created = apps.store.post("/api/v1/customer-orders", json=body, headers=apps.sign_in())
    assert created.status_code == 201, created.text


def lamp(apps: Apps) -> dict[str, Any]:
    found = apps.store.get("/api/v1/products?q=LAMP-FLOOR", headers=apps.sign_in())
    assert found.status_code == 200, found.text
    [product] = found.json()
    assert isinstance(product, dict)
    return product


def test_hq_answers_a_stores_stock_read_for_the_asked_skus(apps: Apps) -> None:
    take_two_lamps(apps)

    answer = apps.hq.get(f"{INVENTORY}?sku=LAMP-FLOOR&sku=SOFA-3S", headers=STORE_AUTH)

    assert answer.status_code == 200, answer.text
    rows = {(r["sku"], r["location"]): r for r in answer.json()["inventory"]}
    assert sorted(rows) == [
        (sku, loc) for sku in ("LAMP-FLOOR", "SOFA-3S") for loc in ("S001", "S002", "WH1")
    ]
    assert rows["LAMP-FLOOR", "S001"] == {
        "location": "S001",
        "sku": "LAMP-FLOOR",
        "on_hand_qty": 6,
        "reserved_qty": 2,
    }


def test_only_the_stores_own_token_may_read_its_stock(apps: Apps) -> None:
    other_store = apps.hq.get(
        "/api/v1/rts/stores/S002/inventory?sku=LAMP-FLOOR", headers=STORE_AUTH
    )
    no_token = apps.hq.get(f"{INVENTORY}?sku=LAMP-FLOOR")
    hq_staff = apps.hq.get(f"{INVENTORY}?sku=LAMP-FLOOR", headers=apps.hq_admin())

    assert other_store.status_code == 403
    assert other_store.json()["error"]["field"] == "store"
    assert no_token.status_code == 401
    assert hq_staff.status_code == 401


def test_no_sku_too_many_skus_or_a_silly_sku_is_a_422_naming_sku(apps: Apps) -> None:
    too_many = "&".join(f"sku=P{i:03d}" for i in range(51))
    cases = [INVENTORY, f"{INVENTORY}?{too_many}", f"{INVENTORY}?sku={'X' * 41}"]
    for url in cases:
        answer = apps.hq.get(url, headers=STORE_AUTH)

        assert answer.status_code == 422, (url, answer.text)
        assert answer.json()["error"]["field"] == "sku"
    fifty = "&".join(f"sku=P{i:03d}" for i in range(50))
    assert apps.hq.get(f"{INVENTORY}?{fifty}", headers=STORE_AUTH).json() == {"inventory": []}


def test_the_store_api_shows_hqs_stock_and_its_channel_data_marked_cached(apps: Apps) -> None:
    # Given HQ reserved 2 of the 6 lamps at S001 (the store's channel data still says 6)
    take_two_lamps(apps)
    before = snapshot(apps.store_db.session_factory, ignore=("auth_sessions",))

    # Then the store's product search shows HQ's figures
    live = lamp(apps)
    assert live["is_cached"] is False
    assert live["here"] == {
        "location": "S001",
        "on_hand_qty": 6,
        "reserved_qty": 2,
        "available_qty": 4,
    }

    # When HQ stops answering (the read times out), the search shows the channel data, cached
    ctx = apps.store.app.state.ctx  # type: ignore[attr-defined]
    live_hq = ctx.hq

    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("HQ is too slow (test)", request=request)

    down = HQClient(
        "http://hq",
        store_code="S001",
        token=STORE_TOKEN,
        timeout_seconds=5,
        transport=httpx.MockTransport(time_out),
    )
    ctx.hq = down
    try:
        cached = lamp(apps)
    finally:
        ctx.hq = live_hq
        down.close()
    assert cached["is_cached"] is True
    assert cached["here"]["available_qty"] == 6
    assert cached["shipping_warehouse"]["available_qty"] == 40
    # and no read wrote to the store's database
    assert snapshot(apps.store_db.session_factory, ignore=("auth_sessions",)) == before


def test_the_store_asks_hq_for_stock_with_its_short_read_timeout() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"inventory": []})

    client = HQClient(
        "http://hq",
        store_code="S001",
        token="t",
        timeout_seconds=10,
        read_timeout_seconds=1.5,
        transport=httpx.MockTransport(answer),
    )

    assert client.inventory(["LAMP-FLOOR", "SOFA-3S"]) == []
    [request] = seen
    assert request.url.path == INVENTORY
    assert request.url.params.get_list("sku") == ["LAMP-FLOOR", "SOFA-3S"]
    assert request.extensions["timeout"]["read"] == 1.5
    client.close()

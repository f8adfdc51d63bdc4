"""Limits and headers (docs/security.md): whatever a client sends, a 4xx naming the field and
nothing changed — never a 5xx — and the security headers on every response."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from omniorder.config import Settings
from omniorder.entrypoints.store.app import create_store_app
from tests.builders import NOW
from tests.integration.conftest import STORE_TOKEN, Apps
from tests.integration.test_http_api import pickup_order
from tests.servers import free_port
from tests.service.snapshots import snapshot

IGNORE = ("auth_sessions",)


def _both(apps: Apps) -> dict[str, Any]:
    return {
        "hq": snapshot(apps.hq_db.session_factory, ignore=IGNORE),
        "store": snapshot(apps.store_db.session_factory, ignore=IGNORE),
    }


def _refused(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["field"] == field, response.text


@pytest.fixture
def live(apps: Apps) -> Iterator[dict[str, str]]:
    """HQ and the store behind real HTTP servers (uvicorn, in threads), for limits that
    depend on how the body arrives."""
    servers = []
    urls = {}
    for name, app in (("hq", apps.hq.app), ("store", apps.store.app)):
        for _ in range(5):  # a port free a moment ago can be taken by another test's server
            port = free_port()
            config = uvicorn.Config(
                app, host="127.0.0.1", port=port, lifespan="off", log_level="critical"
            )
            server = uvicorn.Server(config)
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            while not server.started and thread.is_alive():
                threading.Event().wait(0.02)
            if server.started:
                break
        assert server.started, f"{name}: no free port"
        servers.append((server, thread))
        urls[name] = f"http://127.0.0.1:{port}"
    yield urls
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_body_over_the_limit_is_refused_with_413_whether_sized_or_streamed(
    apps: Apps, live: dict[str, str]
) -> None:
    auth = apps.sign_in()
    before = _both(apps)
    big = b'{"customer_account": "' + b"x" * 2_000_000 + b'"}'

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 65_536):
            yield big[start : start + 65_536]

    for url in live.values():
        with httpx.Client(base_url=url, headers=auth, timeout=30) as client:
            sized = client.post(
                "/api/v1/customer-orders",
                content=big,
                headers={"Content-Type": "application/json"},
            )
            streamed = client.post(
                "/api/v1/customer-orders",
                content=chunks(),
                headers={"Content-Type": "application/json"},
            )
        for response in (sized, streamed):
            _refused(response, 413, "body")
            assert response.json()["error"]["code"] == "body_too_large"
            assert response.headers["x-content-type-options"] == "nosniff"
    assert _both(apps) == before


def test_an_order_too_big_or_with_impossible_numbers_is_a_422_naming_the_field(
    apps: Apps,
) -> None:
    auth = apps.sign_in()
    line = pickup_order()["lines"][0]  # type: ignore[index]
    before = _both(apps)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"lines": [line] * 201}, "lines"),
        ({"payments": [{"tender": "cash", "amount": "0.01"}] * 21}, "payments"),
        ({"lines": [{**line, "quantity": 10**30}]}, "lines[0].quantity"),
        ({"lines": [{**line, "quantity": 2**31}]}, "lines[0].quantity"),
        ({"lines": [{**line, "quantity": 100_001}]}, "lines[0].quantity"),
        ({"lines": [{**line, "quantity": 0}]}, "lines[0].quantity"),
        ({"lines": [{**line, "requested_date": "9999-12-31"}]}, "lines[0].requested_date"),
        ({"lines": [{**line, "pickup_store": "S" * 500}]}, "lines[0].pickup_store"),
        ({"customer_account": "C" * 21}, "customer_account"),
    ]
    for overrides, field in cases:
        response = apps.store.post(
            "/api/v1/customer-orders", json=pickup_order(**overrides), headers=auth
        )
        _refused(response, 422, field)
    assert _both(apps) == before


def _an_order(apps: Apps, auth: dict[str, str]) -> dict[str, Any]:
    created = apps.store.post("/api/v1/customer-orders", json=pickup_order(), headers=auth)
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def _picked_up(apps: Apps, auth: dict[str, str]) -> dict[str, Any]:
    """An order whose one pickup line was collected (invoiced)."""
    order = _an_order(apps, auth)
    base = f"/api/v1/customer-orders/{order['channel_ref']}/pickups"
    lines = {order["lines"][0]["id"]: 1}
    due = apps.store.post(f"{base}/preview", json={"lines": lines}, headers=auth)
    assert due.status_code == 200, due.text
    amount = due.json()["amount_due"]
    payments = [{"tender": "cash", "amount": amount}] if amount != "0.00" else []
    picked = apps.store.post(
        base, json={"lines": lines, "collected_by": "Ann", "payments": payments}, headers=auth
    )
    assert picked.status_code == 201, picked.text
    body: dict[str, Any] = picked.json()
    return body


def test_operations_with_impossible_quantities_are_422s_naming_the_field(apps: Apps) -> None:
    auth = apps.sign_in()
    order = _an_order(apps, auth)
    ref, line_id = order["channel_ref"], order["lines"][0]["id"]
    before = _both(apps)
    base = f"/api/v1/customer-orders/{ref}"
    cases: list[tuple[str, dict[str, Any], str]] = [
        (
            "",
            {"version": order["version"], "change": [{"line_id": line_id, "quantity": 10**30}]},
            "change[0].quantity",
        ),
        (
            "",
            {"version": order["version"], "change": [{"line_id": line_id, "quantity": 100_001}]},
            "change[0].quantity",
        ),
        ("/pickups/preview", {"lines": {line_id: 10**30}}, f"lines.{line_id}"),
        ("/pickups/preview", {"lines": {line_id: 2**31}}, f"lines.{line_id}"),
        (
            "/pickups",
            {
                "lines": {line_id: 1},
                "collected_by": "Ann",
                "payments": [{"tender": "cash", "amount": "1"}] * 21,
            },
            "payments",
        ),
    ]
    for path, body, field in cases:
        if path:
            response = apps.store.post(base + path, json=body, headers=auth)
        else:
            response = apps.store.patch(base, json=body, headers=auth)
        _refused(response, 422, field)
    assert _both(apps) == before


def test_a_pickup_preview_beyond_the_open_quantity_is_refused_as_the_pickup_is(
    apps: Apps,
) -> None:
    auth = apps.sign_in()
    order = _an_order(apps, auth)
    ref, line_id = order["channel_ref"], order["lines"][0]["id"]
    base = f"/api/v1/customer-orders/{ref}/pickups"
    before = _both(apps)
    for quantity in (2, 100_000):  # the line's quantity is 1
        preview = apps.store.post(
            f"{base}/preview", json={"lines": {line_id: quantity}}, headers=auth
        )
        _refused(preview, 422, f"lines.{line_id}")
        assert preview.json()["error"]["code"] == "quantity_out_of_range"
        pickup = apps.store.post(
            base, json={"lines": {line_id: quantity}, "collected_by": "Ann"}, headers=auth
        )
        _refused(pickup, 422, f"lines.{line_id}")
        assert pickup.json()["error"]["code"] == "quantity_out_of_range"
    stale = apps.store.post(
        f"{base}/preview",
        json={"lines": {line_id: 1}, "version": order["version"] + 1},
        headers=auth,
    )
    assert stale.status_code == 409, stale.text
    assert _both(apps) == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"created_from": "0001-01-01T00:00:00+14:00"}, "created_from"),
        ({"created_from": "9999-12-31T23:59:59-14:00"}, "created_from"),
        ({"created_to": "2026-03-01T00:00:00"}, "created_to"),
        ({"created_from": "2026-03-01"}, "created_from"),
        ({"limit": str(2**31)}, "limit"),
    ],
)
def test_find_order_refuses_times_without_an_offset_or_out_of_range(
    apps: Apps, query: dict[str, str], field: str
) -> None:
    before = _both(apps)
    at_hq = apps.hq.get("/api/v1/sales-orders", params=query, headers=apps.hq_admin())
    at_store = apps.store.get("/api/v1/customer-orders", params=query, headers=apps.sign_in())
    _refused(at_hq, 422, field)
    _refused(at_store, 422, field)
    assert _both(apps) == before


def test_a_well_formed_creation_window_is_accepted(apps: Apps) -> None:
    query = {"created_from": "2000-01-01T00:00:00+14:00", "created_to": "2100-12-31T00:00:00Z"}
    assert apps.hq.get("/api/v1/sales-orders", params=query, headers=apps.hq_admin()).is_success
    assert apps.store.get(
        "/api/v1/customer-orders", params=query, headers=apps.sign_in()
    ).is_success


@pytest.fixture
def store_with_job_token(apps: Apps) -> Iterator[TestClient]:
    settings = Settings(database_url=apps.store_db.url, job_token="job-secret")
    app: FastAPI = create_store_app(
        settings, store_code="S001", hq=None, clock=lambda: NOW, download_on_start=False
    )
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    ("ack", "field"),
    [
        ({"status": "synchronized"}, "acknowledgements[0].entry_id"),
        ({"entry_id": "not-a-uuid", "status": "synchronized"}, "acknowledgements[0].entry_id"),
        ({"entry_id": 7, "status": "failed"}, "acknowledgements[0].entry_id"),
        (
            {"entry_id": "5b1f0f5e-8d0a-4c55-9a59-7a1e39c2a111", "status": "done"},
            "acknowledgements[0].status",
        ),
        (
            {"entry_id": "5b1f0f5e-8d0a-4c55-9a59-7a1e39c2a111", "status": "failed", "order": 3},
            "acknowledgements[0].order",
        ),
    ],
)
def test_acknowledgements_of_the_wrong_shape_are_422s(
    apps: Apps, store_with_job_token: TestClient, ack: dict[str, Any], field: str
) -> None:
    before = _both(apps)
    response = store_with_job_token.post(
        "/api/v1/journal/acknowledgements",
        json={"acknowledgements": [ack]},
        headers={"Authorization": "Bearer job-secret"},
    )
    _refused(response, 422, field)
    assert _both(apps) == before


def test_the_pos_return_form_without_a_line_id_is_a_422_page_naming_the_field(
    apps: Apps,
) -> None:
    auth = apps.sign_in()
    order = _picked_up(apps, auth)
    invoice = order["invoices"][0]["number"] or order["invoices"][0]["id"]
    token = auth["Authorization"].removeprefix("Bearer ")
    apps.store.cookies.set("omniorder_store_S001", token)
    csrf = hashlib.sha256(f"omniorder-csrf:{token}".encode()).hexdigest()
    before = _both(apps)
    for row in ({}, {"lines[0].line_id": "nope"}):
        response = apps.store.post(
            f"/orders/{order['channel_ref']}/return",
            data={
                "csrf_token": csrf,
                "invoice": invoice,
                "lines[0].quantity": "1",
                "lines[0].reason_code": "DAMAGED",
                **row,
            },
            follow_redirects=False,
        )
        assert response.status_code == 422, response.text
        assert 'data-error-for="lines[0].line_id"' in response.text
    huge = apps.store.post(
        f"/orders/{order['channel_ref']}/pickup",
        data={"csrf_token": csrf, f"lines.{order['lines'][0]['id']}": "9" * 40},
        follow_redirects=False,
    )
    assert huge.status_code == 422, huge.text
    assert _both(apps) == before


def test_hq_shows_stock_below_zero_after_a_pickup_beyond_stock(apps: Apps) -> None:
    """docs/rules.md: a pickup is never refused for stock; on hand goes below zero and the
    inventory API shows it (it used to answer 500 until the row was fixed)."""
    auth = apps.sign_in()
    admin = apps.hq_admin()
    put = apps.hq.put(
        "/api/v1/inventory/S001/LAMP-FLOOR",
        json={"on_hand_qty": 0, "reserved_qty": 0},
        headers=admin,
    )
    assert put.status_code == 200, put.text
    _picked_up(apps, auth)

    one = apps.hq.get("/api/v1/inventory/S001/LAMP-FLOOR", headers=admin)
    every = apps.hq.get("/api/v1/inventory", headers=admin)
    rts = apps.hq.get(
        "/api/v1/rts/stores/S001/inventory",
        params={"sku": "LAMP-FLOOR"},
        headers={"Authorization": f"Bearer {STORE_TOKEN}"},
    )
    assert one.status_code == 200, one.text
    assert one.json()["on_hand_qty"] == -1
    assert every.status_code == 200, every.text
    assert {"location": "S001", "sku": "LAMP-FLOOR", "on_hand_qty": -1, "reserved_qty": 0} in (
        every.json()
    )
    assert rts.status_code == 200, rts.text
    assert {"location": "S001", "sku": "LAMP-FLOOR", "on_hand_qty": -1, "reserved_qty": 0} in (
        rts.json()["inventory"]
    )


@pytest.mark.parametrize("path", ["/health", "/signin", "/static/pos.js", "/nowhere"])
def test_every_response_carries_the_security_headers(apps: Apps, path: str) -> None:
    for client in (apps.hq, apps.store):
        response = client.get(path.replace("/static/pos.js", _static(client)))
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def _static(client: TestClient) -> str:
    return "/static/pos/pos.js" if "HQ" in client.app.title else "/static/pos.js"  # type: ignore[attr-defined]


def test_the_api_page_is_off_by_default_and_the_schema_is_served(apps: Apps) -> None:
    for client in (apps.hq, apps.store):
        assert client.get("/docs").status_code == 404
        assert client.get("/redoc").status_code == 404
        assert client.get("/openapi.json").status_code == 200


def test_the_api_page_when_on_loads_only_its_own_files(apps: Apps) -> None:
    settings = Settings(database_url=apps.store_db.url, api_docs=True)
    app = create_store_app(
        settings, store_code="S001", hq=None, clock=lambda: NOW, download_on_start=False
    )
    with TestClient(app) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert "http" not in page.text.replace('lang="en"', "")
        assert "<script>" not in page.text
        assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
        assert client.get("/docs/init.js").status_code == 200

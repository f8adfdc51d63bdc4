"""Secrets stay secret (docs/security.md, *Tokens, cards and money policy*): after a refusal
the manager's password and the card number fields come back empty and neither string appears
in the page; a store's journal opens only to its own job token; store time zones are IANA names."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from omniorder.adapters.store_gateway import job_token_for
from omniorder.config import Settings
from omniorder.entrypoints.store.app import create_store_app
from tests.builders import NOW
from tests.integration.conftest import Apps
from tests.integration.test_http_api import pickup_order
from tests.service.snapshots import snapshot

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
MANAGER_PASSWORD = "Not-The-Managers-Pw-7731"
DECLINED = "4000000000000002"  # the test connector's declined card
NOT_A_CARD = "4242424242424241"  # fails the Luhn check
# Sessions, and the failed manager sign-in the wrong password counts (throttling).
IGNORE = ("auth_sessions", "sign_in_failures")


def page_session(apps: Apps) -> str:
    """Sign the TestClient in through the store's sign-in form; its CSRF token."""
    form = apps.store.get("/signin")
    found = CSRF_FIELD.search(form.text)
    assert found, form.text
    signed_in = apps.store.post(
        "/signin",
        data={
            "operator_id": "1001",
            "password": "cashier1",
            "next": "/",
            "csrf_token": found[1],
        },
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text
    home = apps.store.get("/", follow_redirects=True)
    found = CSRF_FIELD.search(home.text)
    assert found, home.text
    return found[1]


def _both(apps: Apps) -> tuple[dict[str, object], dict[str, object]]:
    return (
        snapshot(apps.hq_db.session_factory, ignore=IGNORE),
        snapshot(apps.store_db.session_factory, ignore=IGNORE),
    )


def _assert_no_secrets(html: str) -> None:
    assert MANAGER_PASSWORD not in html
    assert DECLINED not in html
    assert NOT_A_CARD not in html
    assert 'name="manager_override.password" type="password" value=""' in html or (
        "manager_override.password" not in html
    )


@pytest.mark.parametrize("card_number", [DECLINED, NOT_A_CARD])
def test_a_refused_cancel_form_echoes_neither_the_password_nor_the_card(
    apps: Apps, card_number: str
) -> None:
    auth = apps.sign_in()
    created = apps.store.post("/api/v1/customer-orders", json=pickup_order(), headers=auth)
    assert created.status_code == 201, created.text
    order = created.json()
    csrf = page_session(apps)
    page = f"/orders/{order['channel_ref']}/cancel"
    base = {
        "csrf_token": csrf,
        "operation_id": "6b0f3c1e-3f49-4a86-9d0e-3b7a5f0e2c11",
        "version": str(order["version"]),
        "action": "confirm",
        "payments[0].tender": "card",
        "payments[0].card_number": card_number,
        "refund_tender": "",
    }
    before = _both(apps)
    # A manager's approval with a wrong password: refused.
    waived = apps.store.post(
        page,
        data={
            **base,
            "charge": "0.00",
            "quoted_due": "-16.33",
            "manager_override.operator_id": "1002",
            "manager_override.password": MANAGER_PASSWORD,
        },
    )
    assert waived.status_code in (401, 403, 422), waived.text
    _assert_no_secrets(waived.text)
    # A charge above the deposit, paid with a refused card: 20.00 − 16.33 = 3.67 due.
    paid = apps.store.post(page, data={**base, "charge": "20.00", "quoted_due": "3.67"})
    assert paid.status_code == 422, paid.text
    assert "card" in paid.text.lower()
    _assert_no_secrets(paid.text)
    assert _both(apps) == before


def test_the_new_order_page_echoes_neither_the_password_nor_the_card(apps: Apps) -> None:
    csrf = page_session(apps)
    response = apps.store.post(
        "/orders/new/cart",
        data={
            "csrf_token": csrf,
            "action": "confirm",
            "customer_account": "C0001",
            "lines[0].sku": "LAMP-FLOOR",
            "lines[0].quantity": "1",
            "lines[0].fulfilment": "pickup",
            "deposit_override": "1.00",
            "manager_override.operator_id": "1002",
            "manager_override.password": MANAGER_PASSWORD,
            "payments[0].tender": "card",
            "payments[0].card_number": DECLINED,
        },
    )
    assert response.status_code in (200, 401, 403, 422), response.text
    assert 'name="payments[0].card_number"' in response.text
    _assert_no_secrets(response.text)


@pytest.fixture
def store_s001(apps: Apps) -> Iterator[TestClient]:
    """Store S001 holding its own job token, derived from HQ's secret."""
    settings = Settings(
        database_url=apps.store_db.url, job_token=job_token_for("hq-job-secret", "S001")
    )
    app: FastAPI = create_store_app(
        settings, store_code="S001", hq=None, clock=lambda: NOW, download_on_start=False
    )
    with TestClient(app) as client:
        yield client


def test_a_store_accepts_only_its_own_job_token(apps: Apps, store_s001: TestClient) -> None:
    own = {"Authorization": f"Bearer {job_token_for('hq-job-secret', 'S001')}"}
    others = [
        {"Authorization": f"Bearer {job_token_for('hq-job-secret', 'S002')}"},
        {"Authorization": f"Bearer {job_token_for('another-secret', 'S001')}"},
        {"Authorization": "Bearer hq-job-secret"},
        {},
    ]
    before = _both(apps)
    for headers in others:
        assert store_s001.get("/api/v1/journal", headers=headers).status_code == 401
        ack = store_s001.post(
            "/api/v1/journal/acknowledgements", json={"acknowledgements": []}, headers=headers
        )
        assert ack.status_code == 401
    assert _both(apps) == before
    assert store_s001.get("/api/v1/journal", headers=own).status_code == 200


@pytest.mark.parametrize("zone", ["Mars/Olympus", "America", "../../etc/passwd"])
def test_a_store_time_zone_must_be_an_iana_name(apps: Apps, zone: str) -> None:
    body = {
        "name": "Harbour",
        "time_zone": zone,
        "region": "NY",
        "warehouse": "S009",
        "shipping_warehouse": "WH1",
        "profile_code": "SYNC",
    }
    before = _both(apps)
    response = apps.hq.put("/api/v1/stores/S009", json=body, headers=apps.hq_admin())
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "time_zone"
    assert _both(apps) == before
    saved = apps.hq.put(
        "/api/v1/stores/S009",
        json={**body, "time_zone": "America/Chicago"},
        headers=apps.hq_admin(),
    )
    assert saved.status_code in (200, 201), saved.text

"""Sign-in and sessions over HTTP, on both servers (docs/security.md, *Sign-in and sessions*)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from omniorder.adapters.orm import AuthSessionRow, SignInFailureRow, StaffRow
from omniorder.config import Settings
from omniorder.entrypoints.hq.app import create_hq_app
from omniorder.service_layer.auth import token_hash
from tests.builders import NOW
from tests.integration.conftest import Apps
from tests.integration.test_http_api import pickup_order
from tests.integration.test_secrets_and_credentials import page_session
from tests.integration.test_statement_counts import counting
from tests.service.snapshots import snapshot


def token_request(client: TestClient, operator_id: str, password: str) -> Response:
    return client.post(
        "/api/v1/auth/token", json={"operator_id": operator_id, "password": password}
    )


def test_five_wrong_passwords_lock_the_operator_even_for_the_right_one(apps: Apps) -> None:
    for _ in range(5):
        wrong = apps.store.post(
            "/api/v1/auth/token", json={"operator_id": "1001", "password": "guess"}
        )
        assert wrong.status_code == 401
    before = snapshot(apps.store_db.session_factory, ignore=("sign_in_failures",))

    right = apps.store.post(
        "/api/v1/auth/token", json={"operator_id": "1001", "password": "cashier1"}
    )

    assert right.status_code == 429
    assert right.json()["error"]["code"] == "too_many_attempts"
    assert right.json()["error"]["field"] == "password"
    assert right.headers["Retry-After"] == "60"
    assert "access_token" not in right.text
    assert snapshot(apps.store_db.session_factory, ignore=("sign_in_failures",)) == before


def test_an_unknown_operator_gets_the_same_answer_as_a_wrong_password(apps: Apps) -> None:
    unknown = apps.hq.post("/api/v1/auth/token", json={"operator_id": "nobody", "password": "x"})
    wrong = apps.hq.post("/api/v1/auth/token", json={"operator_id": "admin", "password": "x"})

    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert unknown.headers["WWW-Authenticate"] == "Bearer"


def test_wrong_manager_passwords_lock_the_override_before_telling_anything(apps: Apps) -> None:
    headers = apps.sign_in()
    body = {
        "customer_account": "C0001",
        "order_type": "customer_order",
        "lines": [{"sku": "LAMP-FLR", "quantity": 1, "fulfilment": "carry_out"}],
        "payments": [],
    }
    statuses = []
    for password in ["a1", "a2", "a3", "a4", "a5", "manager1"]:
        response = apps.store.post(
            "/api/v1/customer-orders",
            json={**body, "manager_override": {"operator_id": "1002", "password": password}},
            headers=headers,
        )
        statuses.append(response.status_code)
        assert response.json()["error"]["field"] == "manager_override"

    assert statuses == [401, 401, 401, 401, 401, 429]


def test_sign_out_ends_the_bearer_tokens_session_on_both_servers(apps: Apps) -> None:
    for client, headers in ((apps.store, apps.sign_in()), (apps.hq, apps.hq_admin())):
        signed_out = client.post("/api/v1/auth/sign-out", headers=headers)
        assert signed_out.status_code == 204
        after = client.get(
            "/api/v1/sales-orders" if client is apps.hq else "/api/v1/customer-orders",
            headers=headers,
        )
        assert after.status_code == 401


def test_a_find_at_the_store_ends_an_idle_session_before_it_asks_hq(apps: Apps) -> None:
    # The store's find checks the sign-in in its own transaction, first thing: an ended
    # session is deleted and nothing is asked of HQ.
    headers = apps.sign_in()
    key = token_hash(headers["Authorization"].removeprefix("Bearer "))
    with apps.store_db.session_factory() as session:
        row = session.get(AuthSessionRow, key)
        assert row is not None
        row.last_seen_at = (row.last_seen_at or row.created_at) - timedelta(hours=2)
        session.commit()

    with counting(apps) as counted:
        found = apps.store.get("/api/v1/customer-orders", headers=headers)

    assert found.status_code == 401, found.text
    assert counted.hq.statements == []
    with apps.store_db.session_factory() as session:
        assert session.get(AuthSessionRow, key) is None


def test_an_hq_admin_cannot_sign_in_at_a_store(apps: Apps) -> None:
    response = apps.store.post(
        "/api/v1/auth/token", json={"operator_id": "admin", "password": "hqadmin1"}
    )

    assert response.status_code in (401, 403)  # 401: HQ no longer sends its admins to stores
    with apps.store_db.session_factory() as session:
        admins = session.scalars(select(StaffRow).where(StaffRow.role == "hq_admin")).all()
    assert admins == []


def test_a_deactivated_staff_member_is_signed_out_at_hq(apps: Apps) -> None:
    admin = apps.hq_admin()
    staff = {"name": "Hal Harbour", "role": "hq_admin", "password": "harbour-9-harbour"}
    assert apps.hq.put("/api/v1/staff/9001", json=staff, headers=admin).status_code == 200
    hal = token_request(apps.hq, "9001", "harbour-9-harbour")
    hal_headers = {"Authorization": f"Bearer {hal.json()['access_token']}"}
    assert apps.hq.get("/api/v1/sales-orders", headers=hal_headers).status_code == 200

    staff_off = {"name": "Hal Harbour", "role": "hq_admin", "is_active": False}
    saved = apps.hq.put("/api/v1/staff/9001", json=staff_off, headers=admin)

    assert saved.status_code == 200
    assert saved.json()["is_active"] is False
    assert apps.hq.get("/api/v1/sales-orders", headers=hal_headers).status_code == 401
    assert token_request(apps.hq, "9001", "harbour-9-harbour").status_code == 401


def test_each_server_has_its_own_cookie_and_tls_makes_it_secure(apps: Apps) -> None:
    store_page = apps.store.get("/signin")
    csrf = apps.store.cookies.get("omniorder_csrf")
    signed_in = apps.store.post(
        "/signin",
        data={"operator_id": "1001", "password": "cashier1", "next": "/", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert store_page.status_code == 200
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("omniorder_store_S001=")
    assert "secure" not in cookie.lower()

    tls_app = create_hq_app(Settings(database_url=apps.hq_db.url, tls=True), clock=lambda: NOW)
    with TestClient(tls_app, base_url="https://testserver") as hq:
        hq.get("/signin")
        csrf = hq.cookies.get("omniorder_csrf")
        response = hq.post(
            "/signin",
            data={"operator_id": "admin", "password": "hqadmin1", "next": "/", "csrf_token": csrf},
            follow_redirects=False,
        )
    assert response.status_code == 303
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith("omniorder_hq=")
    assert "secure" in set_cookie.lower()


def test_a_pos_pages_manager_override_is_throttled_by_its_clock_and_the_tills_address(
    apps: Apps,
) -> None:
    """The POS pages count a wrong manager password as the API does: at the request's time
    (the app's clock, here NOW) against the manager's id and the till's address."""
    created = apps.store.post(
        "/api/v1/customer-orders", json=pickup_order(), headers=apps.sign_in()
    )
    assert created.status_code == 201, created.text
    order = created.json()
    csrf = page_session(apps)

    refused = apps.store.post(
        f"/orders/{order['channel_ref']}/cancel",
        data={
            "csrf_token": csrf,
            "operation_id": "6b0f3c1e-3f49-4a86-9d0e-3b7a5f0e2c12",
            "version": str(order["version"]),
            "action": "preview",
            "charge": "0.00",
            "refund_tender": "",
            "manager_override.operator_id": "1002",
            "manager_override.password": "not-the-managers",
        },
    )

    assert refused.status_code == 422, refused.text
    with apps.store_db.session_factory() as session:
        failures = {
            row.key: (row.failures, row.first_failed_at)
            for row in session.scalars(select(SignInFailureRow))
        }
    assert failures == {"operator:1002": (1, NOW), "address:testclient": (1, NOW)}


def test_the_api_counts_a_wrong_manager_password_against_the_manager_and_the_address(
    apps: Apps,
) -> None:
    """The store API throttles a manager override as sign-in does: by id and by address."""
    created = apps.store.post(
        "/api/v1/customer-orders", json=pickup_order(), headers=apps.sign_in()
    )
    assert created.status_code == 201, created.text
    order = created.json()

    refused = apps.store.post(
        f"/api/v1/customer-orders/{order['channel_ref']}/cancellation",
        json={
            "charge": "0.00",
            "manager_override": {"operator_id": "1002", "password": "not-the-managers"},
        },
        headers=apps.sign_in(),
    )

    assert refused.status_code == 401, refused.text
    assert refused.json()["error"]["code"] == "wrong_credentials"
    with apps.store_db.session_factory() as session:
        failures = {
            row.key: (row.failures, row.first_failed_at)
            for row in session.scalars(select(SignInFailureRow))
        }
    assert failures == {"operator:1002": (1, NOW), "address:testclient": (1, NOW)}

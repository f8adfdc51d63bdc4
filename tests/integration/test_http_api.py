"""The store and HQ HTTP APIs: status codes, error bodies with field paths, tokens, scoping."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from prometheus_client import REGISTRY

from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from tests.builders import HOME_C0001, SOON
from tests.integration.conftest import STORE_TOKEN, Apps
from tests.service.snapshots import snapshot


def pickup_order(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "customer_account": "C0001",
        "lines": [
            {
                "sku": "LAMP-FLOOR",
                "quantity": 1,
                "fulfilment": "pickup",
                "requested_date": str(SOON),
            }
        ],
        "payments": [{"tender": "cash", "amount": "16.33"}],
    }
    body.update(overrides)
    return body


def test_sign_in_with_a_wrong_password_names_the_field(apps: Apps) -> None:
    response = apps.store.post(
        "/api/v1/auth/token", json={"operator_id": "1001", "password": "wrong"}
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "wrong_credentials"
    assert response.json()["error"]["field"] == "password"


def test_staff_of_another_store_are_not_known_here(apps: Apps) -> None:
    # Only this store's staff and HQ-wide staff are downloaded to the store.
    response = apps.store.post(
        "/api/v1/auth/token", json={"operator_id": "2001", "password": "cashier2"}
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "wrong_credentials"
    assert response.json()["error"]["field"] == "password"


def test_calls_without_a_token_get_401(apps: Apps) -> None:
    response = apps.store.get("/api/v1/customer-orders")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_create_find_and_read_an_order(apps: Apps) -> None:
    auth = apps.sign_in()

    created = apps.store.post("/api/v1/customer-orders", json=pickup_order(), headers=auth)

    assert created.status_code == 201, created.text
    order = created.json()
    assert (order["channel_ref"], order["sales_order_number"]) == ("S001-000001", "SO-000001")
    assert order["totals"]["deposit_required"] == "16.33"
    assert order["totals"]["amount_due"] == "0.00"
    assert created.headers["location"] == "/api/v1/customer-orders/S001-000001"
    for ref in ("SO-000001", "S001-000001", order["id"]):
        found = apps.store.get(f"/api/v1/customer-orders/{ref}", headers=auth)
        assert found.status_code == 200
        assert found.json() == {k: v for k, v in order.items() if k != "warnings"}
    by_customer = apps.store.get("/api/v1/customer-orders?customer=C0001", headers=auth).json()
    assert [o["channel_ref"] for o in by_customer] == ["S001-000001"]
    at_hq = apps.hq.get("/api/v1/sales-orders/SO-000001", headers=apps.hq_admin())
    assert at_hq.status_code == 200
    assert at_hq.json()["totals"] == order["totals"]


def test_a_find_row_is_the_order_s_summary_and_links_to_the_whole_order(apps: Apps) -> None:
    """The find lists answer summary rows (docs/api.md, *Find lists*) whose figures are the
    whole order's, kept as the order changes, with the path of its GET."""
    auth = apps.sign_in()
    admin = apps.hq_admin()
    created = apps.store.post("/api/v1/customer-orders", json=pickup_order(), headers=auth)
    assert created.status_code == 201, created.text

    def rows() -> tuple[dict[str, Any], dict[str, Any]]:
        at_store = apps.store.get("/api/v1/customer-orders", headers=auth).json()
        at_hq = apps.hq.get("/api/v1/sales-orders", headers=admin).json()
        assert len(at_store) == len(at_hq) == 1
        return at_store[0], at_hq[0]

    def whole(row: dict[str, Any], headers: dict[str, str], client: Any) -> dict[str, Any]:
        order: dict[str, Any] = client.get(row["href"], headers=headers).json()
        assert order["id"] == row["id"]
        assert "lines" not in row
        assert "history" not in row
        assert row["status"] == order["status"]
        assert row["order_total"] == order["totals"]["order_total"]
        return order

    store_row, hq_row = rows()
    assert store_row["href"] == "/api/v1/customer-orders/S001-000001"
    assert hq_row["href"] == "/api/v1/sales-orders/SO-000001"
    for row, headers, client in ((store_row, auth, apps.store), (hq_row, admin, apps.hq)):
        totals = whole(row, headers, client)["totals"]
        assert (row["channel_ref"], row["sales_order_number"]) == ("S001-000001", "SO-000001")
        assert (row["customer_account"], row["store_code"]) == ("C0001", "S001")
        # The total less the deposit paid, the only payment so far.
        balance = Decimal(totals["order_total"]) - Decimal(totals["amount_paid"])
        assert (row["balance"], totals["amount_paid"]) == (str(balance), "16.33")
        assert row["sync_status"] is None  # made through the real-time service

    line_id = created.json()["lines"][0]["id"]
    due = apps.store.post(
        "/api/v1/customer-orders/S001-000001/pickups/preview",
        json={"lines": {line_id: 1}},
        headers=auth,
    ).json()["amount_due"]
    picked_up = apps.store.post(
        "/api/v1/customer-orders/S001-000001/pickups",
        json={
            "lines": {line_id: 1},
            "collected_by": "Ada",
            "payments": [{"tender": "cash", "amount": due}],
        },
        headers=auth,
    )
    assert picked_up.status_code == 201, picked_up.text
    for row, headers, client in zip(rows(), (auth, admin), (apps.store, apps.hq), strict=True):
        whole(row, headers, client)
        assert (row["status"], row["balance"]) == ("invoiced", "0.00")


def test_the_same_idempotency_key_gives_the_same_order_once(apps: Apps) -> None:
    auth = {**apps.sign_in(), "Idempotency-Key": "till-3-sale-17"}

    first = apps.store.post("/api/v1/customer-orders", json=pickup_order(), headers=auth)
    second = apps.store.post("/api/v1/customer-orders", json=pickup_order(), headers=auth)

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    listed = apps.hq.get("/api/v1/sales-orders", headers=apps.hq_admin()).json()
    assert len(listed) == 1


def test_back_order_beyond_availability_is_allowed_with_a_warning(apps: Apps) -> None:
    body = pickup_order(
        lines=[
            {
                "sku": "LAMP-FLOOR",
                "quantity": 9,
                "fulfilment": "pickup",
                "requested_date": str(SOON),
            }
        ],
        payments=[{"tender": "cash", "amount": "146.97"}],
    )

    auth = apps.sign_in()
    calls_before = _calls_to_hq()

    created = apps.store.post("/api/v1/customer-orders", json=body, headers=auth)

    assert created.status_code == 201, created.text
    assert created.json()["warnings"] == [
        "Line 1 (LAMP-FLOOR): only 6 available at S001; 3 will be back-ordered."
    ]
    # HQ's stock came with its answer to the create: one call to HQ, not a second stock read.
    assert _calls_to_hq() - calls_before == {"POST sales-orders": 1}


def _calls_to_hq() -> Counter[str]:
    """Calls this process's stores made to HQ so far, by call (the metric's samples)."""
    calls: Counter[str] = Counter()
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if sample.name == "omniorder_hq_calls_total":
                calls[sample.labels["call"]] += int(sample.value)
    return calls


def test_malformed_input_is_a_422_with_the_field_path_and_changes_nothing(apps: Apps) -> None:
    auth = apps.sign_in()
    before = snapshot(apps.store_db.session_factory, ignore=("auth_sessions",))
    cases = [
        ({"lines": [{"sku": "X", "quantity": "two", "fulfilment": "pickup"}]}, "lines[0].quantity"),
        ({"payments": [{"tender": "cash", "amount": "16.333"}]}, "payments[0].amount"),
        ({"payments": [{"tender": "cash", "amount": 16.33}]}, "payments[0].amount"),
        ({"lines": [{"sku": "X", "quantity": 1, "fulfilment": "teleport"}]}, "lines[0].fulfilment"),
        ({"surprise": True}, "surprise"),
    ]
    for overrides, field in cases:
        response = apps.store.post(
            "/api/v1/customer-orders", json=pickup_order(**overrides), headers=auth
        )
        assert response.status_code == 422, (overrides, response.text)
        assert response.json()["error"]["field"] == field
        assert response.json()["error"]["message"]
    assert snapshot(apps.store_db.session_factory, ignore=("auth_sessions",)) == before


def test_deposit_override_by_a_cashier_is_403_naming_the_manager_override(apps: Apps) -> None:
    response = apps.store.post(
        "/api/v1/customer-orders",
        json=pickup_order(deposit_override="1.00", payments=[{"tender": "cash", "amount": "1.00"}]),
        headers=apps.sign_in(),
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "deposit_override_not_allowed"
    assert "manager override" in response.json()["error"]["message"]


def test_a_manager_override_in_the_request_allows_it_and_is_recorded(apps: Apps) -> None:
    response = apps.store.post(
        "/api/v1/customer-orders",
        json=pickup_order(
            deposit_override="1.00",
            payments=[{"tender": "cash", "amount": "1.00"}],
            manager_override={"operator_id": "1002", "password": "manager1"},
        ),
        headers=apps.sign_in(),
    )

    assert response.status_code == 201, response.text
    assert response.json()["history"][0]["override_by"] == "1002"
    assert response.json()["totals"]["deposit_required"] == "1.00"


def test_a_wrong_manager_password_is_refused(apps: Apps) -> None:
    response = apps.store.post(
        "/api/v1/customer-orders",
        json=pickup_order(
            deposit_override="1.00",
            payments=[{"tender": "cash", "amount": "1.00"}],
            manager_override={"operator_id": "1002", "password": "guess"},
        ),
        headers=apps.sign_in(),
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "wrong_credentials"
    assert response.json()["error"]["field"] == "manager_override"


def test_a_store_token_acts_only_for_its_own_store(apps: Apps) -> None:
    store_auth = {"Authorization": f"Bearer {STORE_TOKEN}"}

    own = apps.hq.get("/api/v1/channel-data/stores/S001", headers=store_auth)
    other = apps.hq.get("/api/v1/channel-data/stores/S002", headers=store_auth)
    staff = apps.hq.get("/api/v1/channel-data/stores/S001", headers=apps.hq_admin())

    assert own.status_code == 200
    assert all("token_hash" not in s for s in own.json()["stores"])
    # This store's staff; HQ-wide staff too, but not HQ's administrators (HQ-only).
    assert {s["operator_id"] for s in own.json()["staff"]} == {"1001", "1002"}
    assert other.status_code == 403
    assert staff.status_code == 401


def test_hq_master_data_changes_reach_the_store_on_refresh(apps: Apps) -> None:
    admin = apps.hq_admin()
    put = apps.hq.put(
        "/api/v1/products/CLOCK-WALL",
        json={"name": "Wall clock", "price_amount": 4500, "tax_group": "GENERAL"},
        headers=admin,
    )
    assert put.status_code == 200, put.text

    auth = apps.sign_in()
    refreshed = apps.store.post("/api/v1/channel-data/refresh", headers=auth)
    found = apps.store.get("/api/v1/products?q=clock", headers=auth).json()

    assert refreshed.status_code == 200
    assert [(p["sku"], p["price"]) for p in found] == [("CLOCK-WALL", "45.00")]


def test_hq_refuses_parameters_that_name_a_missing_charge_code(apps: Apps) -> None:
    admin = apps.hq_admin()
    params = apps.hq.get("/api/v1/parameters", headers=admin).json()

    response = apps.hq.put(
        "/api/v1/parameters", json={**params, "shipping_charge_code": "NOPE"}, headers=admin
    )

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "shipping_charge_code"
    assert apps.hq.get("/api/v1/parameters", headers=admin).json() == params


def test_hq_customers_keep_their_addresses(apps: Apps) -> None:
    admin = apps.hq_admin()
    body = {
        "name": "Hedy Lamarr",
        "phone": "555-0199",
        "email": "hedy@example.com",
        "addresses": [
            {
                "id": str(uuid.uuid4()),
                "name": "Hedy Lamarr",
                "street": "9 Frequency Hop",
                "city": "Vienna",
                "region": "VA",
                "postal_code": "22180",
            }
        ],
    }

    put = apps.hq.put("/api/v1/customers/C0100", json=body, headers=admin)
    got = apps.hq.get("/api/v1/customers/C0100", headers=admin)

    assert put.status_code == 200, put.text
    assert got.json()["addresses"][0]["street"] == "9 Frequency Hop"
    assert got.json()["addresses"][0]["country"] == "US"


def test_openapi_documents_the_public_paths(apps: Apps) -> None:
    store_paths = apps.store.get("/openapi.json").json()["paths"]
    hq_paths = apps.hq.get("/openapi.json").json()["paths"]

    assert {"/api/v1/customer-orders", "/api/v1/customer-orders/{ref}", "/api/v1/customers"} <= set(
        store_paths
    )
    assert {
        "/api/v1/sales-orders",
        "/api/v1/sales-orders/{number}",
        "/api/v1/parameters",
        "/api/v1/functionality-profiles",
        "/api/v1/stores",
        "/api/v1/products/{sku}",
        "/api/v1/customers",
        "/api/v1/staff",
        "/api/v1/inventory/{location}/{sku}",
    } <= set(hq_paths)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        pytest.param(
            "/api/v1/stores/S009",
            {
                "name": "Harbour",
                "time_zone": "America/New_York",
                "region": "NY",
                "warehouse": "S009",
                "shipping_warehouse": "WH1",
                "profile_code": "NOPE",
            },
            "profile_code",
            id="a store's functionality profile",
        ),
        pytest.param(
            "/api/v1/products/KETTLE",
            {"name": "Kettle", "price_amount": 3900, "tax_group": "NOPE"},
            "tax_group",
            id="a product's tax group",
        ),
        pytest.param(
            "/api/v1/charge-codes/GIFTWRAP",
            {"description": "Gift wrap", "tax_group": "NOPE"},
            "tax_group",
            id="a charge code's tax group",
        ),
        pytest.param(
            "/api/v1/staff/3001",
            {"name": "Nell Nowhere", "role": "cashier", "store_code": "S999", "password": "x" * 12},
            "store_code",
            id="a staff member's store",
        ),
        pytest.param(
            "/api/v1/inventory/WH1/NOPE",
            {"on_hand_qty": 3},
            "sku",
            id="a stock record's product",
        ),
        pytest.param(
            "/api/v1/stores/S%20009",
            {
                "name": "Harbour",
                "time_zone": "America/New_York",
                "region": "NY",
                "warehouse": "S009",
                "shipping_warehouse": "WH1",
                "profile_code": "SYNC",
            },
            "code",
            id="a key with a space",
        ),
        pytest.param(
            "/api/v1/functionality-profiles/" + "P" * 21,
            {"name": "Too long a code"},
            "code",
            id="a key longer than its column",
        ),
        pytest.param(
            "/api/v1/customers/C0100",
            {
                "name": "Hedy Lamarr",
                "addresses": [
                    {
                        "id": str(HOME_C0001),
                        "name": "Hedy Lamarr",
                        "street": "9 Frequency Hop",
                        "city": "Vienna",
                        "region": "VA",
                        "postal_code": "22180",
                    }
                ],
            },
            "addresses[0].id",
            id="another customer's address",
        ),
    ],
)
def test_hq_refuses_master_data_naming_what_does_not_exist(
    apps: Apps, path: str, body: dict[str, object], field: str
) -> None:
    admin = apps.hq_admin()
    before = snapshot(apps.hq_db.session_factory, ignore=("auth_sessions",))

    response = apps.hq.put(path, json=body, headers=admin)

    assert response.status_code in (409, 422), response.text
    assert response.json()["error"]["field"] == field
    assert snapshot(apps.hq_db.session_factory, ignore=("auth_sessions",)) == before


def test_hq_master_data_naming_what_exists_is_saved(apps: Apps) -> None:
    admin = apps.hq_admin()

    store = apps.hq.put(
        "/api/v1/stores/S009",
        json={
            "name": "Harbour",
            "time_zone": "America/New_York",
            "region": "NY",
            "warehouse": "S009",
            "shipping_warehouse": "WH1",
            "profile_code": "ASYNC",
        },
        headers=admin,
    )
    staff = apps.hq.put(
        "/api/v1/staff/9001",
        json={"name": "Hal Harbour", "role": "cashier", "store_code": "S009", "password": "x" * 12},
        headers=admin,
    )
    stock = apps.hq.put("/api/v1/inventory/S009/SOFA-3S", json={"on_hand_qty": 1}, headers=admin)

    assert (store.status_code, staff.status_code, stock.status_code) == (200, 200, 200)
    assert apps.hq.get("/api/v1/staff/9001", headers=admin).json()["store_code"] == "S009"


def test_a_staff_password_shorter_than_12_characters_is_refused(apps: Apps) -> None:
    admin = apps.hq_admin()
    body = {"name": "Short Pass", "role": "cashier", "store_code": "S001"}

    short = apps.hq.put("/api/v1/staff/9003", json={**body, "password": "x" * 11}, headers=admin)
    enough = apps.hq.put("/api/v1/staff/9003", json={**body, "password": "x" * 12}, headers=admin)

    assert short.status_code == 422
    assert short.json()["error"]["field"] == "password"
    assert "x" * 11 not in short.text
    assert enough.status_code == 200, enough.text


def test_a_new_staff_member_without_a_password_is_refused(apps: Apps) -> None:
    admin = apps.hq_admin()

    response = apps.hq.put(
        "/api/v1/staff/9002", json={"name": "No Password", "role": "cashier"}, headers=admin
    )

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "password"
    assert apps.hq.get("/api/v1/staff/9002", headers=admin).status_code == 404


def test_a_store_token_is_issued_once_and_replaces_the_old_one(apps: Apps) -> None:
    admin = apps.hq_admin()

    issued = apps.hq.post("/api/v1/stores/S001/token", headers=admin)
    unknown = apps.hq.post("/api/v1/stores/S999/token", headers=admin)

    assert issued.status_code == 200
    assert issued.json()["store_code"] == "S001"
    old = apps.hq.get("/api/v1/channel-data/stores/S001", headers=_bearer(STORE_TOKEN))
    new = apps.hq.get("/api/v1/channel-data/stores/S001", headers=_bearer(issued.json()["token"]))
    assert (old.status_code, new.status_code) == (401, 200)
    assert unknown.status_code == 404


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_refusals_carry_a_stable_code_with_the_field(apps: Apps) -> None:
    """Clients branch on `code`, never on the sentence (docs/api.md, *Errors*)."""
    headers = apps.sign_in()
    past = pickup_order()
    past["lines"][0]["requested_date"] = "2020-01-01"  # type: ignore[index]

    refused = apps.store.post("/api/v1/customer-orders", json=past, headers=headers)

    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "date_not_allowed"
    assert refused.json()["error"]["field"] == "lines[0].requested_date"

    order = apps.store.post("/api/v1/customer-orders", json=pickup_order(), headers=headers)
    assert order.status_code == 201, order.text
    line_id = order.json()["lines"][0]["id"]
    before = snapshot(apps.hq_db.session_factory)

    too_many = apps.store.post(
        f"/api/v1/customer-orders/{order.json()['channel_ref']}/pickups",
        json={"lines": {line_id: 2}, "collected_by": "Ada"},
        headers=headers,
    )

    # Decided at HQ; the store passes HQ's code and field through unchanged.
    assert too_many.status_code == 422
    assert too_many.json()["error"]["code"] == "quantity_out_of_range"
    assert too_many.json()["error"]["field"] == f"lines.{line_id}"
    assert snapshot(apps.hq_db.session_factory) == before


def back_office(apps: Apps) -> str:
    """Sign the HQ test client in to the back office, as a browser would be; its CSRF token."""
    token = apps.hq_admin()["Authorization"].removeprefix("Bearer ")
    apps.hq.cookies.set("omniorder_hq", token)
    return hashlib.sha256(f"omniorder-csrf:{token}".encode()).hexdigest()


def test_the_back_office_form_marks_the_field_the_service_refused(apps: Apps) -> None:
    csrf = back_office(apps)
    before = snapshot(apps.hq_db.session_factory, ignore=("auth_sessions",))

    response = apps.hq.post(
        "/stores/edit",
        data={
            "csrf_token": csrf,
            "is_new": "yes",
            "code": "S009",
            "name": "Harbour",
            "time_zone": "America/New_York",
            "region": "NY",
            "is_pickup_location": "yes",
            "warehouse": "S009",
            "shipping_warehouse": "WH1",
            "profile_code": "NOPE",
        },
    )

    assert response.status_code == 422
    assert 'data-error-for="profile_code">Functionality profile NOPE does not exist.' in (
        response.text
    )
    assert snapshot(apps.hq_db.session_factory, ignore=("auth_sessions",)) == before


def test_the_back_office_issues_a_store_token_shown_once(apps: Apps) -> None:
    csrf = back_office(apps)

    page = apps.hq.post("/stores/token", data={"csrf_token": csrf, "code": "S001"})

    found = re.search(r'value="([^"]+)" readonly data-token', page.text)
    assert page.status_code == 200
    assert found
    channel = apps.hq.get("/api/v1/channel-data/stores/S001", headers=_bearer(found[1]))
    assert channel.status_code == 200


def test_the_cancellation_preview_counts_the_charges_tax_as_the_cancel_will(apps: Apps) -> None:
    for db in (apps.hq_db, apps.store_db):  # a taxable cancellation charge, at both ends
        with SqlAlchemyUnitOfWork(db.session_factory) as uow:
            code = uow.records.charge_code("CANCEL")
            assert code is not None
            code.tax_group = "GENERAL"
            uow.commit()
    headers = apps.sign_in()
    order = apps.store.post("/api/v1/customer-orders", json=pickup_order(), headers=headers)
    ref = order.json()["channel_ref"]

    shown = apps.store.get(f"/api/v1/customer-orders/{ref}/cancellation", headers=headers)
    cancelled = apps.store.post(
        f"/api/v1/customer-orders/{ref}/cancellation", json={}, headers=headers
    )

    assert shown.status_code == 200, shown.text
    assert cancelled.status_code == 201, cancelled.text
    # 5 % of 163.30 = 8.17, plus 8.875 % tax = 0.73: 8.90 − 16.33 deposit = −7.43.
    assert shown.json()["default_charge"] == "8.17"
    assert shown.json()["amount_due_with_default_charge"] == "-7.43"
    assert cancelled.json()["payments"][-1]["amount"] == "-7.43"

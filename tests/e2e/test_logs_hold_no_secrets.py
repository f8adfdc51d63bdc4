"""The servers' logs of a real run (docs/operations.md, *Logs*; docs/security.md, *Logs*):
one JSON object per line; an access line per request with the request id, which a store
passes to HQ; the order and the operator on order operations; and not one password, token,
session cookie or card number, though every kind went through the servers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from omniorder.adapters.store_gateway import job_token_for
from tests.builders import SOON
from tests.conftest import PostgresDatabases, require_backend
from tests.e2e.shop import deposit
from tests.servers import CARD_NUMBERS, JOB_SECRET, METRICS_TOKEN, running_servers, sign_in

Line = dict[str, Any]


def order_body(code: str, card: str) -> dict[str, Any]:
    return {
        "customer_account": "C0001",
        "lines": [
            {
                "sku": "LAMP-FLOOR",
                "quantity": 1,
                "fulfilment": "pickup",
                "requested_date": str(SOON),
                "pickup_store": code,
            }
        ],
        "payments": [{"tender": "card", "amount": deposit(code, 1), "card_number": card}],
    }


def page_sign_in(base_url: str, operator_id: str, password: str, cookie: str) -> str:
    """Sign in through the sign-in page, as a browser does; the session cookie's value."""
    with httpx.Client(base_url=base_url, timeout=30) as browser:
        form = browser.get("/signin")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None, form.text
        signed_in = browser.post(
            "/signin",
            data={"operator_id": operator_id, "password": password, "csrf_token": csrf[1]},
        )
        assert signed_in.status_code == 303, signed_in.text
        session = browser.cookies[cookie]
        assert browser.get("/", follow_redirects=True).status_code == 200
    return str(session)


def lines_of(log: Path) -> list[Line]:
    lines = []
    for text in log.read_text().splitlines():
        line = json.loads(text)  # every line is one JSON object
        assert isinstance(line, dict), text
        lines.append(line)
    return lines


def test_logs_carry_request_ids_orders_and_operators_but_no_secret(
    backend: str, pg_databases: PostgresDatabases | None, tmp_path: Path
) -> None:
    # given: HQ, the sync store S001 and the async store S002, on SQLite or PostgreSQL
    require_backend(backend, pg_databases)
    hq_url = pg_databases.create() if backend == "postgresql" and pg_databases else None
    secrets: list[str] = [JOB_SECRET, METRICS_TOKEN, *CARD_NUMBERS]
    with running_servers(
        tmp_path, stores=("S001", "S002"), async_stores=("S002",), hq_database_url=hq_url
    ) as servers:
        secrets += ["test-token-S001", "test-token-S002"]  # the stores' tokens at HQ
        secrets += [job_token_for(JOB_SECRET, code) for code in ("S001", "S002")]
        # when: staff sign in (API and pages), take orders paid by card, HQ's jobs run
        cashier = sign_in(servers.store_url("S001"), "1001", "cashier1")
        cashier2 = sign_in(servers.store_url("S002"), "2001", "cashier2")
        admin = sign_in(servers.hq_url, "admin", "hqadmin1")
        secrets += ["cashier1", "cashier2", "hqadmin1", "manager1"]
        secrets += [h["Authorization"].removeprefix("Bearer ") for h in (cashier, cashier2, admin)]
        secrets.append(
            page_sign_in(servers.store_url("S001"), "1002", "manager1", "omniorder_store_S001")
        )
        secrets.append(page_sign_in(servers.hq_url, "admin", "hqadmin1", "omniorder_hq"))
        created = httpx.post(
            f"{servers.store_url('S001')}/api/v1/customer-orders",
            json=order_body("S001", CARD_NUMBERS[0]),
            headers={**cashier, "X-Request-ID": "pos-till-3-0001"},
            timeout=60,
        )
        assert created.status_code == 201, created.text
        assert created.headers["X-Request-ID"] == "pos-till-3-0001"
        order = created.json()
        declined = httpx.post(
            f"{servers.store_url('S001')}/api/v1/customer-orders",
            json=order_body("S001", CARD_NUMBERS[1]),
            headers=cashier,
            timeout=60,
        )
        assert declined.status_code in (402, 409, 422), declined.text
        unsafe_id = httpx.get(
            f"{servers.store_url('S001')}/health",
            headers={"X-Request-ID": 'bad id "with" quotes and spaces'},
            timeout=10,
        )
        async_order = httpx.post(
            f"{servers.store_url('S002')}/api/v1/customer-orders",
            json=order_body("S002", CARD_NUMBERS[0]),
            headers=cashier2,
            timeout=60,
        )
        assert async_order.status_code == 201, async_order.text
        for job in ("pull", "synchronize-orders", "pull"):
            ran = httpx.post(f"{servers.hq_url}/api/v1/jobs/{job}", headers=admin, timeout=60)
            assert ran.status_code == 200, ran.text
        logs = [process.log for process in servers.all()]
    # (running_servers has stopped the servers, so their logs are complete)

    # then: the request id the till sent is on the store's access line and on HQ's
    store_lines, hq_lines = lines_of(tmp_path / "store-S001.log"), lines_of(tmp_path / "hq.log")
    created_line = next(
        line
        for line in store_lines
        if line.get("route") == "/api/v1/customer-orders" and line.get("method") == "POST"
    )
    assert created_line["request_id"] == "pos-till-3-0001"
    assert created_line["status"] == 201
    assert created_line["operator_id"] == "1001"
    assert created_line["order_id"] == order["id"]
    assert created_line["order_ref"] == order["channel_ref"]
    at_hq = [line for line in hq_lines if line.get("request_id") == "pos-till-3-0001"]
    # (the sales order; HQ's stock for the back-order warnings comes with its answer)
    assert [line["route"] for line in at_hq] == ["/api/v1/rts/stores/{code}/sales-orders"]
    assert at_hq[0]["order_ref"] == order["sales_order_number"]
    assert at_hq[0]["order_id"] == order["id"]
    assert at_hq[0]["operator_id"] == "1001"
    # an unsafe incoming id is replaced, not logged or echoed
    assert unsafe_id.headers["X-Request-ID"] != 'bad id "with" quotes and spaces'
    assert re.fullmatch(r"[0-9a-f]{32}", unsafe_id.headers["X-Request-ID"])
    # and no line of any server holds any secret that went through it
    for log in logs:
        text = log.read_text()
        assert text, f"{log.name} is empty"
        for secret in secrets:
            assert secret not in text, f"{log.name} holds a secret ({secret[:3]}…)"

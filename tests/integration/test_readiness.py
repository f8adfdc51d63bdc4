"""`/health` (alive), `/ready` (database, and for a store HQ and the age of its channel data)
and the request id every answer carries (docs/operations.md, *Health and readiness*)."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from omniorder.adapters.hq_client import HQClient
from omniorder.config import Settings
from omniorder.entrypoints.store.app import create_store_app
from tests.builders import NOW
from tests.conftest import Database
from tests.integration.conftest import Apps


def test_ready_reports_the_database_hq_and_channel_data_age(apps: Apps) -> None:
    at_hq = apps.hq.get("/ready")
    at_store = apps.store.get("/ready")

    assert at_hq.status_code == 200, at_hq.text
    assert at_hq.json()["status"] == "ready"
    assert at_hq.json()["database"]["ok"] is True
    assert at_store.status_code == 200, at_store.text
    body = at_store.json()
    assert body["store"] == "S001"
    assert body["database"]["ok"] is True
    assert body["hq"]["ok"] is True
    # the store downloaded channel data at start, at the (frozen) clock's time
    assert body["channel_data"] == {"downloaded_at": NOW.isoformat(), "age_seconds": 0.0}


def test_a_store_is_not_ready_while_hq_cannot_be_reached(store_db: Database) -> None:
    # given: a store whose HQ refuses connections
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    hq = HQClient(
        "http://hq",
        store_code="S001",
        token="t",
        timeout_seconds=1,
        transport=httpx.MockTransport(refuse),
    )
    app = create_store_app(
        Settings(database_url=store_db.url),
        store_code="S001",
        hq=hq,
        clock=lambda: NOW,
        download_on_start=False,
    )
    with TestClient(app) as store:
        # when
        health, ready = store.get("/health"), store.get("/ready")
    hq.close()

    # then: alive, but not ready, and the answer says why
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "not ready"
    assert body["database"]["ok"] is True
    assert body["hq"]["ok"] is False
    assert "HQ cannot be reached" in body["hq"]["error"]
    assert body["channel_data"] == {"downloaded_at": None, "age_seconds": None}


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("till-7-000123", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("has space", False),
        ("semi;colon", False),
        ("", False),
    ],
)
def test_a_request_id_is_kept_when_safe_and_made_otherwise(
    apps: Apps, sent: str, kept: bool
) -> None:
    answer = apps.hq.get("/health", headers={"X-Request-ID": sent})

    assert answer.status_code == 200
    returned = answer.headers["X-Request-ID"]
    if kept:
        assert returned == sent
    else:
        assert returned != sent
        assert len(returned) == 32

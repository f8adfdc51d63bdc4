"""`/metrics` of real servers, scraped before and after some orders: every counter moves by
exactly what was done, and the database gauges say what the databases hold
(docs/operations.md, *Monitoring*)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.orm import JobRunRow
from tests.builders import SOON
from tests.e2e.shop import Json, Shop, deposit
from tests.servers import METRICS_TOKEN, running_servers

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
CARD = "4242424242424242"


def scrape(base_url: str) -> Samples:
    answer = httpx.get(
        f"{base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def lamp_order(code: str, *, card: bool = False) -> Json:
    amount = deposit(code, 1)
    payment = (
        {"tender": "card", "amount": amount, "card_number": CARD}
        if card
        else {
            "tender": "cash",
            "amount": amount,
        }
    )
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
        "payments": [payment],
    }


def test_counters_move_by_what_the_stores_and_hq_did(shop: Shop) -> None:
    # given: each server's figures now
    servers = shop.servers
    s001, s002, hq = (
        scrape(servers.store_url("S001")),
        scrape(servers.store_url("S002")),
        scrape(servers.hq_url),
    )

    # when: two sync orders at S001 (one sent twice with the same key), three async at S002,
    # and one look-up HQ refuses (no such order)
    with shop.store("S001") as store:
        for key in ("m-1", "m-2", "m-2"):
            answer = store.post(
                "/customer-orders",
                json=lamp_order("S001", card=True),
                headers={"Idempotency-Key": key},
            )
            assert answer.status_code == 201, answer.text
        assert store.get("/customer-orders/NO-SUCH-ORDER").status_code == 404
    with shop.store("S002") as store:
        for _ in range(3):
            answer = store.post("/customer-orders", json=lamp_order("S002"))
            assert answer.status_code == 201, answer.text
            assert answer.json()["sales_order_number"] is None

    # then: the stores counted exactly that
    s001_after = scrape(servers.store_url("S001"))
    s002_after = scrape(servers.store_url("S002"))
    hq_after = scrape(servers.hq_url)

    def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    created = "omniorder_orders_created_total"
    assert moved(s001, s001_after, created, store="S001", mode="sync") == 2
    assert moved(s002, s002_after, created, store="S002", mode="async") == 3
    assert moved(s002, s002_after, created, store="S002", mode="sync") == 0
    calls = "omniorder_hq_calls_total"
    assert moved(s001, s001_after, calls, store="S001", call="POST sales-orders", outcome="ok") == 2
    assert moved(s001, s001_after, calls, store="S001", call="GET order", outcome="refused") == 1
    assert moved(s002, s002_after, calls, store="S002", call="POST sales-orders", outcome="ok") == 0
    requests = "omniorder_http_requests_total"
    create_route = {"method": "POST", "route": "/api/v1/customer-orders"}
    assert moved(s001, s001_after, requests, **create_route, status="201") == 3
    assert moved(s002, s002_after, requests, **create_route, status="201") == 3
    assert (
        moved(
            s001,
            s001_after,
            requests,
            method="GET",
            route="/api/v1/customer-orders/{ref}",
            status="404",
        )
        == 1
    )
    latency = "omniorder_http_request_duration_seconds_count"
    assert moved(s002, s002_after, latency, **create_route) == 3
    # HQ: the two sales orders S001 asked for, by route template (never the raw path)
    rts = {"method": "POST", "route": "/api/v1/rts/stores/{code}/sales-orders", "status": "200"}
    assert moved(hq, hq_after, requests, **rts) == 2
    assert not any("S001" in dict(labels).get("route", "") for _name, labels in hq_after)
    # S002's journal holds the three orders, not yet acknowledged
    backlog = "omniorder_journal_backlog_entries"
    assert value(s002_after, backlog, store="S002") == value(s002, backlog, store="S002") + 3
    assert value(s002_after, "omniorder_journal_backlog_oldest_age_seconds", store="S002") >= 0

    # when: HQ's jobs pull, synchronize and acknowledge
    shop.run_jobs()

    # then: S002's backlog is empty and HQ's staging holds what it synchronized
    s002_done = scrape(servers.store_url("S002"))
    hq_done = scrape(servers.hq_url)
    assert value(s002_done, backlog, store="S002") == 0
    assert value(s002_done, "omniorder_journal_failed_entries", store="S002") == 0
    synchronized = value(
        hq_done, "omniorder_store_transactions", store="S002", status="synchronized"
    )
    assert (
        synchronized
        == value(hq, "omniorder_store_transactions", store="S002", status="synchronized") + 3
    )
    assert value(hq_done, "omniorder_store_transactions", store="S002", status="failed") == 0
    assert value(hq_done, "omniorder_store_transactions_unacknowledged", store="S002") == 0
    assert value(hq_done, "omniorder_outbox_unsent_messages") == 0


def test_job_gauges_say_what_job_runs_holds(shop: Shop) -> None:
    # given: a job run recorded in HQ's job_runs (by the job workers, or here if none ran)
    hq_url = shop.servers.hq.args[shop.servers.hq.args.index("--database-url") + 1]
    engine = make_engine(hq_url)
    factory = make_session_factory(engine)
    finished = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    try:
        with factory() as session:
            if session.get(JobRunRow, "mail") is None:
                session.add(
                    JobRunRow(
                        name="mail",
                        runs=7,
                        failures=2,
                        last_started_at=finished,
                        last_finished_at=finished,
                        last_success_at=finished,
                        last_duration_ms=1500,
                    )
                )
                session.commit()
            rows = {
                row.name: (row.runs, row.failures, row.last_duration_ms, row.last_success_at)
                for row in session.query(JobRunRow)
            }
    finally:
        engine.dispose()

    # when
    samples = scrape(shop.servers.hq_url)

    # then: one series per job, with the row's figures
    for name, (runs, failures, duration_ms, success_at) in rows.items():
        assert value(samples, "omniorder_job_runs_total", job=name) == runs
        assert value(samples, "omniorder_job_failures_total", job=name) == failures
        assert value(samples, "omniorder_job_last_duration_seconds", job=name) == (
            (duration_ms or 0) / 1000
        )
        expected = success_at.timestamp() if success_at else 0.0
        assert value(samples, "omniorder_job_last_success_timestamp_seconds", job=name) == (
            expected
        )


def test_metrics_answer_only_the_scraper_with_the_token(shop: Shop) -> None:
    for base in (shop.servers.hq_url, shop.servers.store_url("S001")):
        assert httpx.get(f"{base}/metrics", timeout=10).status_code == 404
        wrong = {"Authorization": "Bearer not-the-token"}
        assert httpx.get(f"{base}/metrics", headers=wrong, timeout=10).status_code == 404


def test_worker_processes_share_their_counts_through_the_multiprocess_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: HQ told to keep its counts in a folder its worker processes share
    folder = tmp_path / "prometheus"
    folder.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    with running_servers(tmp_path / "servers", stores=()) as servers:
        before = scrape(servers.hq_url)
        # when: three requests to one route
        for _ in range(3):
            assert httpx.get(f"{servers.hq_url}/openapi.json", timeout=30).status_code == 200
        after = scrape(servers.hq_url)

    # then: counted from the folder (where each process writes its own file)
    route = {"method": "GET", "route": "/openapi.json", "status": "200"}
    name = "omniorder_http_requests_total"
    assert value(after, name, **route) - value(before, name, **route) == 3
    assert list(folder.glob("counter_*.db"))
    # and the database gauges are there as well
    assert ("omniorder_outbox_unsent_messages", frozenset()) in after

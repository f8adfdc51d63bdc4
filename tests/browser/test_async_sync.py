"""Async mode in a real browser (docs/rules.md §10): an order taken at the async store S002 waits
"pending sync" at the POS; in the back office the P-job pulls it, Synchronize orders makes it
a sales order and the next P-job tells the store, whose order page then shows the number.
A failing entry shows HQ's error on both sides until the data is fixed and it is retried.

Orders are taken through S002's JSON API (faster); jobs and retries through the back-office
pages; every outcome is also read back through the JSON APIs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.orm import CustomerRow
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from tests.servers import Servers, running_servers, sign_in

pytestmark = pytest.mark.browser

SIZE: ViewportSize = {"width": 1024, "height": 768}
SOON = datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=3)
# One floor lamp picked up at S002: 149.99 + 6.625 % tax = 159.93; 10 % deposit.
LAMP_DEPOSIT = "15.99"
SO_NUMBER = re.compile(r"^SO-\d{6}$")

Json = dict[str, Any]


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("async-sync")


@pytest.fixture(scope="module")
def servers(tmp: Path) -> Iterator[Servers]:
    with running_servers(tmp, stores=("S001", "S002"), async_stores=("S002",)) as running:
        yield running


def signed_in_page(browser: Browser, url: str, operator_id: str, password: str) -> Page:
    page = browser.new_context(base_url=url, viewport=SIZE).new_page()
    page.set_default_timeout(15_000)
    page.goto("/signin")
    page.get_by_label("Operator id").fill(operator_id)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/(sales-orders)?$"))
    return page


@pytest.fixture(scope="module")
def hq(browser: Browser, servers: Servers) -> Iterator[Page]:
    """The back office, signed in as the HQ admin."""
    page = signed_in_page(browser, servers.hq_url, "admin", "hqadmin1")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def pos(browser: Browser, servers: Servers) -> Iterator[Page]:
    """S002's POS, signed in as its cashier."""
    page = signed_in_page(browser, servers.store_url("S002"), "2001", "cashier2")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def store_api(servers: Servers) -> Iterator[httpx.Client]:
    url = servers.store_url("S002")
    with httpx.Client(base_url=url, headers=sign_in(url, "2001", "cashier2"), timeout=20) as c:
        yield c


@pytest.fixture(scope="module")
def hq_api(servers: Servers) -> Iterator[httpx.Client]:
    url = servers.hq_url
    with httpx.Client(base_url=url, headers=sign_in(url, "admin", "hqadmin1"), timeout=20) as c:
        yield c


def take_order(store_api: httpx.Client, *, customer: str = "C0001") -> Json:
    """A floor lamp to pick up at S002, deposit in cash: saved at the store, not yet at HQ."""
    body = {
        "customer_account": customer,
        "lines": [
            {
                "sku": "LAMP-FLOOR",
                "quantity": 1,
                "fulfilment": "pickup",
                "requested_date": str(SOON),
                "pickup_store": "S002",
            }
        ],
        "payments": [{"tender": "cash", "amount": LAMP_DEPOSIT}],
    }
    created = store_api.post("/api/v1/customer-orders", json=body)
    assert created.status_code == 201, created.text
    order: Json = created.json()
    assert order["sales_order_number"] is None
    assert order["sync_status"] == "pending"
    return order


def staged(hq_api: httpx.Client, channel_ref: str) -> Json:
    """HQ's staged transaction for an order's creation, through the jobs API."""
    listed = hq_api.get("/api/v1/store-transactions", params={"store": "S002"})
    assert listed.status_code == 200, listed.text
    rows = [row for row in listed.json() if row["channel_ref"] == channel_ref]
    assert len(rows) == 1, listed.json()
    return dict(rows[0])


def transaction_row(hq: Page, channel_ref: str) -> Locator:
    return hq.locator(f'tr[data-channel-ref="{channel_ref}"][data-kind="create"]')


def run_job(hq: Page, button: str, job: str) -> Locator:
    """Press a job button on the store transactions page; the result panel it shows."""
    if not hq.url.endswith("/store-transactions"):
        hq.goto("/store-transactions")
    hq.get_by_role("button", name=button, exact=True).click()
    result = hq.locator(f'[data-job-result="{job}"]')
    expect(result).to_be_visible()
    return result


def count(result: Locator, name: str) -> Locator:
    return result.locator(f'[data-count="{name}"]')


def test_an_async_order_shows_pending_at_the_pos_until_hq_synchronizes_it(
    hq: Page, pos: Page, store_api: httpx.Client, hq_api: httpx.Client
) -> None:
    order = take_order(store_api)
    ref = order["channel_ref"]

    pos.goto(f"/orders/{ref}/receipt")
    expect(pos.locator("[data-sales-order]")).to_have_text("to follow")
    expect(pos.locator("[data-sales-order-follows]")).to_contain_text(
        "Your sales order number will follow"
    )
    pos.goto(f"/orders/{ref}")
    expect(pos.locator("[data-sync-status]")).to_have_text("Pending sync")
    expect(pos.locator("[data-sales-order]")).to_have_text("not yet (pending sync)")
    # (a date range lists the order; its reference alone would open it)
    pos.goto(f"/orders?q={ref}&from={SOON - timedelta(days=30)}")
    expect(pos.locator("[data-results] [data-sync-status]")).to_have_text("Pending sync")

    hq.goto("/store-transactions")
    pulled = run_job(hq, "Run P-job", "pull")
    expect(count(pulled, "pulled")).to_have_text("1")
    row = transaction_row(hq, ref)
    expect(row.locator("[data-status]")).to_have_text("Pending")
    expect(row).to_contain_text("no sales order yet")
    assert staged(hq_api, ref)["status"] == "pending"

    synced = run_job(hq, "Synchronize orders", "synchronize")
    expect(count(synced, "synchronized")).to_have_text("1")
    expect(count(synced, "failed")).to_have_text("0")
    expect(row.locator("[data-status]")).to_have_text("Synchronized")
    number = row.locator("[data-sales-order]").inner_text()
    assert SO_NUMBER.match(number)
    at_hq = staged(hq_api, ref)
    assert (at_hq["status"], at_hq["sales_order_number"]) == ("synchronized", number)
    # The store hears of it with the next P-job only.
    assert store_api.get(f"/api/v1/customer-orders/{ref}").json()["sync_status"] == "pending"

    acked = run_job(hq, "Run P-job", "pull")
    expect(count(acked, "pulled")).to_have_text("0")
    expect(count(acked, "acknowledged")).to_have_text("1")

    pos.goto(f"/orders/{ref}")
    expect(pos.locator("[data-sales-order]")).to_have_text(number)
    expect(pos.locator("[data-sync-status]")).to_have_text("Synchronized")
    at_store = store_api.get(f"/api/v1/customer-orders/{ref}").json()
    assert (at_store["sales_order_number"], at_store["sync_status"]) == (number, "synchronized")
    sales_order = hq_api.get(f"/api/v1/sales-orders/{number}").json()
    assert sales_order["channel_ref"] == ref
    assert sales_order["totals"] == at_store["totals"]

    hq.goto("/store-transactions")
    transaction_row(hq, ref).locator("[data-sales-order]").click()
    expect(hq.get_by_role("heading", level=1)).to_contain_text(number)


def test_a_failed_entry_shows_its_error_and_goes_through_when_retried_after_the_fix(
    hq: Page, pos: Page, store_api: httpx.Client, hq_api: httpx.Client, tmp: Path
) -> None:
    # A customer S002 knows (in its channel cache) but HQ does not.
    engine = make_engine(f"sqlite:///{tmp / 'store-S002.db'}")
    with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
        uow.records.put(CustomerRow(account="C0999", name="Grace Newcomer"))
        uow.commit()
    engine.dispose()
    order = take_order(store_api, customer="C0999")
    ref = order["channel_ref"]

    hq.goto("/store-transactions")
    expect(count(run_job(hq, "Run P-job", "pull"), "pulled")).to_have_text("1")
    synced = run_job(hq, "Synchronize orders", "synchronize")

    expect(count(synced, "failed")).to_have_text("1")
    row = transaction_row(hq, ref)
    expect(row.locator("[data-status]")).to_have_text("Failed")
    expect(row.locator("[data-retries]")).to_have_text("0")
    transaction_id = row.get_attribute("data-transaction")
    error = hq.locator(f'[data-error-for-transaction="{transaction_id}"] [data-error]')
    expect(error).to_contain_text("HQ could not apply this entry")
    expect(error).to_contain_text("C0999")
    expect(hq.locator("[data-status-count=failed]")).to_have_text("1")
    failed = staged(hq_api, ref)
    assert (failed["status"], failed["retry_count"]) == ("failed", 0)
    assert "C0999" in failed["error"]
    assert hq_api.get(f"/api/v1/sales-orders/{ref}").status_code == 404

    # The store hears of the failure with the next P-job, with HQ's words.
    expect(count(run_job(hq, "Run P-job", "pull"), "acknowledged")).to_have_text("1")
    pos.goto(f"/orders/{ref}")
    expect(pos.locator("[data-sync-status]")).to_have_text("Sync failed")
    expect(pos.locator("[data-sync-error]")).to_contain_text(failed["error"])
    expect(pos.locator("[data-sales-order]")).to_have_text("not yet (sync failed)")
    assert store_api.get(f"/api/v1/customer-orders/{ref}").json()["sync_status"] == "failed"

    # Fix the data at HQ, then Retry and Synchronize orders.
    fixed = hq_api.put("/api/v1/customers/C0999", json={"name": "Grace Newcomer"})
    assert fixed.status_code in (200, 201), fixed.text
    hq.goto("/store-transactions?status=failed")
    transaction_row(hq, ref).get_by_role("button", name=re.compile("^Retry")).click()
    expect(hq.locator('[data-job-result="retry"]')).to_contain_text(
        "1 failed transaction is back in the queue"
    )
    expect(hq.get_by_label("Status", exact=True)).to_have_value("failed")  # the filter is kept
    expect(transaction_row(hq, ref)).to_have_count(0)
    retried = staged(hq_api, ref)
    assert (retried["status"], retried["retry_count"]) == ("pending", 1)

    hq.goto("/store-transactions")
    expect(row.locator("[data-retries]")).to_have_text("1")
    expect(count(run_job(hq, "Synchronize orders", "synchronize"), "synchronized")).to_have_text(
        "1"
    )
    expect(row.locator("[data-status]")).to_have_text("Synchronized")
    expect(hq.locator(f'[data-error-for-transaction="{transaction_id}"]')).to_have_count(0)
    number = row.locator("[data-sales-order]").inner_text()
    assert SO_NUMBER.match(number)
    expect(count(run_job(hq, "Run P-job", "pull"), "acknowledged")).to_have_text("1")

    pos.goto(f"/orders/{ref}")
    expect(pos.locator("[data-sync-status]")).to_have_text("Synchronized")
    expect(pos.locator("[data-sales-order]")).to_have_text(number)
    expect(pos.locator("[data-sync-error]")).to_have_count(0)
    synchronized = staged(hq_api, ref)
    assert (synchronized["status"], synchronized["retry_count"]) == ("synchronized", 1)
    assert hq_api.get(f"/api/v1/sales-orders/{number}").json()["customer_account"] == "C0999"


def test_retry_all_failed_with_nothing_failed_says_so(hq: Page, hq_api: httpx.Client) -> None:
    hq.goto("/store-transactions")
    expect(hq.locator("[data-retry-all]")).to_have_count(0)  # offered only when needed
    expect(hq.locator("[data-status-count=failed]")).to_have_text("0")
    hq.goto("/store-transactions?status=nope")
    expect(hq.locator('p.field-error[data-error-for="status"]')).to_have_text(
        "Choose a status from the list."
    )
    assert hq_api.post("/api/v1/store-transactions/retry").json() == {"retried": 0}


def test_an_operator_sets_async_mode_on_a_functionality_profile(
    hq: Page, hq_api: httpx.Client
) -> None:
    hq.goto("/functionality-profiles")
    async_row = hq.get_by_role("row", name=re.compile(r"^ASYNC "))
    expect(async_row).to_contain_text("Yes")
    hq.goto("/functionality-profiles/edit?code=ASYNC")
    expect(hq.get_by_role("link", name="S002", exact=True)).to_be_visible()  # who uses it

    hq.goto("/functionality-profiles/edit")
    hq.get_by_label("Code").fill("BACKUP")
    hq.get_by_label("Name").fill("Real time, async when HQ is slow")
    mode = hq.get_by_role("group", name="Create customer order in async mode")
    mode.get_by_role("radio", name="No").check()
    hq.get_by_role("group", name="Async backup").get_by_role("radio", name="Yes").check()
    hq.get_by_label("Async backup timeout (ms)").fill("3000")
    hq.get_by_role("button", name="Create functionality profile").click()

    expect(hq.locator("[data-notice]")).to_contain_text("saved")
    saved = hq_api.get("/api/v1/functionality-profiles/BACKUP").json()
    assert (saved["is_async"], saved["is_async_backup"]) == (False, True)
    assert saved["async_backup_timeout_ms"] == 3000
    stores = {s["code"]: s["profile_code"] for s in hq_api.get("/api/v1/stores").json()}
    assert stores == {"S001": "SYNC", "S002": "ASYNC"}


def test_a_store_that_does_not_answer_is_named_and_nothing_is_lost(
    hq: Page, servers: Servers, hq_api: httpx.Client
) -> None:
    before = hq_api.get("/api/v1/store-transactions").json()
    servers.stores["S002"].kill()  # last test of the module: S002 stays down

    hq.goto("/store-transactions")
    result = run_job(hq, "Run P-job", "pull")

    expect(count(result, "pulled")).to_have_text("0")
    expect(hq.locator("[data-unreachable]")).to_contain_text("S002")
    expect(hq.locator("[data-unreachable]")).to_contain_text("Nothing is lost")
    assert hq_api.get("/api/v1/store-transactions").json() == before

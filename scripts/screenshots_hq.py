#!/usr/bin/env python3
"""Screenshots of the HQ back office at 1024×768 into docs/screenshots/hq-*.png.

Starts HQ, store S001 and the async store S002 on loopback (tests/servers.py), creates an
order with a ship line through the store's API, and in Debian's Chromium saves: retail
parameters (and an error), sales orders, a sales order before and after shipping, a customer,
and a product. Then async mode: orders taken at S002 (one for a customer HQ does not know),
store transactions after Synchronize orders with the failed row, and S002's POS pages of an
order pending sync and of the failed one (docs/screenshots/order-detail-async*.png).
Run: .venv/bin/python scripts/screenshots_hq.py
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from tests.builders import HOME_C0001  # noqa: E402
from tests.servers import running_servers, sign_in  # noqa: E402

from omniorder.adapters.db import make_engine, make_session_factory  # noqa: E402
from omniorder.adapters.orm import CustomerRow  # noqa: E402
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZE = {"width": 1024, "height": 768}


def shoot(page: Page, name: str, *, full_page: bool = False, prefix: str = "hq-") -> None:
    path = OUT / f"{prefix}{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"wrote {path.relative_to(ROOT)}")


def create_order(store_url: str) -> str:
    soon = datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=3)
    body = {
        "customer_account": "C0001",
        "lines": [
            {
                "sku": "SOFA-3S",
                "quantity": 1,
                "fulfilment": "ship",
                "requested_date": str(soon),
                "delivery_mode": "STD",
                "ship_to_address_id": str(HOME_C0001),
            },
            {
                "sku": "CHAIR-ARM",
                "quantity": 2,
                "fulfilment": "ship",
                "requested_date": str(soon),
                "delivery_mode": "STD",
                "ship_to_address_id": str(HOME_C0001),
            },
            {"sku": "VASE-GLASS", "quantity": 1, "fulfilment": "carry_out"},
        ],
        "payments": [{"tender": "card", "amount": "300.00", "card_number": "4242424242424242"}],
    }
    created = httpx.post(
        f"{store_url}/api/v1/customer-orders",
        json=body,
        headers=sign_in(store_url, "1001", "cashier1"),
        timeout=20,
    )
    created.raise_for_status()
    return str(created.json()["sales_order_number"])


def take_async_order(store_url: str, customer: str) -> str:
    """A floor lamp to pick up at the async store S002 (149.99 + 6.625 % tax, 10 % deposit)."""
    soon = datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=3)
    body = {
        "customer_account": customer,
        "lines": [
            {
                "sku": "LAMP-FLOOR",
                "quantity": 1,
                "fulfilment": "pickup",
                "requested_date": str(soon),
                "pickup_store": "S002",
            }
        ],
        "payments": [{"tender": "cash", "amount": "15.99"}],
    }
    created = httpx.post(
        f"{store_url}/api/v1/customer-orders",
        json=body,
        headers=sign_in(store_url, "2001", "cashier2"),
        timeout=20,
    )
    created.raise_for_status()
    return str(created.json()["channel_ref"])


def add_store_only_customer(store_db: Path) -> None:
    """A customer S002 has in its channel cache but HQ does not: its order fails at HQ."""
    engine = make_engine(f"sqlite:///{store_db}")
    with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
        uow.records.put(CustomerRow(account="C0999", name="Grace Newcomer"))
        uow.commit()
    engine.dispose()


def run_job(page: Page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    page.locator("[data-job-result]").wait_for()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_servers(Path(tmp), stores=("S001", "S002"), async_stores=("S002",)) as servers,
        sync_playwright() as playwright,
    ):
        number = create_order(servers.store_url("S001"))
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(base_url=servers.hq_url, viewport=SIZE)
        page = context.new_page()
        page.goto("/signin")
        page.get_by_label("Operator id").fill("admin")
        shoot(page, "signin")
        page.get_by_label("Password").fill("hqadmin1")
        page.get_by_role("button", name="Sign in").click()
        page.locator("[data-results]").wait_for()
        shoot(page, "sales-orders")

        page.goto("/parameters")
        shoot(page, "parameters")
        page.get_by_label("Shipping charge code").fill("FREIGHT")
        page.get_by_label("Default deposit").fill("12.5")
        page.get_by_role("button", name="Save parameters").click()
        page.locator("[data-error-summary]").wait_for()
        shoot(page, "parameters-error")

        page.goto(f"/sales-orders/{number}")
        shoot(page, "sales-order")
        page.set_viewport_size({"width": 768, "height": 1024})
        shoot(page, "sales-order-tablet", full_page=True)
        page.set_viewport_size(SIZE)
        page.locator('[data-ship-line="2"]').fill("1")
        page.get_by_role("button", name="Show amount").click()
        page.locator("[data-ship-amounts]").wait_for()
        page.locator("#ship").scroll_into_view_if_needed()
        shoot(page, "sales-order-ship")
        page.get_by_role("button", name="Ship and invoice").click()
        page.locator("[data-shipment]").wait_for()
        shoot(page, "sales-order-shipped")
        shoot(page, "sales-order-shipped-full", full_page=True)

        page.goto("/customers/edit?account=C0001")
        shoot(page, "customer")
        page.goto("/stores/edit?code=S001")
        shoot(page, "store", full_page=True)
        page.goto("/functionality-profiles")
        shoot(page, "profiles")
        page.goto("/inventory?q=SOFA")
        shoot(page, "inventory")

        # Async mode: one order goes through, one fails (unknown customer at HQ).
        s002 = servers.store_url("S002")
        add_store_only_customer(Path(tmp) / "store-S002.db")
        take_async_order(s002, "C0001")
        failing = take_async_order(s002, "C0999")
        page.goto("/store-transactions")
        run_job(page, "Run P-job")
        run_job(page, "Synchronize orders")
        shoot(page, "store-transactions")
        run_job(page, "Run P-job")  # tells S002 how both went
        pending = take_async_order(s002, "C0001")

        pos = browser.new_context(base_url=s002, viewport=SIZE).new_page()
        pos.goto("/signin")
        pos.get_by_label("Operator id").fill("2001")
        pos.get_by_label("Password").fill("cashier2")
        pos.get_by_role("button", name="Sign in").click()
        pos.wait_for_url(f"{s002}/")
        pos.goto(f"/orders/{pending}")
        shoot(pos, "order-detail-async", prefix="")
        pos.goto(f"/orders/{pending}/receipt")
        shoot(pos, "receipt-async", prefix="")
        pos.goto(f"/orders/{failing}")
        shoot(pos, "order-detail-async-failed", prefix="")
        browser.close()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Screenshots of the store POS at 1024×768 into docs/screenshots/ (the order page also at
768×1024, a tablet held upright).

Starts HQ and store S001 on loopback (tests/servers.py), takes a hybrid order in Debian's
Chromium and saves: sign-in, new order (filled in, with totals), receipt, order detail, and
the order actions: pick up (amount due shown), cancel (refund shown), return (refused until
a manager approves the shipping refund).
Run: .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from tests.servers import running_servers, sign_in  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZE = {"width": 1024, "height": 768}
TABLET = {"width": 768, "height": 1024}  # a tablet held upright: nothing may scroll sideways


def shoot(page: Page, name: str, *, full_page: bool = False) -> None:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"wrote {path.relative_to(ROOT)}")


def fill_order(page: Page, soon: str) -> None:
    page.goto("/orders/new")
    page.locator("#customer_q").fill("Lovelace")
    page.locator("#customer_q").press("Enter")
    page.locator("[data-customer]").wait_for()
    for code, quantity in (("SOFA-3S", 1), ("0400000000048", 2), ("VASE-GLASS", 1)):
        count = page.locator("fieldset.line").count()
        page.locator("#product_q").fill(code)
        page.locator("#product_qty").fill(str(quantity))
        page.locator("#product_q").press("Enter")
        page.locator(f"#line-{count}").wait_for()

    def choose(index: int, value: str) -> None:
        page.locator(f'#line-{index} label.seg-option:has(input[value="{value}"])').click()

    choose(0, "ship")
    page.locator('[name="lines[0].requested_date"]').fill(soon)
    choose(1, "pickup@S002")
    page.locator('[name="lines[1].requested_date"]').fill(soon)
    page.locator('[name="lines[1].pickup_by"]').fill("Charles Babbage")
    choose(2, "carry_out")
    page.locator("#deposit_override").fill("50.00")
    page.locator("#manager_override-operator_id").fill("1002")
    page.locator("#manager_override-password").fill("manager1")
    page.get_by_role("button", name="Update totals").click()
    page.locator("[data-totals]").wait_for()
    page.locator("#payments-0-card_number").fill("4242 4242 4242 4242")


def action_pages(page: Page, store_url: str, soon: str) -> None:
    """Orders taken through the JSON API, then the pickup, cancel and return pages."""
    api = httpx.Client(base_url=store_url, headers=sign_in(store_url, "1001", "cashier1"))

    def order(*skus: tuple[str, int]) -> dict[str, object]:
        body = {
            "customer_account": "C0004",
            "lines": [
                {"sku": sku, "quantity": qty, "fulfilment": "pickup", "requested_date": soon,
                 "pickup_store": "S001", "pickup_by": "Dorothy Vaughan"}
                for sku, qty in skus
            ],
            "deposit_override": "50.00",
            "manager_override": {"operator_id": "1002", "password": "manager1"},
            "payments": [{"tender": "card", "amount": "50.00", "card_number": "4242424242424242"}],
        }  # fmt: skip
        response = api.post("/api/v1/customer-orders", json=body)
        response.raise_for_status()
        result: dict[str, object] = response.json()
        return result

    pickup = order(("LAMP-FLOOR", 2), ("CHAIR-ARM", 1))
    page.goto(f"/orders/{pickup['channel_ref']}/pickup")
    lamp_id = pickup["lines"][0]["id"]  # type: ignore[index]
    chair_id = pickup["lines"][1]["id"]  # type: ignore[index]
    page.locator(f'[name="lines.{lamp_id}"]').fill("1")
    page.locator(f'[name="lines.{chair_id}"]').fill("0")
    page.get_by_role("button", name="Show amount").click()
    page.locator('label.seg-option:has(input[value="cash"])').click()
    page.locator("#cash_tendered").fill("200")
    page.locator("#cash_tendered").dispatch_event("input")
    shoot(page, "pickup")

    cancel = order(("RUG-WOOL", 1))
    page.goto(f"/orders/{cancel['channel_ref']}/cancel")
    shoot(page, "cancel")

    ret = order(("LAMP-FLOOR", 1))
    lamp = ret["lines"][0]["id"]  # type: ignore[index]
    api.post(
        f"/api/v1/customer-orders/{ret['channel_ref']}/pickups",
        json={"lines": {lamp: 1}, "collected_by": "Katherine Johnson",
              "payments": [{"tender": "cash", "amount": "113.30"}]},
    ).raise_for_status()  # fmt: skip
    page.goto(f"/orders/{ret['channel_ref']}/return")
    page.locator('[name="lines[0].quantity"]').fill("1")
    page.locator('[name="lines[0].reason_code"]').select_option("damaged")
    page.locator("#shipping_refund").fill("25.00")
    page.get_by_role("button", name="Return and refund").click()
    page.locator("[data-manager]").wait_for()
    shoot(page, "return-needs-manager")
    page.get_by_label("Manager id").fill("1002")
    page.get_by_label("Manager password").fill("manager1")
    page.get_by_role("button", name="Return and refund").click()
    page.locator("[data-returns]").wait_for()
    shoot(page, "order-detail-after-return", full_page=True)
    page.locator('[data-receipt-for="returned"]').click()
    page.locator("[data-document]").wait_for()
    shoot(page, "document-return-receipt", full_page=True)

    # A pick list, then the home page's work lists.
    due = order(("PILLOW-2", 2))
    api.post(f"/api/v1/customer-orders/{due['channel_ref']}/pick-lists", json={}).raise_for_status()
    page.goto(f"/orders/{due['channel_ref']}/documents/pick-list")
    page.emulate_media(media="print")
    shoot(page, "document-pick-list-print", full_page=True)
    page.emulate_media(media="screen")
    page.goto("/")
    shoot(page, "home-work-lists", full_page=True)
    api.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    soon = (datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=3)).isoformat()
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_servers(Path(tmp)) as servers,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(base_url=servers.store_url("S001"), viewport=SIZE)
        page = context.new_page()
        page.goto("/signin")
        page.get_by_label("Operator id").fill("1001")
        shoot(page, "signin")
        page.get_by_label("Password").fill("cashier1")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Hello, Casey Downtown").wait_for()
        shoot(page, "home")

        fill_order(page, soon)
        page.evaluate("window.scrollTo(0, 0)")
        shoot(page, "new-order")
        # The manager types the password at the till: the page never shows it back.
        page.locator("#manager_override-password").fill("manager1")
        shoot(page, "new-order-full", full_page=True)

        started = time.monotonic()
        page.get_by_role("button", name="Create order and pay").click()
        page.locator("[data-channel-ref]").wait_for()
        print(f"order created in {time.monotonic() - started:.1f} s")
        shoot(page, "receipt")
        page.emulate_media(media="print")
        shoot(page, "receipt-print", full_page=True)
        page.emulate_media(media="screen")

        page.get_by_role("link", name="Open order").click()
        page.locator("table.lines-table").wait_for()
        shoot(page, "order-detail")
        shoot(page, "order-detail-full", full_page=True)
        page.set_viewport_size(TABLET)
        shoot(page, "order-detail-tablet", full_page=True)
        page.set_viewport_size(SIZE)
        page.locator('[data-receipt-for="order_created"]').click()
        page.locator("[data-document]").wait_for()
        page.emulate_media(media="print")
        shoot(page, "document-order-receipt-print", full_page=True)
        page.emulate_media(media="screen")

        page.goto("/orders?q=lovelace")
        shoot(page, "find")

        page.goto("/orders/new")
        page.locator("#customer_q").fill("Hopper")
        page.locator("#customer_q").press("Enter")
        page.locator("[data-customer]").wait_for()
        page.locator("#product_q").fill("RUG-WOOL")
        page.locator("#product_q").press("Enter")
        page.locator("#line-0").wait_for()
        page.locator('#line-0 label.seg-option:has(input[value="pickup"])').click()
        page.locator('[name="lines[0].requested_date"]').fill("2020-01-01")
        page.locator("#payments-0-card_number").fill("4000000000000002")
        page.get_by_role("button", name="Create order and pay").click()
        page.locator("[data-error-summary]").wait_for()
        shoot(page, "new-order-errors")

        action_pages(page, servers.store_url("S001"), soon)
        browser.close()


if __name__ == "__main__":
    main()

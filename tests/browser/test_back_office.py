"""The HQ back office in a real browser: parameters, a product price, shipping a sales order.

Chromium (Debian's) drives real HQ and store servers on loopback (tests/servers.py); what
the pages did is checked through the HQ JSON API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from omniorder.domain.money import Money
from omniorder.entrypoints.web import format_money
from tests.builders import HOME_C0001
from tests.servers import Servers, running_servers, sign_in

pytestmark = pytest.mark.browser

SOON = datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=3)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    with running_servers(tmp_path_factory.mktemp("back-office")) as running:
        yield running


@pytest.fixture(scope="module")
def page(browser: Browser, servers: Servers) -> Iterator[Page]:
    """One signed-in back-office session for the module (signing in is tested on the way)."""
    context = browser.new_context(base_url=servers.hq_url, viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/parameters")
    expect(page).to_have_url(re.compile(r"/signin\?next=/parameters"))
    page.get_by_label("Operator id").fill("admin")
    page.get_by_label("Password").fill("hqadmin1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Retail parameters")).to_be_visible()
    yield page
    context.close()


@pytest.fixture(scope="module")
def admin(servers: Servers) -> dict[str, str]:
    return sign_in(servers.hq_url, "admin", "hqadmin1")


def hq_get(servers: Servers, admin: dict[str, str], path: str) -> dict[str, object]:
    response = httpx.get(f"{servers.hq_url}/api/v1/{path}", headers=admin, timeout=10)
    response.raise_for_status()
    result: dict[str, object] = response.json()
    return result


def error_for(page: Page, field: str) -> Locator:
    return page.locator(f'p.field-error[data-error-for="{field}"]')


def test_a_cashier_cannot_sign_in_to_the_back_office(browser: Browser, servers: Servers) -> None:
    context = browser.new_context(base_url=servers.hq_url)
    page = context.new_page()
    page.goto("/signin")
    page.get_by_label("Operator id").fill("1001")
    page.get_by_label("Password").fill("cashier1")
    page.get_by_role("button", name="Sign in").click()

    expect(error_for(page, "password")).to_have_text(
        "Casey Downtown may not sign in to the back office."
    )
    context.close()


def test_the_deposit_percentage_is_saved(
    page: Page, servers: Servers, admin: dict[str, str]
) -> None:
    page.goto("/parameters")
    page.get_by_label("Default deposit").fill("15")
    page.get_by_label("Maximum shipping refund without approval").fill("25.50")
    page.get_by_role("button", name="Save parameters").click()

    expect(page.locator("[data-notice]")).to_contain_text("Retail parameters saved")
    expect(page.get_by_label("Default deposit")).to_have_value("15")
    saved = hq_get(servers, admin, "parameters")
    assert Decimal(str(saved["default_deposit_percent"])) == Decimal("15")
    assert saved["max_shipping_refund_without_approval_amount"] == 2550


def test_an_unknown_charge_code_is_refused_next_to_its_field(
    page: Page, servers: Servers, admin: dict[str, str]
) -> None:
    before = hq_get(servers, admin, "parameters")
    page.goto("/parameters")
    page.get_by_label("Default deposit").fill("40")
    page.get_by_label("Cancellation charge code").fill("NOPE")
    page.get_by_role("button", name="Save parameters").click()

    expect(error_for(page, "cancellation_charge_code")).to_have_text(
        "Charge code NOPE does not exist."
    )
    expect(page.get_by_label("Cancellation charge code")).to_have_value("NOPE")
    expect(page.get_by_label("Default deposit")).to_have_value("40")
    assert hq_get(servers, admin, "parameters") == before


def test_a_percentage_in_words_errors_next_to_its_field(page: Page) -> None:
    page.goto("/parameters")
    page.get_by_label("Cancellation charge", exact=True).fill("150")
    page.get_by_label("Quote expiration").fill("soon")
    page.get_by_role("button", name="Save parameters").click()

    expect(error_for(page, "quote_expiration_days")).to_have_text("Enter a whole number.")
    page.get_by_label("Quote expiration").fill("30")
    page.get_by_role("button", name="Save parameters").click()
    expect(error_for(page, "cancellation_charge_percent")).to_have_text("Enter 100 % or less.")


def test_a_product_price_is_edited(page: Page, servers: Servers, admin: dict[str, str]) -> None:
    page.goto("/products")
    page.get_by_label("Search products and prices").fill("armchair")
    page.keyboard.press("Enter")
    rows = page.locator("[data-records] tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name=re.compile("Edit")).click()
    expect(page.get_by_label("Price")).to_have_value("549.00")
    page.get_by_label("Price").fill("5,49")
    page.get_by_role("button", name="Save product").click()
    expect(error_for(page, "price_amount")).to_have_text("Enter an amount like 20.00.")

    page.get_by_label("Price").fill("499.95")
    page.get_by_role("button", name="Save product").click()

    expect(page.locator("[data-notice]")).to_have_text("Product CHAIR-ARM saved.")
    expect(page.locator("[data-records]")).to_contain_text("$499.95")
    product = hq_get(servers, admin, "products/CHAIR-ARM")
    assert product["price_amount"] == 49995
    assert product["name"] == "Armchair, walnut frame"
    assert product["is_active"] is True


def ship_order() -> dict[str, object]:
    return {
        "customer_account": "C0001",
        "lines": [
            {
                "sku": "SOFA-3S",
                "quantity": 2,
                "fulfilment": "ship",
                "requested_date": str(SOON),
                "delivery_mode": "STD",
                "ship_to_address_id": str(HOME_C0001),
            },
        ],
        "payments": [{"tender": "card", "amount": "500.00", "card_number": "4242424242424242"}],
    }


def test_an_order_is_found_shipped_and_invoiced(
    page: Page, servers: Servers, admin: dict[str, str]
) -> None:
    store = servers.store_url("S001")
    created = httpx.post(
        f"{store}/api/v1/customer-orders",
        json=ship_order(),
        headers=sign_in(store, "1001", "cashier1"),
        timeout=20,
    )
    assert created.status_code == 201, created.text
    number = created.json()["sales_order_number"]
    total = created.json()["totals"]["order_total"]

    page.goto("/sales-orders")
    page.get_by_label("Number, reference or customer").fill("lovelace")
    page.get_by_label("Store").select_option("S001")
    page.keyboard.press("Enter")
    page.locator("[data-results]").get_by_role("link", name=f"Open {number}").click()
    expect(page.locator("[data-status]")).to_have_text("Open")
    qty = page.locator('[data-ship-line="1"]')
    qty.fill("3")
    page.get_by_role("button", name="Ship and invoice").click()
    line_id = created.json()["lines"][0]["id"]
    expect(error_for(page, f"lines.{line_id}")).to_have_text("Only 2 of SOFA-3S are left to ship.")

    page.locator('[data-ship-line="1"]').fill("2")
    page.get_by_role("button", name="Ship and invoice").click()

    notice = page.locator("[data-shipment]")
    expect(notice).to_contain_text("Shipped and invoiced: INV-")
    expect(notice).to_contain_text("captured from card ···· 4242")
    expect(page.locator("[data-status]")).to_have_text("Invoiced")
    expect(page.locator("[data-amount=balance]")).to_have_text("$0.00")
    order = hq_get(servers, admin, f"sales-orders/{number}")
    assert [(ln["invoiced_qty"], ln["quantity"]) for ln in order["lines"]] == [(2, 2)]  # type: ignore[union-attr, index]
    invoices = order["invoices"]
    assert len(invoices) == 1  # type: ignore[arg-type]
    assert invoices[0]["number"] in notice.inner_text()  # type: ignore[index]
    balance = [p for p in order["payments"] if p["purpose"] == "balance"]  # type: ignore[union-attr, index]
    assert len(balance) == 1
    assert balance[0]["tender"] == "card"
    assert Decimal(balance[0]["amount"]) == Decimal(total) - Decimal("500.00")
    shown = format_money(Money.parse(balance[0]["amount"]))
    assert notice.locator("[data-balance]").inner_text() == shown
    paid = sum(Decimal(p["amount"]) for p in order["payments"])  # type: ignore[union-attr, index]
    assert paid == Decimal(total)

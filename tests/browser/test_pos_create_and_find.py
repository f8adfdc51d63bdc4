"""The POS in a real browser: sign in, take a hybrid order, find it; errors next to fields.

Chromium (Debian's) drives real HQ and store servers on loopback (tests/servers.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.servers import Servers, running_servers, sign_in

pytestmark = pytest.mark.browser

STORE_TODAY = datetime.now(ZoneInfo("America/New_York")).date()
SOON = STORE_TODAY + timedelta(days=3)
YESTERDAY = STORE_TODAY - timedelta(days=1)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    with running_servers(tmp_path_factory.mktemp("pos")) as running:
        yield running


@pytest.fixture
def page(browser: Browser, servers: Servers) -> Iterator[Page]:
    context = browser.new_context(
        base_url=servers.store_url("S001"), viewport={"width": 1024, "height": 768}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in_as(page: Page, operator_id: str = "1001", password: str = "cashier1") -> None:
    page.goto("/signin")
    page.get_by_label("Operator id").fill(operator_id)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("Hello"))).to_be_visible()


def error_for(page: Page, field: str) -> Locator:
    return page.locator(f'p.field-error[data-error-for="{field}"]')


def line(page: Page, index: int) -> Locator:
    return page.locator(f"#line-{index}")


def choose(line: Locator, fulfilment: str) -> None:
    line.locator(f'label.seg-option:has(input[value="{fulfilment}"])').click()


def pick_customer(page: Page, text: str, name: str) -> None:
    page.get_by_label("Search", exact=False).first.fill(text)
    page.keyboard.press("Enter")
    expect(page.locator("[data-customer]")).to_contain_text(name)


def add_product(page: Page, code: str, quantity: int = 1) -> None:
    count = page.locator("fieldset.line").count()
    page.locator("#product_q").fill(code)
    page.locator("#product_qty").fill(str(quantity))
    page.locator("#product_q").press("Enter")
    expect(page.locator("fieldset.line")).to_have_count(count + 1)


def orders_of(servers: Servers, customer: str) -> list[dict[str, object]]:
    url = servers.store_url("S001")
    headers = sign_in(url, "1001", "cashier1")
    response = httpx.get(
        f"{url}/api/v1/customer-orders", params={"customer": customer}, headers=headers
    )
    response.raise_for_status()
    result: list[dict[str, object]] = response.json()
    return result


def test_a_hybrid_order_with_a_manager_approved_deposit_is_created_and_found(
    page: Page, servers: Servers
) -> None:
    # Given a cashier at store S001
    sign_in_as(page)
    page.get_by_role("link", name="New customer order").click()

    # When they take a ship line, a pickup line at S002 and a carry-out line
    pick_customer(page, "Lovelace", "Ada Lovelace")
    add_product(page, "SOFA-3S")
    add_product(page, "0400000000048", quantity=2)  # the floor lamp's barcode
    add_product(page, "VASE-GLASS")
    expect(line(page, 1)).to_contain_text("Floor lamp, brass")
    # with HQ's stock of this moment, not the store's cached channel data
    expect(line(page, 1).get_by_label("Availability")).to_have_attribute("data-stock", "hq")

    ship, pickup, carry = line(page, 0), line(page, 1), line(page, 2)
    choose(ship, "ship")
    ship.locator('[name="lines[0].requested_date"]').fill(SOON.isoformat())
    ship.locator('[name="lines[0].delivery_mode"]').select_option("STD")
    choose(pickup, "pickup@S002")
    pickup.locator('[name="lines[1].requested_date"]').fill(SOON.isoformat())
    pickup.locator('[name="lines[1].pickup_by"]').fill("Charles Babbage")
    choose(carry, "carry_out")

    # with a deposit override that the cashier may not give, approved by the manager
    page.locator("#deposit_override").fill("50.00")
    page.get_by_label("Manager id").fill("1002")
    page.locator("#manager_override-password").fill("manager1")
    page.get_by_role("button", name="Update totals").click()

    # then the totals show the overridden deposit plus the carry-out line as due now
    totals = page.locator("[data-totals]")
    expect(totals).to_contain_text("overridden")
    expect(page.locator('[data-total="deposit"]')).to_have_text("$50.00")
    expect(page.locator('[data-total="due"]')).to_have_text("$77.21")  # 50.00 + 24.99 + tax
    expect(page.locator("#payments-0-amount")).to_have_value("77.21")
    # and the manager's password is not put back into the page (it used to be): the manager
    # enters it again to approve the order itself
    expect(page.locator("#manager_override-password")).to_have_value("")
    assert "manager1" not in page.content()
    page.locator("#manager_override-password").fill("manager1")

    # When they pay by test card
    page.locator("#payments-0-card_number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile("Create order and pay")).click()

    # Then the receipt shows the store's reference and HQ's sales order number
    expect(page.get_by_role("heading", name="Order created")).to_be_visible()
    channel_ref = page.locator("[data-channel-ref]").inner_text()
    assert re.fullmatch(r"S001-\d{6}", channel_ref)
    expect(page.locator("[data-sales-order]")).to_have_text(re.compile(r"^SO-\d{6}$"))
    receipt = page.locator("article.receipt")
    expect(receipt).to_contain_text("Charles Babbage")
    expect(receipt).to_contain_text("···· 4242")
    expect(page.locator('[data-total="paid"]')).to_have_text("$77.21")

    # When they find it by the customer's name
    page.get_by_role("link", name="Find an order").click()
    page.get_by_label("Number, reference or customer").fill("lovelace")
    page.get_by_role("button", name="Search").click()
    results = page.locator("[data-results]")
    expect(results).to_contain_text(channel_ref)
    results.get_by_role("link", name=f"Open {channel_ref}").click()

    # Then the detail shows each line's fulfilment and quantities, payments and history
    expect(page.locator("[data-channel-ref]")).to_have_text(channel_ref)
    lines = page.locator("table.lines-table tbody tr")
    expect(lines).to_have_count(3)
    expect(lines.nth(0)).to_contain_text("Ship")
    expect(lines.nth(1)).to_contain_text("Pick up at Airport")
    expect(lines.nth(2)).to_contain_text("Carry out")
    expect(page.locator("ol.history")).to_contain_text("approved by Morgan Downtown")
    expect(page.locator("[data-actions]")).to_be_visible()


def test_a_declined_card_is_shown_next_to_the_card_number_and_creates_nothing(
    page: Page, servers: Servers
) -> None:
    # Given a filled-in order for Grace Hopper
    sign_in_as(page)
    page.goto("/orders/new")
    pick_customer(page, "555-0102", "Grace Hopper")
    add_product(page, "RUG-WOOL")
    choose(line(page, 0), "pickup")
    page.locator('[name="lines[0].requested_date"]').fill(SOON.isoformat())

    # When the card is declined
    page.locator("#payments-0-card_number").fill("4000000000000002")
    page.get_by_role("button", name=re.compile("Create order and pay")).click()

    # Then the reason is next to the card number, the form is still filled in
    expect(error_for(page, "payments[0].card_number")).to_contain_text("declined")
    expect(page.locator("#payments-0-card_number")).to_have_attribute("aria-invalid", "true")
    # and the card number is not put back into the page (it used to be)
    expect(page.locator("#payments-0-card_number")).to_have_value("")
    assert "4000000000000002" not in page.content()
    expect(page.locator("[data-customer]")).to_contain_text("Grace Hopper")
    expect(page.locator('[name="lines[0].requested_date"]')).to_have_value(SOON.isoformat())
    # and no order exists
    assert orders_of(servers, "C0002") == []


def test_a_pickup_date_in_the_past_is_shown_next_to_that_lines_date(
    page: Page, servers: Servers
) -> None:
    sign_in_as(page)
    page.goto("/orders/new")
    pick_customer(page, "Turing", "Alan Turing")
    add_product(page, "PILLOW-2")
    add_product(page, "CHAIR-ARM")
    choose(line(page, 0), "carry_out")
    choose(line(page, 1), "pickup")
    page.locator('[name="lines[1].requested_date"]').fill(YESTERDAY.isoformat())
    page.locator("#payments-0-card_number").fill("4242424242424242")

    page.get_by_role("button", name=re.compile("Create order and pay")).click()

    date_error = error_for(page, "lines[1].requested_date")
    expect(date_error).to_contain_text("before today")
    expect(line(page, 1).locator("p.field-error")).to_have_count(1)
    expect(page.locator('[name="lines[1].requested_date"]')).to_have_value(YESTERDAY.isoformat())
    assert orders_of(servers, "C0003") == []


def test_a_wrong_password_is_shown_next_to_the_password(page: Page) -> None:
    page.goto("/signin")
    page.get_by_label("Operator id").fill("1001")
    page.get_by_label("Password").fill("not-it")
    page.get_by_role("button", name="Sign in").click()
    expect(error_for(page, "password")).to_contain_text("operator id or password is wrong")
    expect(page.get_by_label("Operator id")).to_have_value("1001")


def test_a_form_with_a_wrong_csrf_token_is_refused_in_words(page: Page) -> None:
    sign_in_as(page)
    page.goto("/orders/new")
    page.eval_on_selector("form[data-cart] input[name=csrf_token]", "e => e.value = 'forged'")
    page.locator("#customer_q").fill("Ada")
    page.get_by_role("button", name=re.compile("Find customer")).click()
    expect(page.get_by_role("heading", name="This form has expired")).to_be_visible()


def test_pages_send_a_visitor_who_is_not_signed_in_to_the_sign_in_page(page: Page) -> None:
    page.goto("/orders")
    expect(page).to_have_url(re.compile(r"/signin\?next=/orders$"))
    page.get_by_label("Operator id").fill("1001")
    page.get_by_label("Password").fill("cashier1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Find an order")).to_be_visible()

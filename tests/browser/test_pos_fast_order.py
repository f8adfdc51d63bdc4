"""The README's hybrid order at the POS, counted: actions and full page loads (issue 11's
target: at most 10 actions and 3 full loads), then its barcode opens it again.

What counts as one action: a click, a choice in a list, a field typed (a search typed and
sent with Enter is one entry, as a scanner's code and Enter are one scan), a function key.
A full page load is a `load` event of the page (a form the page posts in place with htmx
loads no page). Counting starts on the home page, signed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from omniorder.entrypoints.barcodes import qr_svg
from tests.servers import Servers, running_servers, sign_in

pytestmark = pytest.mark.browser

STORE_TODAY = datetime.now(ZoneInfo("America/New_York")).date()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    with running_servers(tmp_path_factory.mktemp("pos-fast")) as running:
        yield running


@pytest.fixture
def page(browser: Browser, servers: Servers) -> Iterator[Page]:
    context = browser.new_context(
        base_url=servers.store_url("S001"), viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/signin")
    page.get_by_label("Operator id").fill("1001")
    page.get_by_label("Password").fill("cashier1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("Hello"))).to_be_visible()
    yield page
    context.close()


class Counted:
    """The associate's hands: every gesture goes through here and is counted."""

    def __init__(self, page: Page) -> None:
        self.page, self.actions, self.loads = page, 0, 0
        page.on("load", self._loaded)

    def _loaded(self, _page: Page) -> None:
        self.loads += 1

    def click(self, target: Locator) -> None:
        self.actions += 1
        target.click()

    def choose(self, select: Locator, value: str) -> None:
        self.actions += 1
        select.select_option(value)

    def type(self, field: Locator, text: str) -> None:
        self.actions += 1
        field.fill(text)

    def enter(self, field: Locator, text: str) -> None:
        """A search typed and sent, or a scan: the code, then Enter."""
        self.actions += 1
        field.fill(text)
        field.press("Enter")

    def key(self, name: str) -> None:
        self.actions += 1
        self.page.keyboard.press(name)


def scan(hands: Counted, page: Page, barcode: str) -> None:
    lines = page.locator("fieldset.line").count()
    hands.enter(page.locator("#product_q"), barcode)
    expect(page.locator("fieldset.line")).to_have_count(lines + 1)


def option(page: Page, line: int, value: str) -> Locator:
    return page.locator(f'#line-{line} label.seg-option:has(input[value="{value}"])')


def test_the_readme_hybrid_order_takes_ten_actions_and_two_page_loads(
    page: Page, servers: Servers
) -> None:
    # Given a cashier on the home page
    hands = Counted(page)

    # When they take the README's order: Ada Lovelace; a sofa shipped home, two floor lamps
    # picked up at the Airport store by Charles Babbage, a vase carried out; paid by card
    hands.enter(page.get_by_label("New order for"), "Lovelace")
    expect(page.locator("[data-customer]")).to_contain_text("Ada Lovelace")
    scan(hands, page, "0400000000017")  # the sofa
    hands.click(option(page, 0, "ship"))
    hands.type(page.locator("#product_qty"), "2")
    scan(hands, page, "0400000000048")  # the floor lamp
    hands.click(option(page, 1, "pickup@S002"))
    hands.type(page.locator('[name="lines[1].pickup_by"]'), "Charles Babbage")
    scan(hands, page, "0400000000086")  # the vase: in stock here, so carried out
    expect(page.locator('[data-total="due"]')).to_have_text("$201.71")
    hands.type(page.locator("#payments-0-card_number"), "4242 4242 4242 4242")
    hands.key("F9")

    # Then the order is created as the README says
    expect(page.get_by_role("heading", name="Order created")).to_be_visible()
    expect(page.locator('[data-total="paid"]')).to_have_text("$201.71")
    assert hands.actions == 10
    assert hands.loads == 2  # the new-order page, the receipt
    assert hands.actions <= 10
    assert hands.loads <= 3

    # and each line is as chosen, with the suggested dates
    ref = page.locator("[data-channel-ref]").inner_text()
    url = servers.store_url("S001")
    order = httpx.get(
        f"{url}/api/v1/customer-orders/{ref}", headers=sign_in(url, "1001", "cashier1")
    ).json()
    lines = [(li["sku"], li["quantity"], li["fulfilment"], li["location"]) for li in order["lines"]]
    assert lines == [
        ("SOFA-3S", 1, "ship", "WH1"),
        ("LAMP-FLOOR", 2, "pickup", "S002"),
        ("VASE-GLASS", 1, "carry_out", "S001"),
    ]
    assert [li["requested_date"] for li in order["lines"]] == [
        str(STORE_TODAY + timedelta(days=3)),
        str(STORE_TODAY + timedelta(days=1)),
        None,
    ]
    assert order["lines"][1]["pickup_by"] == "Charles Babbage"
    assert order["totals"]["order_value"] == "1744.97"

    # and the receipt carries the order's barcode: a QR code of its reference
    path = page.locator("article.receipt .doc-code svg path")
    expect(path).to_have_count(1)
    expected = re.search(r' d="([^"]+)"', str(qr_svg(ref)))
    assert expected is not None
    assert path.get_attribute("d") == expected[1]

    # When the customer comes back and the associate scans that code into the home search
    page.goto("/")
    page.get_by_label("Order number, reference or customer name").fill(ref)
    page.keyboard.press("Enter")

    # Then the order opens at once, and by its sales order number too
    expect(page).to_have_url(re.compile(rf"/orders/{ref}$"))
    expect(page.locator("[data-channel-ref]")).to_have_text(ref)
    page.goto(f"/orders?q={order['sales_order_number'].lower()}")
    expect(page).to_have_url(re.compile(rf"/orders/{ref}$"))


def test_a_text_that_is_not_an_exact_number_still_lists_the_orders(page: Page) -> None:
    page.goto("/orders?q=SO-999999")
    expect(page).to_have_url(re.compile(r"/orders\?q=SO-999999$"))
    expect(page.get_by_role("heading", name=re.compile("Find"))).to_be_visible()


def test_the_cart_works_without_javascript(browser: Browser, servers: Servers) -> None:
    # Given a browser with JavaScript off
    context = browser.new_context(base_url=servers.store_url("S001"), java_script_enabled=False)
    page = context.new_page()
    page.goto("/signin")
    page.get_by_label("Operator id").fill("1001")
    page.get_by_label("Password").fill("cashier1")
    page.get_by_role("button", name="Sign in").click()

    # When the associate starts an order for a customer and adds a product
    page.get_by_label("New order for").fill("Hopper")
    page.get_by_role("button", name="Start").click()
    expect(page.locator("[data-customer]")).to_contain_text("Grace Hopper")
    page.locator("#product_q").fill("PILLOW-2")
    page.get_by_role("button", name=re.compile("^Add")).click()

    # Then the page (posted whole) shows the line, carried out as it is in stock
    expect(page.locator("fieldset.line")).to_have_count(1)
    expect(page.locator('#line-0 input[value="carry_out"]')).to_be_checked()

    # When they choose pickup at the Airport store instead and update the totals
    option(page, 0, "pickup@S002").click()
    page.get_by_role("button", name=re.compile("Update totals")).last.click()

    # Then the line is a pickup at S002 with tomorrow's date and the totals are shown
    expect(page.locator('#line-0 input[value="pickup@S002"]')).to_be_checked()
    tomorrow = str(STORE_TODAY + timedelta(days=1))
    expect(page.locator('[name="lines[0].requested_date"]')).to_have_value(tomorrow)
    expect(page.locator("[data-totals]")).to_be_visible()
    context.close()

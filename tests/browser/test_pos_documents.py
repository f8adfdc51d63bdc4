"""Printable documents and the POS home's work lists, in a real browser.

Every document is printed to PDF by Chromium and read back (pypdf): its amounts are the
order's, as the store's JSON API gives them. Orders are taken and moved through the API.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from tests.servers import Servers, running_servers, sign_in

pytestmark = pytest.mark.browser

TODAY = datetime.now(ZoneInfo("America/New_York")).date()
SOON = TODAY + timedelta(days=3)
MANAGER = {"operator_id": "1002", "password": "manager1"}
CARD = "4242424242424242"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("pos-documents")
    with running_servers(tmp, stores=("S001", "S002"), async_stores=("S002",)) as running:
        yield running


@pytest.fixture(scope="module")
def api(servers: Servers) -> Iterator[httpx.Client]:
    url = servers.store_url("S001")
    with httpx.Client(base_url=url, headers=sign_in(url, "1001", "cashier1"), timeout=20) as c:
        yield c


def signed_in_page(browser: Browser, url: str, operator: str, password: str) -> Page:
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/signin")
    page.get_by_label("Operator id").fill(operator)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("Hello"))).to_be_visible()
    return page


@pytest.fixture
def page(browser: Browser, servers: Servers) -> Iterator[Page]:
    page = signed_in_page(browser, servers.store_url("S001"), "1001", "cashier1")
    yield page
    page.context.close()


def post(api: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(path, json=body)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def pickup(sku: str, quantity: int, store: str, when: object = SOON) -> dict[str, object]:
    return {
        "sku": sku,
        "quantity": quantity,
        "fulfilment": "pickup",
        "requested_date": str(when),
        "pickup_store": store,
    }


def create(
    api: httpx.Client, customer: str, *lines: dict[str, object], deposit: str = "50.00"
) -> dict[str, Any]:
    """An order with a manager-approved `deposit`, paid by card."""
    return post(
        api,
        "/api/v1/customer-orders",
        {
            "customer_account": customer,
            "lines": list(lines),
            "deposit_override": deposit,
            "manager_override": MANAGER,
            "payments": [{"tender": "card", "amount": deposit, "card_number": CARD}],
        },
    )


def pdf_text(page: Page) -> str:
    """The page printed to PDF by Chromium, as the PDF's text without its spaces and line
    breaks (a narrow column breaks "S001-000001" in two)."""
    page.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(page.pdf(format="A4")))
    page.emulate_media(media="screen")
    return squeezed("".join(p.extract_text() for p in reader.pages))


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def money(amount: str) -> str:
    """An API amount ("1744.97", "-3.20") as the document prints its figures."""
    return f"{abs(Decimal(amount)):,.2f}"


def event(order: dict[str, Any], action: str) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in reversed(order["history"]) if e["action"] == action)
    return found


def test_every_operation_has_a_receipt_and_every_document_prints_with_the_orders_amounts(
    page: Page, api: httpx.Client
) -> None:
    # Given an order of two lamps to pick up here and a pillow to pick up at the Airport store
    order = create(api, "C0005", pickup("LAMP-FLOOR", 2, "S001"), pickup("PILLOW-2", 1, "S002"))
    ref = order["channel_ref"]
    lamp = order["lines"][0]["id"]

    # and the lamps picked from a pick list, handed over to a friend, one of them brought back
    post(api, f"/api/v1/customer-orders/{ref}/pick-lists", {})
    post(api, f"/api/v1/customer-orders/{ref}/picks", {"lines": {lamp: 2}})
    due = post(api, f"/api/v1/customer-orders/{ref}/pickups/preview", {"lines": {lamp: 2}})
    payments = [{"tender": "card", "amount": due["amount_due"], "card_number": CARD}]
    post(
        api,
        f"/api/v1/customer-orders/{ref}/pickups",
        {"lines": {lamp: 2}, "collected_by": "Charles Babbage", "payments": payments},
    )
    current = api.get(f"/api/v1/customer-orders/{ref}").json()
    invoice = current["invoices"][-1]
    post(
        api,
        f"/api/v1/customer-orders/{ref}/returns",
        {
            "invoice": invoice["number"] or invoice["id"],
            "lines": [{"line_id": lamp, "quantity": 1, "reason_code": "damaged"}],
        },
    )
    # and the rest of the order (the pillow) cancelled
    pillow = order["lines"][1]["id"]
    final = post(api, f"/api/v1/customer-orders/{ref}/line-cancellations", {"lines": {pillow: 1}})
    assert [line["cancelled_qty"] for line in final["lines"]] == [0, 1]
    # and another order cancelled whole
    other = create(api, "C0005", pickup("LAMP-FLOOR", 1, "S001"), deposit="20.00")
    cancelled = post(api, f"/api/v1/customer-orders/{other['channel_ref']}/cancellation", {})

    # Then each receipt, printed, shows the order's reference, the associate's name and the
    # amounts the operation recorded
    for of, action, title in (
        (final, "order_created", "Order receipt"),
        (final, "picked_up", "Pickup receipt"),
        (final, "returned", "Return receipt"),
        (final, "lines_cancelled", "Cancellation receipt"),
        (cancelled, "cancelled", "Cancellation receipt"),
    ):
        page.goto(f"/orders/{of['channel_ref']}")
        page.locator(f'[data-receipt-for="{action}"]').last.click()
        expect(page.get_by_role("heading", name=title).first).to_be_visible()
        expect(page.locator(".doc-code svg")).to_have_count(1)
        text = pdf_text(page)
        assert squeezed(title) in text
        assert of["channel_ref"] in text
        assert "CaseyDowntown" in text  # the associate, by name
        recorded = event(of, action)["amounts"]
        assert recorded, action
        for amount in recorded.values():
            assert money(amount) in text, (action, amount, text)

    # and the pickup receipt lists the lamps handed over, who collected them and the payment
    page.goto(f"/orders/{ref}")
    page.locator('[data-receipt-for="picked_up"]').click()
    text = pdf_text(page)
    assert "Floorlamp,brass" in text
    assert "CharlesBabbage" in text
    assert money(due["amount_due"]) in text
    assert money(invoice["total_amount"]) in text

    # and the order's receipt names the Airport store where the pillow was to be picked up,
    # with its address, under this store's own
    page.goto(f"/orders/{ref}")
    page.locator('[data-receipt-for="order_created"]').click()
    text = pdf_text(page)
    assert "PickupatAirport" in text
    assert squeezed("Terminal B, 3 Brewster Road") in text
    assert squeezed("120 Broadway") in text

    # and the pick list prints this store's lines to pick (the lamps; the Airport store
    # picks the pillow) and who made it
    page.goto(f"/orders/{ref}/documents/pick-list")
    expect(page.get_by_role("heading", name="Pick list").first).to_be_visible()
    text = pdf_text(page)
    assert "Floorlamp,brass" in text
    assert "Pillow,pair" not in text
    assert "PL-" in text
    assert "pickedbyCaseyDowntown" in text


def test_a_packing_slip_prints_the_ship_to_address(page: Page, api: httpx.Client) -> None:
    # Given an armchair to ship to Ada Lovelace, picked and packed here
    address = api.get("/api/v1/customers", params={"q": "ada"}).json()[0]["addresses"][0]["id"]
    ship = {
        "sku": "CHAIR-ARM",
        "quantity": 1,
        "fulfilment": "ship",
        "requested_date": str(SOON),
        "delivery_mode": "STD",
        "ship_to_address_id": address,
    }
    order = create(api, "C0001", ship)
    ref, chair = order["channel_ref"], order["lines"][0]["id"]
    post(api, f"/api/v1/customer-orders/{ref}/picks", {"lines": {chair: 1}})
    post(api, f"/api/v1/customer-orders/{ref}/packing-slips", {"lines": {chair: 1}})

    # When the associate prints the packing slip from the order page
    page.goto(f"/orders/{ref}")
    page.locator('[data-print-document="packing_slip"]').click()

    # Then it shows the armchair, the address and the order's totals are not on it
    expect(page.get_by_role("heading", name="Packing slip").first).to_be_visible()
    text = pdf_text(page)
    assert "Armchair,walnutframe" in text
    assert "10AnalyticalWay" in text
    assert ref in text
    assert "$" not in text


def test_a_document_the_order_does_not_have_is_refused_in_words(
    page: Page, api: httpx.Client
) -> None:
    order = create(api, "C0006", pickup("LAMP-FLOOR", 1, "S001"), deposit="20.00")
    response = page.goto(f"/orders/{order['channel_ref']}/documents/packing-slip")
    assert response is not None
    assert response.status == 404
    expect(page.locator("main")).to_contain_text("has no packing slip yet")


def test_the_home_page_lists_what_to_collect_and_to_pick_each_one_click_from_its_order(
    page: Page, api: httpx.Client
) -> None:
    # Given a pickup due today and one due in three days, both here
    today = create(api, "C0002", pickup("RUG-WOOL", 1, "S001", when=TODAY))
    later = create(api, "C0003", pickup("BOOK-CASE", 1, "S001", when=SOON))

    # When the associate opens the home page
    page.goto("/")

    # Then the one due today is to collect here; both are to pick
    collect = page.locator('[data-work="to-collect"]')
    pick = page.locator('[data-work="to-pick"]')
    expect(collect).to_contain_text(today["sales_order_number"])
    expect(collect).not_to_contain_text(later["sales_order_number"])
    expect(pick).to_contain_text(today["sales_order_number"])
    expect(pick).to_contain_text(later["sales_order_number"])
    # and a sync store has no "waiting to synchronize" list
    expect(page.locator('[data-work="waiting-to-sync"]')).to_have_count(0)

    # When they click the order in the list
    collect.get_by_role("link", name=today["sales_order_number"]).click()

    # Then the order opens
    expect(page.locator("[data-channel-ref]")).to_have_text(today["channel_ref"])


def test_an_async_store_lists_the_orders_waiting_to_synchronize(
    browser: Browser, servers: Servers
) -> None:
    # Given an order taken at the Airport store, which sends its orders to HQ in batches
    url = servers.store_url("S002")
    with httpx.Client(base_url=url, headers=sign_in(url, "2001", "cashier2"), timeout=20) as c:
        body = {
            "customer_account": "C0004",
            "lines": [pickup("LAMP-FLOOR", 1, "S002")],
            "deposit_override": "20.00",
            "manager_override": {"operator_id": "2002", "password": "manager2"},
            "payments": [{"tender": "card", "amount": "20.00", "card_number": CARD}],
        }
        order = post(c, "/api/v1/customer-orders", body)

    # When an associate there opens the home page
    page = signed_in_page(browser, url, "2001", "cashier2")

    # Then the order is waiting to synchronize, one click from its page
    waiting = page.locator('[data-work="waiting-to-sync"]')
    expect(waiting).to_contain_text(order["channel_ref"])
    waiting.get_by_role("link", name=order["channel_ref"]).click()
    expect(page.locator("[data-channel-ref]")).to_have_text(order["channel_ref"])
    page.context.close()

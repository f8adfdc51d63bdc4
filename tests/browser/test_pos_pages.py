"""The POS pages an associate can trust, in a real browser: quote conversion at a sync and an
async store, the amounts shown after every operation checked against the order as the API
returns it, names instead of codes, and every page — POS and back office — at tablet
(768×1024) and desktop (1280×800) width: no horizontal scrolling and no serious or critical
accessibility violation (axe-core, bundled by axe-playwright-python: nothing downloaded).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from omniorder.domain.money import Money
from omniorder.entrypoints.hq.record_pages import RESOURCES
from omniorder.entrypoints.web import format_money
from tests.builders import HOME_C0001
from tests.servers import Servers, running_servers, sign_in

pytestmark = pytest.mark.browser

SOON = datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=3)
MANAGER = {"operator_id": "1002", "password": "manager1"}
CASHIERS = {"S001": ("1001", "cashier1"), "S002": ("2001", "cashier2")}
CARD = "4242424242424242"
WIDTHS = ({"width": 768, "height": 1024}, {"width": 1280, "height": 800})


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    with running_servers(
        tmp_path_factory.mktemp("pos-pages"), stores=("S001", "S002"), async_stores=("S002",)
    ) as running:
        yield running


def api_for(servers: Servers, store: str) -> httpx.Client:
    url = servers.store_url(store)
    return httpx.Client(base_url=url, headers=sign_in(url, *CASHIERS[store]), timeout=20)


@pytest.fixture(scope="module")
def api(servers: Servers) -> Iterator[httpx.Client]:
    with api_for(servers, "S001") as client:
        yield client


def signed_in_page(browser: Browser, base_url: str, viewport: dict[str, int]) -> Page:
    page = browser.new_context(base_url=base_url, viewport=viewport).new_page()  # type: ignore[arg-type]
    page.set_default_timeout(15_000)
    return page


def pos_page(browser: Browser, servers: Servers, store: str, viewport: dict[str, int]) -> Page:
    page = signed_in_page(browser, servers.store_url(store), viewport)
    operator_id, password = CASHIERS[store]
    page.goto("/signin")
    page.get_by_label("Operator id").fill(operator_id)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/signin" not in url)
    return page


def hq_page(browser: Browser, servers: Servers, viewport: dict[str, int]) -> Page:
    page = signed_in_page(browser, servers.hq_url, viewport)
    page.goto("/signin")
    page.get_by_label("Operator id").fill("admin")
    page.get_by_label("Password").fill("hqadmin1")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/signin" not in url)
    return page


@pytest.fixture
def page(browser: Browser, servers: Servers) -> Iterator[Page]:
    page = pos_page(browser, servers, "S001", {"width": 1024, "height": 768})
    yield page
    page.context.close()


def money(text: str) -> str:
    """An amount as the pages show it (the same Babel formatting, en_US)."""
    return format_money(Money.parse(text))


def pickup_line(sku: str, quantity: int, store: str = "S001") -> dict[str, object]:
    return {
        "sku": sku,
        "quantity": quantity,
        "fulfilment": "pickup",
        "requested_date": str(SOON),
        "pickup_store": store,
    }


def take_order(api: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    """Create an order paying exactly what the store asks now (read from its refusal of 0.01)."""
    probe = api.post(
        "/api/v1/customer-orders",
        json={**body, "payments": [{"tender": "card", "amount": "0.01", "card_number": CARD}]},
    )
    due = re.search(r"amount due now \(([\d.]+) ", probe.json()["error"]["message"])
    assert due is not None, probe.text
    payments = [{"tender": "card", "amount": due.group(1), "card_number": CARD}]
    response = api.post("/api/v1/customer-orders", json={**body, "payments": payments})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def fetch(api: httpx.Client, ref: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/customer-orders/{ref}")
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def still_owed(order: dict[str, Any]) -> Decimal:
    """What the customer still owes, from the API's figures alone: the order total less what
    is invoiced, less the deposit still held (paid and not yet applied to an invoice)."""
    invoiced = sum((Decimal(i["total_amount"]) for i in order["invoices"]), Decimal(0))
    applied = sum((Decimal(i["deposit_applied"]) for i in order["invoices"]), Decimal(0))
    held = Decimal(order["totals"]["deposit_paid"]) - applied
    return Decimal(order["totals"]["order_total"]) - invoiced - held


def with_tax(net: str, rate: str) -> Decimal:
    """A net amount with its tax, rounded half-up to the cent (docs/rules.md §1)."""
    amount = Decimal(net)
    return amount + (amount * Decimal(rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)


# -- quote conversion --------------------------------------------------------------------------


@pytest.mark.parametrize("store", ["S001", "S002"])
def test_a_quote_is_converted_on_the_pages_at_a_sync_and_an_async_store(
    browser: Browser, servers: Servers, store: str
) -> None:
    # Given a quote for a sofa to pick up at the store (S002 works in async mode)
    with api_for(servers, store) as api:
        quote = api.post(
            "/api/v1/customer-orders",
            json={
                "customer_account": "C0004",
                "order_type": "quote",
                "lines": [pickup_line("SOFA-3S", 1, store)],
            },
        )
        assert quote.status_code == 201, quote.text
        ref = quote.json()["channel_ref"]
        value = Decimal(quote.json()["totals"]["order_value"])
        deposit = (value / 10).quantize(Decimal("0.01"))
        page = pos_page(browser, servers, store, {"width": 1024, "height": 768})
        try:
            # When the associate converts it, paying the 10 % deposit by card
            page.goto(f"/orders/{ref}")
            page.locator("[data-offer=convert]").click()
            expect(page.locator("[data-deposit-required]")).to_have_text(money(str(deposit)))
            expect(page.locator("[data-amount-due]")).to_have_text(money(str(deposit)))
            page.get_by_label("Card number").fill(CARD)
            page.get_by_role("button", name="Convert and take the deposit").click()

            # Then the order says so, and it is a customer order with the deposit paid
            expect(page.locator("[data-done]")).to_have_text("The quote is now a customer order.")
            expect(page.locator('[data-amount="paid"]')).to_have_text(money(str(deposit)))
            expect(page.locator('[data-amount="balance"]')).to_have_text(
                money(str(value - deposit))
            )
            order = fetch(api, ref)
            assert order["order_type"] == "customer_order"
            assert Decimal(order["totals"]["deposit_paid"]) == deposit
        finally:
            page.context.close()


# -- amounts -----------------------------------------------------------------------------------


def test_the_amounts_stay_right_through_pickup_and_return(page: Page, api: httpx.Client) -> None:
    # Given two lamps and an armchair to pick up here, the 10 % deposit paid
    order = take_order(
        api,
        {
            "customer_account": "C0004",
            "lines": [pickup_line("LAMP-FLOOR", 2), pickup_line("CHAIR-ARM", 1)],
        },
    )
    ref = order["channel_ref"]
    lamp = order["lines"][0]
    one_lamp = with_tax(lamp["unit_price"], lamp["tax_rate"])
    page.goto(f"/orders/{ref}")
    expect(page.locator('[data-amount="balance"]')).to_have_text(money(str(still_owed(order))))
    expect(page.locator('[data-amount="deposit-held"]')).to_have_text(
        money(order["totals"]["deposit_paid"])
    )

    # When one lamp is collected: the panel shows its value, the deposit applied to it
    # (10 % of that value) and the difference to pay
    page.locator("[data-offer=pickup]").click()
    page.locator(f'[name="lines.{lamp["id"]}"]').fill("1")
    page.locator(f'[name="lines.{order["lines"][1]["id"]}"]').fill("0")
    page.get_by_role("button", name="Show amount").click()
    applied = (one_lamp / 10).quantize(Decimal("0.01"))
    expect(page.locator("[data-value-now]")).to_have_text(money(str(one_lamp)))
    expect(page.locator("[data-deposit-applied]")).to_have_text(money(str(-applied)))
    expect(page.locator("[data-amount-due]")).to_have_text(money(str(one_lamp - applied)))
    page.locator('label.seg-option:has(input[value="cash"])').click()
    page.locator("#cash_tendered").fill(str(one_lamp - applied))
    page.get_by_role("button", name="Take payment and hand over").click()
    expect(page.locator("[data-done]")).to_have_text("Handed over and invoiced.")
    collected = fetch(api, ref)
    expect(page.locator('[data-amount="balance"]')).to_have_text(money(str(still_owed(collected))))

    # and the lamp comes back and is refunded
    returned = api.post(
        f"/api/v1/customer-orders/{ref}/returns",
        json={
            "invoice": collected["invoices"][-1]["id"],
            "lines": [{"line_id": lamp["id"], "quantity": 1, "reason_code": "damaged"}],
            "version": collected["version"],
        },
    )
    assert returned.status_code == 201, returned.text
    after = returned.json()

    # Then the balance is what is still owed — the refund does not add to it — on the order
    # page and on the receipt alike
    owed = still_owed(after)
    assert owed == still_owed(collected)
    refund = -Decimal(after["payments"][-1]["amount"])
    assert refund == Decimal(collected["invoices"][-1]["total_amount"]) == one_lamp
    page.goto(f"/orders/{ref}")
    expect(page.locator('[data-amount="balance"]')).to_have_text(money(str(owed)))
    expect(page.locator('[data-amount="returned"]')).to_have_text(money(str(-refund)))
    expect(page.locator('[data-amount="refunded"]')).to_have_text(money(str(-refund)))
    page.goto(f"/orders/{ref}/receipt")
    expect(page.locator('[data-amount="balance"]')).to_have_text(money(str(owed)))


def test_a_hybrid_order_shows_what_is_left_to_pay_at_pickup_and_shipment(
    page: Page, api: httpx.Client
) -> None:
    # Given a sofa to ship, two lamps to pick up at the airport store and a vase carried out,
    # with a 50.00 deposit a manager agreed
    order = take_order(
        api,
        {
            "customer_account": "C0001",
            "lines": [
                {
                    "sku": "SOFA-3S",
                    "quantity": 1,
                    "fulfilment": "ship",
                    "requested_date": str(SOON),
                    "delivery_mode": "STD",
                    "ship_to_address_id": str(HOME_C0001),
                },
                {**pickup_line("LAMP-FLOOR", 2, "S002"), "pickup_by": "Charles Babbage"},
                {"sku": "VASE-GLASS", "quantity": 1, "fulfilment": "carry_out"},
            ],
            "deposit_override": "50.00",
            "manager_override": MANAGER,
        },
    )

    # When the associate opens it
    page.goto(f"/orders/{order['channel_ref']}")

    # Then nothing is due now, and the balance is everything not carried out less the deposit
    amounts = page.locator("[data-amounts]")
    expect(amounts).not_to_contain_text("Due now")
    expect(page.locator('[data-amount="balance"]')).to_have_text(money(str(still_owed(order))))
    assert still_owed(order) == Decimal(order["totals"]["order_value"]) - Decimal("50.00")
    expect(amounts).to_contain_text("to pay at pickup and shipment")
    # with names, not codes: the pickup store, who took the order, who approved the deposit
    lines = page.locator("table.lines-table tbody tr")
    expect(lines.nth(1)).to_contain_text("Pick up at Airport")
    expect(page.locator(".facts")).to_contain_text("by Casey Downtown at Downtown")
    expect(page.locator(".history")).to_contain_text("approved by Morgan Downtown")
    expect(page.locator("main")).not_to_contain_text("Version")


def test_a_cancelled_order_shows_only_what_is_true_of_it(page: Page, api: httpx.Client) -> None:
    # Given an order with its deposit paid, cancelled by a manager without a charge
    order = take_order(api, {"customer_account": "C0004", "lines": [pickup_line("CHAIR-ARM", 1)]})
    ref = order["channel_ref"]
    manager = httpx.Client(
        base_url=str(api.base_url), headers=sign_in(str(api.base_url), "1002", "manager1")
    )
    with manager:
        cancelled = manager.post(
            f"/api/v1/customer-orders/{ref}/cancellation",
            json={"version": order["version"], "charge": "0"},
        )
    assert cancelled.status_code == 201, cancelled.text

    # When the associate opens it
    page.goto(f"/orders/{ref}")

    # Then no deposit is required or held, the refund is shown, and nothing is owed
    amounts = page.locator("[data-amounts]")
    expect(amounts).not_to_contain_text("Deposit required")
    expect(amounts).not_to_contain_text("Deposit held")
    expect(page.locator('[data-amount="refunded"]')).to_have_text(
        money(str(-Decimal(order["totals"]["deposit_paid"])))
    )
    expect(page.locator('[data-amount="balance"]')).to_have_text(money("0"))
    expect(amounts).to_contain_text("nothing more to pay")


def test_the_ship_panel_shows_the_value_shipped_the_deposit_applied_and_the_balance(
    browser: Browser, servers: Servers, api: httpx.Client
) -> None:
    # Given a sofa to ship, its 10 % deposit paid by card
    order = take_order(
        api,
        {
            "customer_account": "C0001",
            "lines": [
                {
                    "sku": "SOFA-3S",
                    "quantity": 1,
                    "fulfilment": "ship",
                    "requested_date": str(SOON),
                    "delivery_mode": "STD",
                    "ship_to_address_id": str(HOME_C0001),
                }
            ],
        },
    )
    total = Decimal(order["totals"]["order_total"])
    deposit = Decimal(order["totals"]["deposit_paid"])
    hq = hq_page(browser, servers, {"width": 1280, "height": 800})
    try:
        # When HQ asks what shipping all of it comes to
        hq.goto(f"/sales-orders/{order['sales_order_number']}")
        hq.get_by_role("button", name="Show amount").click()

        # Then: the whole order with its shipping, all the deposit applied (it completes the
        # order), and the rest to capture from the card
        expect(hq.locator("[data-value-now]")).to_have_text(money(str(total)))
        expect(hq.locator("[data-deposit-applied]")).to_have_text(money(str(-deposit)))
        expect(hq.locator("[data-ship-due]")).to_have_text(money(str(total - deposit)))
        assert fetch(api, order["channel_ref"])["invoices"] == []  # showing it shipped nothing

        # and shipping invoices exactly that
        hq.get_by_role("button", name="Ship and invoice").click()
        expect(hq.locator("[data-shipment]")).to_contain_text("Shipped and invoiced")
        expect(hq.locator('[data-amount="balance"]')).to_have_text(money("0"))
    finally:
        hq.context.close()
    invoice = fetch(api, order["channel_ref"])["invoices"][-1]
    assert Decimal(invoice["total_amount"]) == total
    assert Decimal(invoice["deposit_applied"]) == deposit


# -- every page at both widths ------------------------------------------------------------------


def _check(page: Page, axe: Axe, path: str, failures: list[str]) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner:
        failures.append(f"{path} at {width} px: {scroll} px wide")
    result = axe.run(page)
    for violation in result.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            nodes = "; ".join(node["html"][:80] for node in violation["nodes"][:3])
            failures.append(f"{path} at {width} px: {violation['id']} ({nodes})")


def test_every_page_fits_a_tablet_and_a_desktop_and_passes_axe(
    browser: Browser, servers: Servers, api: httpx.Client
) -> None:
    # Given an order with every kind of line, invoiced in part and with a return, and a quote
    order = take_order(
        api,
        {
            "customer_account": "C0001",
            "lines": [
                {
                    "sku": "SOFA-3S",
                    "quantity": 1,
                    "fulfilment": "ship",
                    "requested_date": str(SOON),
                    "delivery_mode": "STD",
                    "ship_to_address_id": str(HOME_C0001),
                },
                {**pickup_line("LAMP-FLOOR", 2), "pickup_by": "Charles Babbage"},
                {"sku": "VASE-GLASS", "quantity": 1, "fulfilment": "carry_out"},
            ],
            "deposit_override": "50.00",
            "manager_override": MANAGER,
        },
    )
    ref = order["channel_ref"]
    vase = order["lines"][2]
    returned = api.post(
        f"/api/v1/customer-orders/{ref}/returns",
        json={
            "invoice": order["invoices"][0]["id"],
            "lines": [{"line_id": vase["id"], "quantity": 1, "reason_code": "damaged"}],
            "version": order["version"],
        },
    )
    assert returned.status_code == 201, returned.text
    quote = api.post(
        "/api/v1/customer-orders",
        json={
            "customer_account": "C0004",
            "order_type": "quote",
            "lines": [pickup_line("SOFA-3S", 1)],
        },
    ).json()["channel_ref"]
    pos_paths = [
        "/",
        "/orders/new",
        "/orders?q=S001",
        f"/orders/{ref}",
        f"/orders/{ref}/receipt",
        f"/orders/{ref}/pickup",
        f"/orders/{ref}/cancel",
        f"/orders/{ref}/return",
        f"/orders/{ref}/edit",
        f"/orders/{ref}/picking",
        f"/orders/{quote}/convert",
        "/orders/S001-999999",
    ]
    number = returned.json()["sales_order_number"]
    hq_paths = [
        "/sales-orders?q=S001",
        f"/sales-orders/{number}",
        "/parameters",
        "/store-transactions",
        *(f"/{resource.path}" for resource in RESOURCES),
        *(f"/{resource.path}/edit" for resource in RESOURCES),
    ]
    axe = Axe()
    failures: list[str] = []

    # When each page is shown at tablet and at desktop width
    for viewport in WIDTHS:
        page = pos_page(browser, servers, "S001", viewport)
        _check(page, axe, "/signin (signed in: home)", failures)
        for path in pos_paths:
            page.goto(path)
            _check(page, axe, path, failures)
        page.context.close()
        hq = signed_in_page(browser, servers.hq_url, viewport)
        hq.goto("/signin")
        _check(hq, axe, "/signin (HQ)", failures)
        hq.context.close()
        hq = hq_page(browser, servers, viewport)
        for path in hq_paths:
            hq.goto(path)
            _check(hq, axe, f"HQ {path}", failures)
        hq.context.close()

    # Then none scrolls sideways and none has a serious or critical accessibility violation
    assert failures == []

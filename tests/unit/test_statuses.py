"""Statuses derive from line quantities and order facts, never set by hand (docs/rules.md §9)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid5

import pytest

from omniorder.domain.money import Money
from omniorder.domain.order import Order, OrderLine, order_status, quote_status
from omniorder.domain.statuses import Fulfilment, OrderStatus, OrderType, QuoteStatus

ORDER_ID = UUID("00000000-0000-0000-0000-000000000001")
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)


def make_line(
    *,
    number: int = 1,
    quantity: int = 2,
    picked: int = 0,
    packed: int = 0,
    invoiced: int = 0,
    cancelled: int = 0,
    returned: int = 0,
    fulfilment: Fulfilment = Fulfilment.PICKUP,
) -> OrderLine:
    return OrderLine(
        id=uuid5(ORDER_ID, f"line-{number}"),
        line_number=number,
        sku=f"SKU{number}",
        description=f"Product {number}",
        quantity=quantity,
        unit_price=Money(1000),
        tax_rate=Decimal(0),
        fulfilment=fulfilment,
        delivery_mode="PICKUP",
        location="S001",
        requested_date=TODAY,
        picked_qty=picked,
        packed_qty=packed,
        invoiced_qty=invoiced,
        cancelled_qty=cancelled,
        returned_qty=returned,
    )


def make_order(
    *,
    lines: list[OrderLine] | None = None,
    order_type: OrderType = OrderType.CUSTOMER_ORDER,
    expires_on: date | None = None,
    converted_at: datetime | None = None,
) -> Order:
    return Order(
        id=ORDER_ID,
        order_type=order_type,
        store_code="S001",
        channel_ref="S001-000001",
        customer_account="C0001",
        customer_name="Ada Lovelace",
        currency="USD",
        created_at=NOW,
        created_by="1001",
        deposit_percent=Decimal(10),
        lines=lines if lines is not None else [make_line()],
        expires_on=expires_on,
        converted_at=converted_at,
    )


def make_quote(
    *,
    lines: list[OrderLine] | None = None,
    expires_on: date | None = date(2026, 12, 31),
    converted_at: datetime | None = None,
) -> Order:
    return make_order(
        lines=lines,
        order_type=OrderType.QUOTE,
        expires_on=expires_on,
        converted_at=converted_at,
    )


# -- order status ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param([make_line()], OrderStatus.OPEN, id="nothing-done"),
        pytest.param([make_line(picked=1)], OrderStatus.PROCESSING, id="partly-picked"),
        pytest.param([make_line(picked=2, packed=1)], OrderStatus.PROCESSING, id="packed"),
        pytest.param([make_line(packed=1)], OrderStatus.PROCESSING, id="packed-only"),
        pytest.param(
            [make_line(number=1), make_line(number=2, picked=1)],
            OrderStatus.PROCESSING,
            id="one-of-two-lines-picked",
        ),
        pytest.param([make_line(invoiced=1)], OrderStatus.PARTIALLY_INVOICED, id="half-invoiced"),
        pytest.param(
            [make_line(number=1, invoiced=2), make_line(number=2)],
            OrderStatus.PARTIALLY_INVOICED,
            id="one-of-two-lines-invoiced",
        ),
        pytest.param(
            [make_line(number=1, invoiced=2), make_line(number=2, picked=2)],
            OrderStatus.PARTIALLY_INVOICED,
            id="invoicing-outranks-picking",
        ),
        pytest.param([make_line(invoiced=2)], OrderStatus.INVOICED, id="all-invoiced"),
        pytest.param(
            [make_line(invoiced=2, returned=2)], OrderStatus.INVOICED, id="returns-keep-invoiced"
        ),
        pytest.param(
            [make_line(quantity=3, cancelled=1, invoiced=2)],
            OrderStatus.INVOICED,
            id="rest-cancelled-rest-invoiced",
        ),
        pytest.param(
            [make_line(number=1, cancelled=2), make_line(number=2, invoiced=2)],
            OrderStatus.INVOICED,
            id="one-line-cancelled-other-invoiced",
        ),
        pytest.param(
            [make_line(number=1, cancelled=2), make_line(number=2)],
            OrderStatus.OPEN,
            id="one-line-cancelled-other-open",
        ),
        pytest.param(
            [make_line(number=1, cancelled=2, picked=2), make_line(number=2)],
            OrderStatus.OPEN,
            id="picks-on-cancelled-lines-do-not-count",
        ),
        pytest.param([make_line(quantity=3, cancelled=1)], OrderStatus.OPEN, id="part-cancelled"),
        pytest.param([make_line(cancelled=2)], OrderStatus.CANCELLED, id="all-cancelled"),
        pytest.param(
            [make_line(number=1, cancelled=2), make_line(number=2, quantity=1, cancelled=1)],
            OrderStatus.CANCELLED,
            id="every-line-cancelled",
        ),
    ],
)
def test_order_status_is_derived_from_line_quantities(
    lines: list[OrderLine], expected: OrderStatus
) -> None:
    assert order_status(lines) is expected
    assert make_order(lines=lines).status is expected


def test_status_follows_the_quantities_as_they_change() -> None:
    # Given an open order
    line = make_line(quantity=2)
    order = make_order(lines=[line])
    assert order.status is OrderStatus.OPEN

    # When the line is picked, then invoiced in part, then in full
    line.picked_qty = 2
    assert order.status is OrderStatus.PROCESSING
    line.invoiced_qty = 1
    assert order.status is OrderStatus.PARTIALLY_INVOICED
    line.invoiced_qty = 2
    assert order.status is OrderStatus.INVOICED


def test_a_new_hybrid_order_is_open_although_its_carry_out_lines_are_invoiced() -> None:
    # Carry-out lines are a sale completed at the till (docs/rules.md §2.4): the status speaks of
    # the customer order, its ship and pickup lines.
    carry_out = make_line(number=1, quantity=1, invoiced=1, fulfilment=Fulfilment.CARRY_OUT)
    ship = make_line(number=2, quantity=1, fulfilment=Fulfilment.SHIP)

    assert order_status([carry_out, ship]) is OrderStatus.OPEN
    ship.invoiced_qty = 1
    assert order_status([carry_out, ship]) is OrderStatus.INVOICED


def test_status_values_are_lowercase_strings() -> None:
    assert [s.value for s in OrderStatus] == [
        "open",
        "processing",
        "partially_invoiced",
        "invoiced",
        "cancelled",
    ]
    assert [s.value for s in QuoteStatus] == ["open", "expired", "converted", "cancelled"]


# -- quote status ---------------------------------------------------------------------------


def test_a_quote_is_open_until_its_expiry_date_inclusive() -> None:
    quote = make_quote(expires_on=date(2026, 12, 31))

    assert quote_status(quote, date(2026, 12, 1)) is QuoteStatus.OPEN
    assert quote_status(quote, date(2026, 12, 31)) is QuoteStatus.OPEN
    assert quote.quote_status(date(2026, 12, 31)) is QuoteStatus.OPEN


def test_a_quote_is_expired_the_day_after_its_expiry_date() -> None:
    quote = make_quote(expires_on=date(2026, 12, 31))

    assert quote_status(quote, date(2027, 1, 1)) is QuoteStatus.EXPIRED
    assert quote.quote_status(date(2027, 1, 1)) is QuoteStatus.EXPIRED


def test_a_quote_without_an_expiry_date_never_expires() -> None:
    quote = make_quote(expires_on=None)

    assert quote_status(quote, date(2099, 1, 1)) is QuoteStatus.OPEN


def test_a_converted_quote_is_converted_even_after_its_expiry_date() -> None:
    quote = make_quote(expires_on=date(2026, 12, 31), converted_at=NOW)

    assert quote_status(quote, date(2026, 12, 1)) is QuoteStatus.CONVERTED
    assert quote_status(quote, date(2027, 6, 1)) is QuoteStatus.CONVERTED


def test_a_quote_whose_lines_are_all_cancelled_is_cancelled() -> None:
    quote = make_quote(lines=[make_line(cancelled=2)], expires_on=date(2026, 12, 31))

    assert quote_status(quote, date(2026, 12, 1)) is QuoteStatus.CANCELLED
    # Cancelled wins over expired
    assert quote_status(quote, date(2027, 6, 1)) is QuoteStatus.CANCELLED


def test_the_status_a_person_sees_is_the_quotes_on_the_day_asked_or_the_orders() -> None:
    quote = make_quote(expires_on=date(2026, 12, 31))
    order = make_order(lines=[make_line(invoiced=2)])

    # The day matters: an expired quote is "expired", not what it was when it was created.
    assert quote.display_status(date(2026, 12, 1)) == "open"
    assert quote.display_status(date(2027, 1, 1)) == "expired"
    assert order.display_status(date(2027, 1, 1)) == "invoiced"

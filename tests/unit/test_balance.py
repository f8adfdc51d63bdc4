"""The balance an associate checks (docs/rules.md, *The balance*): what is paid, refunded,
held as deposit and still to pay, right after every operation; and the money side of a
handover (value now, deposit applied, amount due)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from omniorder.domain import cancellation, fulfilment, returns
from omniorder.domain.creation import LineRequest, NewOrder, create_order
from omniorder.domain.history import Operation
from omniorder.domain.money import Money
from omniorder.domain.order import Order
from omniorder.domain.settlement import TenderIn, balance_of
from omniorder.domain.staff import Authorization, Role, Staff
from omniorder.domain.statuses import Fulfilment, OrderType, Tender

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)
MANAGER = Authorization(Staff("1002", "Morgan", Role.MANAGER, "S001"))


def usd(cents: int) -> Money:
    return Money(cents, "USD")


def cash(cents: int) -> tuple[TenderIn, ...]:
    return (TenderIn(uuid.uuid4(), Tender.CASH, usd(cents)),) if cents > 0 else ()


def op(minutes: int = 1) -> Operation:
    return Operation(uuid.uuid4(), NOW + timedelta(minutes=minutes), MANAGER)


def pickup_request(sku: str, unit_cents: int, quantity: int = 1) -> LineRequest:
    return LineRequest(
        sku=sku,
        description=sku,
        quantity=quantity,
        unit_price=usd(unit_cents),
        tax_rate=Decimal("0.1"),
        fulfilment=Fulfilment.PICKUP,
        delivery_mode="PICKUP",
        location="S001",
        requested_date=TODAY + timedelta(days=2),
    )


def make_order(*lines: LineRequest, deposit_cents: int) -> Order:
    """A customer order of pickup lines at 10 % tax and a 10 % deposit, paid in cash."""
    return create_order(
        NewOrder(
            id=uuid.uuid4(),
            order_type=OrderType.CUSTOMER_ORDER,
            store_code="S001",
            channel_ref="S001-000001",
            customer_account="C1",
            customer_name="Ada",
            currency="USD",
            lines=lines,
            shipping=None,
            deposit_percent=Decimal(10),
            deposit_override=None,
            tenders=cash(deposit_cents),
            quote_expiration_days=30,
        ),
        auth=MANAGER,
        today=TODAY,
        now=NOW,
    )


def two_line_order() -> Order:
    # Sofa 1000.00 + 100.00 tax, lamp 200.00 + 20.00 tax: 1320.00; deposit 10 % = 132.00.
    return make_order(
        pickup_request("SOFA", 100_000), pickup_request("LAMP", 20_000), deposit_cents=13_200
    )


def test_a_new_order_owes_its_value_less_the_deposit_at_pickup() -> None:
    order = two_line_order()

    balance = balance_of(order)

    assert balance.order_total == usd(132_000)
    assert balance.paid == usd(13_200)
    assert balance.refunded == usd(0)
    assert balance.deposit_held == usd(13_200)
    assert balance.due_now == usd(0)
    assert balance.balance == usd(118_800)
    assert balance.to_pay_later == usd(118_800)


def test_the_pickup_panel_shows_the_value_now_the_deposit_applied_and_the_amount_due() -> None:
    order = two_line_order()
    lamp = order.lines[1]

    handover = fulfilment.handover_for_pickup(order, {lamp.id: 1})

    # Lamp 220.00; deposit applied min(132.00 held, 10 % × 220.00) = 22.00.
    assert handover.value_now == usd(22_000)
    assert handover.deposit_applied == usd(2_200)
    assert handover.due == usd(19_800)
    assert handover.due == fulfilment.amount_due_for_pickup(order, {lamp.id: 1})


def test_after_a_partial_pickup_the_balance_is_what_is_left_less_the_deposit_held() -> None:
    order = two_line_order()
    lamp = order.lines[1]
    fulfilment.pick_up(
        order,
        op(),
        store_code="S001",
        quantities={lamp.id: 1},
        collected_by="Ada",
        tenders=cash(19_800),
    )

    balance = balance_of(order)

    assert balance.paid == usd(33_000)
    assert balance.deposit_held == usd(11_000)
    # The sofa's 1100.00 less the 110.00 deposit still held.
    assert balance.balance == usd(99_000)
    assert balance.to_pay_later == usd(99_000)


def test_a_refund_for_returned_goods_does_not_raise_what_is_still_owed() -> None:
    order = two_line_order()
    lamp = order.lines[1]
    invoice = fulfilment.pick_up(
        order,
        op(),
        store_code="S001",
        quantities={lamp.id: 1},
        collected_by="Ada",
        tenders=cash(19_800),
    )
    owed_before = balance_of(order).balance

    returns.return_goods(
        order,
        op(2),
        invoice_id=invoice.id,
        lines=(returns.ReturnLineIn(lamp.id, 1, "damaged"),),
        shipping_refund=usd(0),
        policy=returns.ShippingRefundPolicy(True, usd(2000)),
        store_code="S001",
    )

    balance = balance_of(order)
    assert balance.returned == usd(22_000)
    assert balance.refunded == usd(22_000)
    assert balance.net_value == usd(110_000)
    assert balance.balance == owed_before == usd(99_000)


def test_a_cancelled_order_owes_nothing_and_holds_no_deposit() -> None:
    order = two_line_order()

    cancellation.cancel_order(
        order,
        op(),
        charge=usd(0),
        charge_code="CANCEL",
        charge_tax_rate=Decimal(0),
        tenders=(),
    )

    balance = balance_of(order)
    assert balance.order_total == usd(0)
    assert balance.refunded == usd(13_200)
    assert balance.deposit_held == usd(0)
    assert balance.due_now == usd(0)
    assert balance.balance == usd(0)


def test_a_fully_collected_order_owes_nothing() -> None:
    order = two_line_order()
    sofa, lamp = order.lines
    due = fulfilment.amount_due_for_pickup(order, {sofa.id: 1, lamp.id: 1})
    fulfilment.pick_up(
        order,
        op(),
        store_code="S001",
        quantities={sofa.id: 1, lamp.id: 1},
        collected_by="Ada",
        tenders=cash(due.amount),
    )

    balance = balance_of(order)
    assert due == usd(118_800)
    assert balance.paid == usd(132_000)
    assert balance.deposit_held == usd(0)
    assert balance.balance == usd(0)


def test_only_a_live_order_requires_a_deposit() -> None:
    order = two_line_order()
    assert balance_of(order).deposit_required == usd(13_200)

    cancellation.cancel_order(
        order, op(), charge=usd(0), charge_code="CANCEL", charge_tax_rate=Decimal(0), tenders=()
    )

    assert balance_of(order).deposit_required is None

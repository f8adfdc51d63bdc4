"""Order amounts and the deposit rule (docs/rules.md §1 prices and tax, §2.5 deposit)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid5

import pytest

from omniorder.domain.errors import DepositOverrideOutOfRange, InvalidInput
from omniorder.domain.money import Money
from omniorder.domain.order import (
    Address,
    Charge,
    Order,
    OrderLine,
    Payment,
    required_deposit,
)
from omniorder.domain.statuses import (
    ChargeKind,
    Fulfilment,
    OrderType,
    PaymentPurpose,
    Tender,
)

ORDER_ID = UUID("00000000-0000-0000-0000-000000000002")
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
SOON = date(2026, 12, 4)
NY = Decimal("0.08875")
NJ = Decimal("0.06625")
HOME = Address("Ada Lovelace", "1 Main St", "New York", "NY", "10001")


def usd(amount: int) -> Money:
    return Money(amount, "USD")


def make_line(
    *,
    number: int = 1,
    sku: str = "SKU",
    quantity: int = 1,
    unit_price: Money = Money(10000),
    tax_rate: Decimal = NY,
    fulfilment: Fulfilment = Fulfilment.SHIP,
) -> OrderLine:
    return OrderLine(
        id=uuid5(ORDER_ID, f"line-{number}"),
        line_number=number,
        sku=sku,
        description=sku.title(),
        quantity=quantity,
        unit_price=unit_price,
        tax_rate=tax_rate,
        fulfilment=fulfilment,
        delivery_mode={"ship": "STD", "pickup": "PICKUP", "carry_out": "CARRY"}[fulfilment],
        location="WH1" if fulfilment is Fulfilment.SHIP else "S001",
        requested_date=None if fulfilment is Fulfilment.CARRY_OUT else SOON,
        ship_to=HOME if fulfilment is Fulfilment.SHIP else None,
    )


def make_shipping(*, amount: Money = Money(995), tax_rate: Decimal = NY) -> Charge:
    return Charge(
        id=uuid5(ORDER_ID, "charge-shipping"),
        kind=ChargeKind.SHIPPING,
        code="SHIP",
        amount=amount,
        tax_rate=tax_rate,
    )


def make_payment(
    *, amount: Money, purpose: PaymentPurpose = PaymentPurpose.DEPOSIT, number: int = 1
) -> Payment:
    return Payment(
        id=uuid5(ORDER_ID, f"payment-{number}"),
        tender=Tender.CASH,
        amount=amount,
        purpose=purpose,
        created_at=NOW,
    )


def make_order(
    *,
    lines: list[OrderLine] | None = None,
    charges: list[Charge] | None = None,
    payments: list[Payment] | None = None,
    deposit_percent: Decimal = Decimal(10),
    deposit_override: Money | None = None,
    order_type: OrderType = OrderType.CUSTOMER_ORDER,
) -> Order:
    return Order(
        id=ORDER_ID,
        order_type=order_type,
        store_code="S001",
        channel_ref="S001-000002",
        customer_account="C0001",
        customer_name="Ada Lovelace",
        currency="USD",
        created_at=NOW,
        created_by="1001",
        deposit_percent=deposit_percent,
        lines=lines if lines is not None else [make_line()],
        charges=charges or [],
        payments=payments or [],
        deposit_override=deposit_override,
    )


def make_hybrid_order(
    *,
    payments: list[Payment] | None = None,
    deposit_override: Money | None = None,
    order_type: OrderType = OrderType.CUSTOMER_ORDER,
) -> Order:
    """The worked example: a shipped sofa, two lamps picked up in NJ, a vase carried out."""
    return make_order(
        lines=[
            make_line(number=1, sku="SOFA", unit_price=usd(129900), tax_rate=NY),
            make_line(
                number=2,
                sku="LAMP",
                quantity=2,
                unit_price=usd(14999),
                tax_rate=NJ,
                fulfilment=Fulfilment.PICKUP,
            ),
            make_line(
                number=3,
                sku="VASE",
                unit_price=usd(2499),
                tax_rate=NY,
                fulfilment=Fulfilment.CARRY_OUT,
            ),
        ],
        charges=[make_shipping(amount=usd(995), tax_rate=NY)],
        payments=payments,
        deposit_percent=Decimal(10),
        deposit_override=deposit_override,
        order_type=order_type,
    )


# -- per-line and per-charge tax (docs/rules.md §1) ----------------------------------------------


def test_line_amounts_are_net_plus_tax_rounded_per_line() -> None:
    sofa = make_line(sku="SOFA", unit_price=usd(129900), tax_rate=NY)
    lamps = make_line(sku="LAMP", quantity=2, unit_price=usd(14999), tax_rate=NJ)

    assert (sofa.net_amount, sofa.tax_amount, sofa.gross_amount) == (
        usd(129900),
        usd(11529),  # 1299.00 × 0.08875 = 115.28625 -> 115.29
        usd(141429),
    )
    assert (lamps.net_amount, lamps.tax_amount, lamps.gross_amount) == (
        usd(29998),
        usd(1987),  # 299.98 × 0.06625 = 19.873675 -> 19.87
        usd(31985),
    )


def test_charge_tax_is_rounded_per_charge() -> None:
    shipping = make_shipping(amount=usd(995), tax_rate=NY)

    assert shipping.tax_amount == usd(88)  # 9.95 × 0.08875 = 0.8830625 -> 0.88
    assert shipping.gross_amount == usd(1083)


def test_tax_is_rounded_per_line_not_on_the_order_total() -> None:
    # Two lines whose tax is half a cent each: per line that is 0.01 + 0.01, where rounding
    # the order's total tax (0.01) would give 0.01.
    order = make_order(
        lines=[
            make_line(number=1, unit_price=usd(10), tax_rate=Decimal("0.05")),
            make_line(number=2, unit_price=usd(10), tax_rate=Decimal("0.05")),
        ],
    )

    assert order.tax_total == usd(2)
    assert order.order_total == usd(22)


def test_a_zero_tax_rate_gives_zero_tax() -> None:
    line = make_line(unit_price=usd(12345), tax_rate=Decimal(0))

    assert line.tax_amount == usd(0)
    assert line.gross_amount == usd(12345)


# -- the worked hybrid example (docs/rules.md §2.4–2.5) ------------------------------------------


def test_hybrid_order_totals() -> None:
    order = make_hybrid_order()

    assert order.lines_total == usd(141429 + 31985 + 2721)  # sofa + lamps + vase 24.99+2.22
    assert order.charges_total == usd(1083)
    assert order.tax_total == usd(11529 + 1987 + 222 + 88)
    assert order.order_total == usd(177218)
    assert order.carry_out_total == usd(2721)


def test_hybrid_order_value_excludes_carry_out_and_includes_charges() -> None:
    order = make_hybrid_order()

    # 1414.29 + 319.85 + 10.83 = 1744.97
    assert order.order_value == usd(174497)


def test_hybrid_required_deposit_is_the_deposit_percent_of_the_order_value_half_up() -> None:
    order = make_hybrid_order()

    assert order.required_deposit == usd(17450)  # 10 % of 1744.97 = 174.497 -> 174.50


def test_hybrid_amount_due_now_is_deposit_plus_carry_out() -> None:
    order = make_hybrid_order()

    assert order.amount_due == usd(20171)  # 174.50 + 27.21
    assert order.deposit_paid == usd(0)
    assert order.amount_paid == usd(0)


def test_amount_due_falls_to_zero_once_carry_out_and_deposit_are_paid() -> None:
    order = make_hybrid_order(
        payments=[
            make_payment(number=1, amount=usd(2721), purpose=PaymentPurpose.CARRY_OUT),
            make_payment(number=2, amount=usd(17450), purpose=PaymentPurpose.DEPOSIT),
        ]
    )

    assert order.paid_for(PaymentPurpose.CARRY_OUT) == usd(2721)
    assert order.deposit_paid == usd(17450)
    assert order.amount_paid == usd(20171)
    assert order.amount_due == usd(0)


def test_deposit_paid_above_the_requirement_makes_the_amount_due_negative() -> None:
    # Given carry-out paid and 200.00 of deposit against 174.50 required
    order = make_hybrid_order(
        payments=[
            make_payment(number=1, amount=usd(2721), purpose=PaymentPurpose.CARRY_OUT),
            make_payment(number=2, amount=usd(20000), purpose=PaymentPurpose.DEPOSIT),
        ]
    )

    # Then 25.50 is owed back to the customer
    assert order.amount_due == usd(-2550)


def test_payments_for_other_purposes_are_not_deposit() -> None:
    order = make_hybrid_order(
        payments=[make_payment(amount=usd(500), purpose=PaymentPurpose.BALANCE)]
    )

    assert order.deposit_paid == usd(0)
    assert order.amount_paid == usd(500)
    assert order.amount_due == usd(20171)


def test_hybrid_deposit_override_replaces_the_percentage() -> None:
    order = make_hybrid_order(deposit_override=usd(5000))

    assert order.required_deposit == usd(5000)
    assert order.amount_due == usd(7721)  # 50.00 + 27.21


def test_hybrid_deposit_override_of_zero_leaves_only_carry_out_due() -> None:
    order = make_hybrid_order(deposit_override=usd(0))

    assert order.required_deposit == usd(0)
    assert order.amount_due == usd(2721)


def test_an_order_without_carry_out_has_its_whole_total_as_order_value() -> None:
    order = make_order(lines=[make_line(unit_price=usd(10000), tax_rate=NY)])

    assert order.carry_out_total == usd(0)
    assert order.order_value == order.order_total == usd(10888)  # 100.00 + 8.875 -> 8.88
    assert order.required_deposit == usd(1089)  # 10.888 -> 10.89
    assert order.amount_due == usd(1089)


def test_a_quote_requires_no_deposit_and_nothing_is_due() -> None:
    # Quotes take no payment (docs/rules.md §2.5, §8), even with a carry-out line on them.
    quote = make_hybrid_order(order_type=OrderType.QUOTE)

    assert quote.order_value == usd(174497)
    assert quote.required_deposit == usd(0)
    assert quote.amount_due == usd(0)


# -- required_deposit (docs/rules.md §2.5) -------------------------------------------------------


@pytest.mark.parametrize(
    ("order_value", "percent", "expected"),
    [
        (174497, Decimal(10), 17450),
        (174497, Decimal(0), 0),
        (174497, Decimal(100), 174497),
        (1, Decimal(50), 1),  # 0.005 -> 0.01
        (12345, Decimal("12.5"), 1543),  # 15.43125 -> 15.43
        (0, Decimal(10), 0),
    ],
)
def test_required_deposit_is_the_rounded_percent_of_the_order_value(
    order_value: int, percent: Decimal, expected: int
) -> None:
    assert required_deposit(usd(order_value), percent, None) == usd(expected)


@pytest.mark.parametrize("override", [0, 1, 10000, 174496, 174497])
def test_a_deposit_override_between_zero_and_the_order_value_is_the_deposit(
    override: int,
) -> None:
    assert required_deposit(usd(174497), Decimal(10), usd(override)) == usd(override)


@pytest.mark.parametrize("override", [-1, -17450, 174498, 1000000])
def test_a_deposit_override_outside_zero_to_order_value_is_refused(override: int) -> None:
    with pytest.raises(DepositOverrideOutOfRange) as raised:
        required_deposit(usd(174497), Decimal(10), usd(override))

    assert isinstance(raised.value, InvalidInput)
    assert raised.value.field == "deposit_override"
    assert raised.value.code == "deposit_override_out_of_range"
    assert "1744.97 USD" in raised.value.message


def test_an_override_above_what_is_left_after_cancelling_lines_is_capped_at_the_value() -> None:
    # Given a manager's 150.00 deposit on two 100.00 lines (no tax)
    order = make_order(
        lines=[
            make_line(number=1, quantity=1, unit_price=usd(10000), tax_rate=Decimal(0)),
            make_line(number=2, quantity=1, unit_price=usd(10000), tax_rate=Decimal(0)),
        ],
        deposit_override=usd(15000),
    )
    assert order.required_deposit == usd(15000)

    # When one line is cancelled, the value (100.00) falls below the override
    order.lines[1].cancelled_qty = 1

    # Then the required deposit is the whole value, not an error
    assert order.order_value == usd(10000)
    assert order.required_deposit == usd(10000)

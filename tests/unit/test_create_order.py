"""Creating a customer order or quote at the POS: domain/creation.py (docs/rules.md §2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid5

import pytest

from omniorder.domain.creation import (
    ChargeRequest,
    LineRequest,
    NewOrder,
    child_id,
    create_order,
    draft_order,
)
from omniorder.domain.errors import (
    DepositOverrideNotAllowed,
    DepositOverrideOutOfRange,
    InvalidInput,
    PermissionDenied,
    QuoteTakesNoPayment,
)
from omniorder.domain.money import Money
from omniorder.domain.order import Address, Order
from omniorder.domain.settlement import TenderIn
from omniorder.domain.staff import ROLE_PERMISSIONS, Authorization, Permission, Role, Staff
from omniorder.domain.statuses import (
    ChargeKind,
    Fulfilment,
    OrderStatus,
    OrderType,
    PaymentPurpose,
    Tender,
)
from omniorder.entrypoints.history_words import describe

ORDER_ID = UUID("00000000-0000-0000-0000-0000000000a1")
TENDER_1 = UUID("00000000-0000-0000-0000-0000000000b1")
TENDER_2 = UUID("00000000-0000-0000-0000-0000000000b2")
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)
SOON = TODAY + timedelta(days=3)
NY = Decimal("0.08875")
NJ = Decimal("0.06625")
HOME = Address("Ada Lovelace", "1 Main St", "New York", "NY", "10001")

CASHIER = Staff("1001", "Casey Cashier", Role.CASHIER, "S001")
SUPERVISOR = Staff("1003", "Sam Supervisor", Role.SUPERVISOR, "S001")
MANAGER = Staff("1002", "Morgan Manager", Role.MANAGER, "S001")


def usd(amount: int) -> Money:
    return Money(amount, "USD")


def ship_line(
    *,
    sku: str = "SOFA",
    quantity: int = 1,
    unit_price: Money = Money(129900),
    tax_rate: Decimal = NY,
    requested_date: date | None = SOON,
    ship_to: Address | None = HOME,
) -> LineRequest:
    return LineRequest(
        sku=sku,
        description=sku.title(),
        quantity=quantity,
        unit_price=unit_price,
        tax_rate=tax_rate,
        fulfilment=Fulfilment.SHIP,
        delivery_mode="STD",
        location="WH1",
        requested_date=requested_date,
        ship_to=ship_to,
    )


def pickup_line(
    *,
    sku: str = "LAMP",
    quantity: int = 2,
    unit_price: Money = Money(14999),
    tax_rate: Decimal = NJ,
    requested_date: date | None = SOON,
    pickup_by: str | None = None,
) -> LineRequest:
    return LineRequest(
        sku=sku,
        description=sku.title(),
        quantity=quantity,
        unit_price=unit_price,
        tax_rate=tax_rate,
        fulfilment=Fulfilment.PICKUP,
        delivery_mode="PICKUP",
        location="S002",
        requested_date=requested_date,
        pickup_by=pickup_by,
    )


def carry_out_line(
    *,
    sku: str = "VASE",
    quantity: int = 1,
    unit_price: Money = Money(2499),
    tax_rate: Decimal = NY,
) -> LineRequest:
    return LineRequest(
        sku=sku,
        description=sku.title(),
        quantity=quantity,
        unit_price=unit_price,
        tax_rate=tax_rate,
        fulfilment=Fulfilment.CARRY_OUT,
        delivery_mode="CARRY",
        location="S001",
    )


def shipping(*, amount: Money = Money(995), tax_rate: Decimal = NY) -> ChargeRequest:
    return ChargeRequest(code="SHIP", amount=amount, tax_rate=tax_rate)


def tender(
    *,
    amount: Money,
    id: UUID = TENDER_1,
    kind: Tender = Tender.CASH,
    card_last4: str | None = None,
    card_token: str | None = None,
) -> TenderIn:
    return TenderIn(
        id=id,
        tender=kind,
        amount=amount,
        card_last4=card_last4,
        authorization_code="AUTH1" if kind is Tender.CARD else None,
        card_token=card_token,
    )


def new_order(
    *,
    lines: tuple[LineRequest, ...] = (ship_line(),),
    shipping: ChargeRequest | None = None,
    tenders: tuple[TenderIn, ...] = (),
    deposit_percent: Decimal = Decimal(10),
    deposit_override: Money | None = None,
    order_type: OrderType = OrderType.CUSTOMER_ORDER,
    quote_expiration_days: int = 30,
    id: UUID = ORDER_ID,
) -> NewOrder:
    return NewOrder(
        id=id,
        order_type=order_type,
        store_code="S001",
        channel_ref="S001-000001",
        customer_account="C0001",
        customer_name="Ada Lovelace",
        currency="USD",
        lines=lines,
        shipping=shipping,
        deposit_percent=deposit_percent,
        deposit_override=deposit_override,
        tenders=tenders,
        quote_expiration_days=quote_expiration_days,
    )


def hybrid_order(
    *,
    tenders: tuple[TenderIn, ...] = (tender(amount=Money(20171)),),
    deposit_override: Money | None = None,
) -> NewOrder:
    """The worked example: order value 1744.97, deposit 174.50, carry-out 27.21, due 201.71."""
    return new_order(
        lines=(ship_line(), pickup_line(), carry_out_line()),
        shipping=shipping(),
        tenders=tenders,
        deposit_override=deposit_override,
    )


def create(
    new: NewOrder,
    *,
    staff: Staff = CASHIER,
    override_by: Staff | None = None,
    today: date = TODAY,
) -> Order:
    return create_order(
        new, auth=Authorization(staff, override_by=override_by), today=today, now=NOW
    )


def refused(
    new: NewOrder,
    error: type[Exception] = InvalidInput,
    *,
    staff: Staff = CASHIER,
    override_by: Staff | None = None,
    today: date = TODAY,
) -> InvalidInput:
    with pytest.raises(error) as raised:
        create(new, staff=staff, override_by=override_by, today=today)
    assert isinstance(raised.value, InvalidInput)
    return raised.value


# -- a customer order ----------------------------------------------------------------------


def test_a_ship_order_is_created_with_its_lines_and_deposit() -> None:
    # Given a sofa to ship and the 10 % deposit paid in cash
    new = new_order(lines=(ship_line(),), tenders=(tender(amount=usd(14143)),))

    # When the order is created
    order = create(new)

    # Then it holds the line as requested, and the deposit as paid
    assert order.id == ORDER_ID
    assert order.order_type is OrderType.CUSTOMER_ORDER
    assert order.created_at == NOW
    assert order.created_by == "1001"
    assert order.expires_on is None
    assert order.status is OrderStatus.OPEN
    [line] = order.lines
    assert line.line_number == 1
    assert line.sku == "SOFA"
    assert line.quantity == 1
    assert line.unit_price == usd(129900)
    assert line.fulfilment is Fulfilment.SHIP
    assert line.requested_date == SOON
    assert line.ship_to == HOME
    assert line.invoiced_qty == 0
    assert order.order_total == usd(141429)
    assert order.required_deposit == usd(14143)  # 141.429 -> 141.43
    assert order.deposit_paid == usd(14143)
    assert order.amount_due == usd(0)
    assert order.invoices == []


def test_requested_date_today_is_accepted() -> None:
    order = create(
        new_order(lines=(ship_line(requested_date=TODAY),), deposit_override=usd(0)),
        staff=MANAGER,
    )

    assert order.lines[0].requested_date == TODAY


def test_a_line_keeps_only_the_details_of_its_own_fulfilment() -> None:
    # A carry-out line has no date or address; a pickup line keeps who collects it.
    stray = replace(carry_out_line(), requested_date=SOON, ship_to=HOME, pickup_by="Bob")
    pickup = pickup_line(pickup_by="Grace Hopper")
    pickup = replace(pickup, ship_to=HOME)
    new = new_order(lines=(stray, pickup), tenders=(tender(amount=usd(2721 + 3199)),))

    order = create(new)

    carry, picked = order.lines
    assert (carry.requested_date, carry.ship_to, carry.pickup_by) == (None, None, None)
    assert (picked.requested_date, picked.ship_to, picked.pickup_by) == (
        SOON,
        None,
        "Grace Hopper",
    )


def test_the_shipping_charge_is_recorded_with_its_tax() -> None:
    new = new_order(lines=(ship_line(),), shipping=shipping(), tenders=(tender(amount=usd(15251)),))

    order = create(new)

    [charge] = order.charges
    assert charge.id == child_id(ORDER_ID, "charge-shipping")
    assert charge.kind is ChargeKind.SHIPPING
    assert charge.code == "SHIP"
    assert charge.amount == usd(995)
    assert charge.tax_amount == usd(88)
    # 1414.29 + 10.83 = 1425.12 -> deposit 142.512 -> 142.51
    assert order.order_value == usd(142512)
    assert order.required_deposit == usd(14251)


def test_a_zero_shipping_charge_is_accepted() -> None:
    new = new_order(shipping=shipping(amount=usd(0)), tenders=(tender(amount=usd(14143)),))

    order = create(new)

    assert order.charges[0].gross_amount == usd(0)


# -- the worked hybrid example -------------------------------------------------------------


def test_hybrid_order_amounts_match_the_worked_example() -> None:
    order = create(hybrid_order())

    assert order.order_value == usd(174497)
    assert order.carry_out_total == usd(2721)
    assert order.required_deposit == usd(17450)
    assert order.amount_paid == usd(20171)
    assert order.amount_due == usd(0)


def test_one_tender_is_split_into_carry_out_then_deposit() -> None:
    # Given one card payment of exactly the amount due now (201.71)
    card = tender(amount=usd(20171), kind=Tender.CARD, card_last4="4242", card_token="tok_1")

    # When the hybrid order is created
    order = create(hybrid_order(tenders=(card,)))

    # Then the card pays the carry-out line first (27.21) and the rest is deposit (174.50)
    carry, deposit = order.payments
    assert (carry.purpose, carry.amount, carry.tender) == (
        PaymentPurpose.CARRY_OUT,
        usd(2721),
        Tender.CARD,
    )
    assert (deposit.purpose, deposit.amount, deposit.tender) == (
        PaymentPurpose.DEPOSIT,
        usd(17450),
        Tender.CARD,
    )
    assert carry.id == child_id(TENDER_1, "carry-out")
    assert deposit.id == TENDER_1
    for payment in (carry, deposit):
        assert payment.card_last4 == "4242"
        assert payment.authorization_code == "AUTH1"
        assert payment.card_token == "tok_1"
        assert payment.created_at == NOW


def test_carry_out_is_settled_across_tenders_before_any_deposit() -> None:
    # Given 20.00 cash (less than the 27.21 carry-out) and 181.71 by card
    cash = tender(id=TENDER_1, amount=usd(2000))
    card = tender(id=TENDER_2, amount=usd(18171), kind=Tender.CARD)

    order = create(hybrid_order(tenders=(cash, card)))

    assert [(p.id, p.tender, p.purpose, p.amount) for p in order.payments] == [
        (child_id(TENDER_1, "carry-out"), Tender.CASH, PaymentPurpose.CARRY_OUT, usd(2000)),
        (child_id(TENDER_2, "carry-out"), Tender.CARD, PaymentPurpose.CARRY_OUT, usd(721)),
        (TENDER_2, Tender.CARD, PaymentPurpose.DEPOSIT, usd(17450)),
    ]
    assert order.amount_due == usd(0)


def test_paying_more_than_the_deposit_records_the_excess_as_deposit() -> None:
    # 300.00 against 201.71 due: carry-out 27.21, deposit 272.79
    order = create(hybrid_order(tenders=(tender(amount=usd(30000)),)))

    assert order.paid_for(PaymentPurpose.CARRY_OUT) == usd(2721)
    assert order.deposit_paid == usd(27279)
    assert order.amount_due == usd(17450 - 27279)


def test_paying_the_whole_order_total_is_accepted() -> None:
    order = create(hybrid_order(tenders=(tender(amount=usd(177218)),)))

    assert order.amount_paid == order.order_total == usd(177218)
    assert order.deposit_paid == usd(174497)


def test_carry_out_lines_are_invoiced_at_once() -> None:
    order = create(hybrid_order())

    sofa, lamps, vase = order.lines
    assert (sofa.invoiced_qty, lamps.invoiced_qty, vase.invoiced_qty) == (0, 0, 1)
    [invoice] = order.invoices
    assert invoice.id == child_id(ORDER_ID, "invoice-carry-out")
    assert invoice.number is None
    assert invoice.created_at == NOW
    assert [(il.line_id, il.quantity, il.net_amount, il.tax_amount) for il in invoice.lines] == [
        (vase.id, 1, usd(2499), usd(222))
    ]
    assert invoice.charges_amount == usd(0)
    assert invoice.deposit_applied == usd(0)
    assert invoice.total_amount == usd(2721)


def test_an_order_without_carry_out_has_no_invoice() -> None:
    order = create(new_order(tenders=(tender(amount=usd(14143)),)))

    assert order.invoices == []
    assert all(line.invoiced_qty == 0 for line in order.lines)


# -- the creation event --------------------------------------------------------------------


def test_creating_an_order_records_one_event() -> None:
    order = create(hybrid_order())

    [event] = order.events
    assert event.id == child_id(ORDER_ID, "event-1")
    assert event.action == "order_created"
    assert event.at == NOW
    assert event.operator_id == "1001"
    assert event.override_by is None
    assert event.counts == {"lines": 3}
    assert event.amounts == {
        "total": Money.parse("1772.18"),
        "deposit_required": Money.parse("174.50"),
        "paid": Money.parse("201.71"),
    }
    assert event.flags == ()
    assert describe(event) == (
        "3 line(s), total 1772.18 USD, deposit required 174.50 USD, paid 201.71 USD"
    )


def test_creating_a_quote_records_a_quote_created_event() -> None:
    quote = create(new_order(order_type=OrderType.QUOTE))

    [event] = quote.events
    assert event.action == "quote_created"
    assert event.operator_id == "1001"
    assert (event.counts, event.amounts) == ({"lines": 1}, {"total": Money.parse("1414.29")})
    assert describe(event) == "1 line(s), total 1414.29 USD"


# -- deterministic ids ---------------------------------------------------------------------


def test_the_same_request_creates_equal_orders() -> None:
    new = hybrid_order()

    assert create(new) == create(new)


def test_child_ids_derive_from_the_order_id() -> None:
    order = create(hybrid_order())
    other = create(replace(hybrid_order(), id=uuid5(ORDER_ID, "another")))

    assert [line.id for line in order.lines] == [
        child_id(ORDER_ID, "line-1"),
        child_id(ORDER_ID, "line-2"),
        child_id(ORDER_ID, "line-3"),
    ]
    assert {line.id for line in order.lines}.isdisjoint({line.id for line in other.lines})


# -- quotes --------------------------------------------------------------------------------


def test_a_quote_expires_after_the_quote_expiration_days_and_takes_no_payment() -> None:
    quote = create(
        new_order(
            order_type=OrderType.QUOTE,
            lines=(ship_line(), pickup_line()),
            quote_expiration_days=14,
        )
    )

    assert quote.is_quote
    assert quote.expires_on == date(2026, 12, 15)
    assert quote.payments == []
    assert quote.invoices == []
    assert quote.deposit_override is None
    assert quote.required_deposit == usd(0)
    assert quote.amount_due == usd(0)


def test_a_quote_cannot_have_carry_out_lines() -> None:
    # Carry-out is sold and paid now; a quote takes no payment (docs/rules.md §2.4, §8).
    new = new_order(order_type=OrderType.QUOTE, lines=(ship_line(), carry_out_line()))

    error = refused(new)

    assert type(error) is InvalidInput
    assert error.field == "lines[1].fulfilment"


def test_a_quote_with_a_payment_is_refused() -> None:
    new = new_order(order_type=OrderType.QUOTE, tenders=(tender(amount=usd(100)),))

    error = refused(new, QuoteTakesNoPayment)

    assert error.field == "payments"
    assert error.message == "A quote takes no payment."


def test_a_quote_with_a_deposit_override_is_refused_even_for_a_manager() -> None:
    new = new_order(order_type=OrderType.QUOTE, deposit_override=usd(0))

    error = refused(new, staff=MANAGER)

    assert type(error) is InvalidInput
    assert error.field == "deposit_override"
    assert error.message == "A quote takes no deposit override."


# -- lines ---------------------------------------------------------------------------------


def test_an_order_without_lines_is_refused() -> None:
    error = refused(new_order(lines=()))

    assert error.field == "lines"
    assert error.message == "Add at least one product to the order."


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_line_quantity_below_one_is_refused(quantity: int) -> None:
    new = new_order(lines=(ship_line(), pickup_line(quantity=quantity)))

    error = refused(new)

    assert error.field == "lines[1].quantity"
    assert error.message == "Quantity must be at least 1."


def test_a_negative_price_is_refused() -> None:
    error = refused(new_order(lines=(ship_line(unit_price=usd(-1)),)))

    assert error.field == "lines[0].unit_price"


def test_a_ship_line_without_a_requested_date_is_refused() -> None:
    error = refused(new_order(lines=(ship_line(requested_date=None),)))

    assert error.field == "lines[0].requested_date"
    assert error.message == "Choose the ship date for SOFA."


def test_a_pickup_line_without_a_requested_date_is_refused() -> None:
    error = refused(new_order(lines=(ship_line(), pickup_line(requested_date=None))))

    assert error.field == "lines[1].requested_date"
    assert error.message == "Choose the pickup date for LAMP."


def test_a_requested_date_before_the_stores_today_is_refused() -> None:
    yesterday = TODAY - timedelta(days=1)

    error = refused(new_order(lines=(ship_line(), pickup_line(requested_date=yesterday))))

    assert error.field == "lines[1].requested_date"
    assert error.message == (
        "The pickup date 2026-11-30 is before today (2026-12-01) at this store."
    )


def test_the_past_is_judged_by_the_today_argument_not_the_clock() -> None:
    # A date that is in the future by the wall clock is in the past for a store whose
    # today is later.
    new = new_order(lines=(ship_line(requested_date=date(2030, 1, 1)),))

    error = refused(new, today=date(2030, 1, 2))

    assert error.field == "lines[0].requested_date"


def test_a_ship_line_without_an_address_is_refused() -> None:
    error = refused(new_order(lines=(pickup_line(), ship_line(ship_to=None))))

    assert error.field == "lines[1].ship_to"
    assert error.message == "Choose the address to ship SOFA to."


def test_a_pickup_line_needs_no_address() -> None:
    order = create(new_order(lines=(pickup_line(),), tenders=(tender(amount=usd(3199)),)))

    # 319.85 × 10 % = 31.985 -> 31.99
    assert order.required_deposit == usd(3199)
    assert order.lines[0].ship_to is None


def test_an_all_carry_out_cart_is_not_a_customer_order() -> None:
    new = new_order(lines=(carry_out_line(), carry_out_line(sku="BOWL")))

    error = refused(new)

    assert error.field == "lines"
    assert "ordinary sale" in error.message


def test_an_all_carry_out_quote_is_refused_too() -> None:
    error = refused(new_order(order_type=OrderType.QUOTE, lines=(carry_out_line(),)))

    assert error.field == "lines"


# -- shipping charge -----------------------------------------------------------------------


def test_a_negative_shipping_charge_is_refused() -> None:
    error = refused(new_order(shipping=shipping(amount=usd(-1))))

    assert error.field == "shipping_charge"
    assert error.message == "A shipping charge cannot be negative."


def test_a_shipping_charge_without_a_ship_line_is_refused() -> None:
    new = new_order(lines=(pickup_line(), carry_out_line()), shipping=shipping())

    error = refused(new)

    assert error.field == "shipping_charge"
    assert error.message == "A shipping charge needs at least one line that is shipped."


# -- deposit override and permissions -------------------------------------------------------


def test_only_supervisors_and_managers_may_override_a_deposit() -> None:
    assert Permission.DEPOSIT_OVERRIDE not in ROLE_PERMISSIONS[Role.CASHIER]
    assert Permission.DEPOSIT_OVERRIDE in ROLE_PERMISSIONS[Role.SUPERVISOR]
    assert Permission.DEPOSIT_OVERRIDE in ROLE_PERMISSIONS[Role.MANAGER]
    assert Permission.DEPOSIT_OVERRIDE in ROLE_PERMISSIONS[Role.HQ_ADMIN]
    assert not CASHIER.has(Permission.DEPOSIT_OVERRIDE)
    assert SUPERVISOR.has(Permission.DEPOSIT_OVERRIDE)
    assert MANAGER.has(Permission.DEPOSIT_OVERRIDE)


def test_every_role_may_create_orders() -> None:
    assert all(Permission.CREATE_ORDER in perms for perms in ROLE_PERMISSIONS.values())
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_a_manager_override_lends_the_managers_permissions() -> None:
    assert not Authorization(CASHIER).allows(Permission.DEPOSIT_OVERRIDE)
    assert Authorization(CASHIER, override_by=MANAGER).allows(Permission.DEPOSIT_OVERRIDE)
    assert Authorization(CASHIER, override_by=SUPERVISOR).allows(Permission.DEPOSIT_OVERRIDE)
    other_cashier = Staff("1009", "Chris Cashier", Role.CASHIER, "S001")
    assert not Authorization(CASHIER, override_by=other_cashier).allows(Permission.DEPOSIT_OVERRIDE)


def test_a_cashier_may_not_override_the_deposit() -> None:
    new = hybrid_order(deposit_override=usd(5000), tenders=(tender(amount=usd(7721)),))

    with pytest.raises(DepositOverrideNotAllowed) as raised:
        create(new, staff=CASHIER)

    assert isinstance(raised.value, PermissionDenied)
    assert raised.value.permission == "deposit_override"
    assert "Casey Cashier alone may not change the deposit" in raised.value.message


def test_another_cashier_cannot_approve_a_deposit_override() -> None:
    other_cashier = Staff("1009", "Chris Cashier", Role.CASHIER, "S001")
    new = hybrid_order(deposit_override=usd(5000), tenders=(tender(amount=usd(7721)),))

    with pytest.raises(DepositOverrideNotAllowed):
        create(new, staff=CASHIER, override_by=other_cashier)


def test_a_supervisor_may_override_the_deposit() -> None:
    # Given 50.00 instead of 174.50, plus the 27.21 carry-out
    new = hybrid_order(deposit_override=usd(5000), tenders=(tender(amount=usd(7721)),))

    order = create(new, staff=SUPERVISOR)

    assert order.deposit_override == usd(5000)
    assert order.required_deposit == usd(5000)
    assert order.deposit_paid == usd(5000)
    assert order.amount_due == usd(0)
    [event] = order.events
    assert event.operator_id == "1003"
    assert event.override_by is None
    assert event.flags == ("deposit_overridden",)
    assert describe(event).endswith(
        "deposit required 50.00 USD, deposit overridden, paid 77.21 USD"
    )


def test_a_cashier_may_override_the_deposit_with_a_manager_override() -> None:
    new = hybrid_order(deposit_override=usd(5000), tenders=(tender(amount=usd(7721)),))

    order = create(new, staff=CASHIER, override_by=MANAGER)

    assert order.deposit_override == usd(5000)
    assert order.created_by == "1001"
    [event] = order.events
    assert event.operator_id == "1001"
    assert event.override_by == "1002"


def test_a_deposit_override_of_zero_needs_no_payment_for_a_ship_order() -> None:
    order = create(new_order(deposit_override=usd(0)), staff=MANAGER)

    assert order.required_deposit == usd(0)
    assert order.payments == []
    assert order.amount_due == usd(0)


def test_a_deposit_override_of_the_whole_order_value_is_accepted() -> None:
    new = hybrid_order(deposit_override=usd(174497), tenders=(tender(amount=usd(177218)),))

    order = create(new, staff=MANAGER)

    assert order.required_deposit == usd(174497)
    assert order.amount_due == usd(0)


@pytest.mark.parametrize("override", [-1, 174498])
def test_a_deposit_override_outside_zero_to_order_value_is_refused(override: int) -> None:
    new = hybrid_order(deposit_override=usd(override))

    error = refused(new, DepositOverrideOutOfRange, staff=MANAGER)

    assert error.field == "deposit_override"


def test_the_carry_out_total_does_not_count_toward_the_override_limit() -> None:
    # The order value is 1744.97; the order total with carry-out is 1772.18.
    error = refused(
        hybrid_order(deposit_override=usd(177218)), DepositOverrideOutOfRange, staff=MANAGER
    )

    assert error.field == "deposit_override"


# -- payments ------------------------------------------------------------------------------


def test_payments_below_the_amount_due_now_are_refused() -> None:
    error = refused(hybrid_order(tenders=(tender(amount=usd(20170)),)))

    assert error.field == "payments"
    assert error.message == (
        "The payments (201.70 USD) do not cover the amount due now (201.71 USD)."
    )


def test_no_payment_at_all_is_refused_when_a_deposit_is_due() -> None:
    error = refused(new_order(tenders=()))

    assert error.field == "payments"
    assert "(0.00 USD) do not cover the amount due now (141.43 USD)" in error.message


def test_payments_above_the_order_total_are_refused() -> None:
    error = refused(hybrid_order(tenders=(tender(amount=usd(177219)),)))

    assert error.field == "payments"
    assert error.message == (
        "The payments (1772.19 USD) are more than the order total (1772.18 USD); "
        "give the customer change instead."
    )


@pytest.mark.parametrize("amount", [0, -100])
def test_a_payment_of_zero_or_less_is_refused(amount: int) -> None:
    new = hybrid_order(
        tenders=(tender(id=TENDER_1, amount=usd(20171)), tender(id=TENDER_2, amount=usd(amount)))
    )

    error = refused(new)

    assert error.field == "payments[1].amount"
    assert error.message == "A payment must be more than zero."


def test_a_draft_is_the_order_unpaid_with_the_same_figures_and_no_history() -> None:
    """What the POS shows while the cart is built (docs/rules.md §2)."""
    draft = draft_order(hybrid_order(tenders=()), auth=Authorization(CASHIER), today=TODAY, now=NOW)
    made = create(hybrid_order())

    assert (draft.order_total, draft.required_deposit) == (made.order_total, made.required_deposit)
    assert draft.amount_due == usd(20171)  # what create_order was paid: deposit + carry-out
    assert (draft.payments, draft.invoices, draft.events) == ([], [], [])

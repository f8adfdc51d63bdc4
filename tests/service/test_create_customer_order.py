"""Creating customer orders and quotes at the store in sync mode (docs/rules.md §2)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniorder.adapters.orm import InventoryRow
from omniorder.domain.errors import (
    DepositOverrideNotAllowed,
    DepositOverrideOutOfRange,
    InvalidInput,
    MissingChargeCode,
    QuoteTakesNoPayment,
    Unavailable,
)
from omniorder.domain.money import Money
from omniorder.domain.order import Address
from omniorder.domain.statuses import OrderStatus, OrderType, PaymentPurpose
from omniorder.service_layer.customer_orders import create_customer_order, get_order
from tests.builders import (
    MANAGER,
    NOW,
    TODAY,
    as_cashier,
    card,
    carry_out_line,
    cash,
    order_input,
    pickup_line,
    ship_line,
)
from tests.service.conftest import World
from tests.service.snapshots import snapshot


def create(world: World, request, *, auth=None):  # type: ignore[no-untyped-def]
    return create_customer_order(
        world.store_uow(),
        hq=world.hq,
        payments=world.cards,
        request=request,
        auth=auth or as_cashier(),
        store_code="S001",
        now=NOW,
    )


def usd(text: str) -> Money:
    return Money.parse(text)


def stock(world: World, location: str, sku: str) -> tuple[int, int]:
    with world.hq_uow() as uow:
        row = uow.records.get(InventoryRow, (location, sku))
        assert row is not None
        return row.on_hand_qty, row.reserved_qty


def test_pickup_order_takes_the_deposit_and_hq_numbers_it(world: World) -> None:
    # Given a pickup of 2 floor lamps at S001 (149.99 each, tax 8.875 % at S001)
    request = order_input(lines=(pickup_line(quantity=2),), payments=(cash("32.66"),))

    # When the cashier creates the order
    order = create(world, request)

    # Then value 299.98 + tax 26.62 = 326.60, deposit 10 % = 32.66, and HQ numbered it
    assert order.order_value == usd("326.60")
    assert order.required_deposit == usd("32.66")
    assert order.deposit_paid == usd("32.66")
    assert order.amount_due == usd("0.00")
    assert order.channel_ref == "S001-000001"
    assert order.sales_order_number == "SO-000001"
    assert order.status is OrderStatus.OPEN
    at_hq = get_order(world.hq_uow(), ref="SO-000001", auth=as_cashier())
    assert at_hq == order
    assert stock(world, "S001", "LAMP-FLOOR") == (6, 2)


def test_hybrid_order_invoices_carry_out_and_reserves_the_rest(world: World) -> None:
    # Given a ship line, a pickup line at the other store and a carry-out line
    request = order_input(
        lines=(
            ship_line(),
            pickup_line(quantity=2, pickup_store="S002", pickup_by="Charles Babbage"),
            carry_out_line(),
        ),
        payments=(card("201.71"),),
    )

    order = create(world, request)

    # Then the figures of the worked example in docs/rules.md hold to the cent
    assert [line.tax_amount for line in order.lines] == [usd("115.29"), usd("19.87"), usd("2.22")]
    assert order.charges_total == usd("10.83")
    assert order.order_value == usd("1744.97")
    assert order.carry_out_total == usd("27.21")
    assert order.required_deposit == usd("174.50")
    assert order.amount_due == usd("0.00")
    assert order.paid_for(PaymentPurpose.CARRY_OUT) == usd("27.21")
    assert order.paid_for(PaymentPurpose.DEPOSIT) == usd("174.50")
    assert order.status is OrderStatus.OPEN  # carry-out is a sale done at the till
    assert [i.number for i in order.invoices] == ["INV-000001"]
    assert order.lines[2].invoiced_qty == 1
    assert order.payments[0].authorization_code is not None
    assert order.payments[0].card_last4 == "4242"
    # Stock: ship reserved at WH1, pickup at S002, carry-out left S001 now
    assert stock(world, "WH1", "SOFA-3S") == (40, 1)
    assert stock(world, "S002", "LAMP-FLOOR") == (2, 2)
    assert stock(world, "S001", "VASE-GLASS") == (5, 0)


def test_a_new_ship_to_address_is_saved_to_the_customer_at_hq(world: World) -> None:
    new_address = Address("Ada Lovelace", "1 Engine St", "Albany", "NY", "12207")
    request = order_input(
        lines=(ship_line(ship_to=new_address, ship_to_address_id=None),),
        payments=(cash("142.52"),),
    )

    order = create(world, request)

    assert order.lines[0].ship_to == new_address
    with world.hq_uow() as uow:
        customer = uow.records.customer("C0001")
        assert customer is not None
        assert [a.street for a in customer.addresses] == ["10 Analytical Way", "1 Engine St"]


def test_repeating_a_create_returns_the_first_order(world: World) -> None:
    request = order_input(payments=(card("16.33"),))

    first = create(world, request)
    second = create(world, request)

    assert second == first
    assert world.hq.calls == 1
    assert len(world.cards.authorized) == 1


def test_hq_commits_but_the_answer_is_lost_then_a_retry_finds_the_same_order(
    world: World,
) -> None:
    request = order_input(payments=(card("16.33"),))
    world.hq.lose_answers = True

    with pytest.raises(Unavailable):
        create(world, request)

    # Nothing at the store yet; HQ has it once
    with world.store_uow() as uow:
        assert uow.orders.get(request.id) is None
    world.hq.lose_answers = False
    order = create(world, request)

    assert order.channel_ref == "S001-000001"  # HQ's copy wins over the retry's new number
    assert order.sales_order_number == "SO-000001"
    with world.hq_uow() as uow:
        assert len(uow.orders.summaries()) == 1
    assert len(world.cards.authorized) == 1  # the same card authorization, not a second one


def test_hq_unreachable_gives_a_clear_error_and_writes_no_order(world: World) -> None:
    before_hq = snapshot(world.hq_db.session_factory)
    before_store = snapshot(world.store_db.session_factory, ignore=("counters",))
    world.hq.down = True

    with pytest.raises(Unavailable, match="HQ cannot be reached"):
        create(world, order_input(payments=(cash("16.33"),)))

    assert snapshot(world.hq_db.session_factory) == before_hq
    assert snapshot(world.store_db.session_factory, ignore=("counters",)) == before_store


def test_quote_takes_no_deposit_reserves_nothing_and_expires(world: World) -> None:
    order = create(world, order_input(order_type=OrderType.QUOTE))

    assert order.is_quote
    assert order.required_deposit == usd("0.00")
    assert order.payments == []
    assert order.expires_on == TODAY + timedelta(days=30)
    assert order.quote_status(TODAY).value == "open"
    assert stock(world, "S001", "LAMP-FLOOR") == (6, 0)


def test_manager_override_lets_a_cashier_lower_the_deposit(world: World) -> None:
    request = order_input(deposit_override="5.00", payments=(cash("5.00"),))

    order = create(world, request, auth=as_cashier(override_by=MANAGER))

    assert order.required_deposit == usd("5.00")
    assert order.deposit_override == usd("5.00")
    assert order.events[0].override_by == "1002"


def test_shipping_charge_defaults_to_the_delivery_mode_rate(world: World) -> None:
    order = create(
        world, order_input(lines=(ship_line(delivery_mode="EXP"),), payments=(cash("144.15"),))
    )

    assert [(c.code, c.amount) for c in order.charges] == [("SHIP", usd("24.95"))]
    assert order.charges[0].tax_amount == usd("2.21")


@pytest.mark.parametrize(
    ("request_", "auth_override", "error", "field"),
    [
        (order_input(lines=(pickup_line(sku="NOPE"),)), False, InvalidInput, "lines[0].sku"),
        (order_input(customer="C9999"), False, InvalidInput, "customer_account"),
        (order_input(lines=(pickup_line(quantity=0),)), False, InvalidInput, "lines[0].quantity"),
        (
            order_input(lines=(pickup_line(requested_date=TODAY - timedelta(days=1)),)),
            False,
            InvalidInput,
            "lines[0].requested_date",
        ),
        (
            order_input(lines=(pickup_line(pickup_store="WH1"),)),
            False,
            InvalidInput,
            "lines[0].pickup_store",
        ),
        (
            order_input(lines=(ship_line(ship_to_address_id=None),)),
            False,
            InvalidInput,
            "lines[0].ship_to",
        ),
        (
            order_input(lines=(ship_line(),), shipping_charge="-1.00"),
            False,
            InvalidInput,
            "shipping_charge",
        ),
        (
            order_input(deposit_override="500.00"),
            True,
            DepositOverrideOutOfRange,
            "deposit_override",
        ),
        (
            order_input(deposit_override="1.00"),
            False,
            DepositOverrideNotAllowed,
            "deposit_override",
        ),
        (
            order_input(order_type=OrderType.QUOTE, payments=(cash("1.00"),)),
            False,
            QuoteTakesNoPayment,
            "payments",
        ),
        (order_input(payments=(cash("16.32"),)), False, InvalidInput, "payments"),
        (
            order_input(lines=(carry_out_line(),), payments=(cash("27.21"),)),
            False,
            InvalidInput,
            "lines",
        ),
        (
            order_input(payments=(card("16.33", number="4000000000000002"),)),
            False,
            InvalidInput,
            "payments[0].card_number",
        ),
    ],
)
def test_bad_input_is_refused_with_its_field_and_changes_nothing(
    world: World,
    request_,
    auth_override,
    error,
    field,  # type: ignore[no-untyped-def]
) -> None:
    before_hq = snapshot(world.hq_db.session_factory)
    before_store = snapshot(world.store_db.session_factory)
    auth = as_cashier(override_by=MANAGER) if auth_override else as_cashier()

    with pytest.raises(error) as refused:
        create(world, request_, auth=auth)

    named = getattr(refused.value, "field", None) or getattr(refused.value, "permission", None)
    assert named == field
    assert snapshot(world.hq_db.session_factory) == before_hq
    assert snapshot(world.store_db.session_factory) == before_store
    assert world.hq.calls == 0
    assert world.cards.authorized == {}


def test_missing_shipping_charge_code_names_the_parameter(world: World) -> None:
    with world.store_uow() as uow:
        params = uow.records.parameters()
        assert params is not None
        params.shipping_charge_code = None
        uow.commit()
    before = snapshot(world.store_db.session_factory)

    with pytest.raises(MissingChargeCode, match="shipping charge code"):
        create(world, order_input(lines=(ship_line(),), payments=(cash("143.52"),)))

    assert snapshot(world.store_db.session_factory) == before


def test_requested_date_is_checked_against_the_store_local_date(world: World) -> None:
    # At 02:00 UTC on 2 December it is still 1 December in New York: "today" is allowed.
    late_evening = NOW.replace(day=2, hour=2)
    request = order_input(lines=(pickup_line(requested_date=TODAY),), payments=(cash("16.33"),))

    order = create_customer_order(
        world.store_uow(),
        hq=world.hq,
        payments=world.cards,
        request=request,
        auth=as_cashier(),
        store_code="S001",
        now=late_evening,
    )

    assert order.lines[0].requested_date == TODAY

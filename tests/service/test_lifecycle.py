"""The order lifecycle at the store in sync mode: pickup, cancel, return, edit, picking and
packing, quotes, and shipping at HQ (docs/rules.md §4–§8), with exact amounts."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from omniorder.adapters.orm import InventoryRow, OrderRow, ProductRow
from omniorder.domain.errors import Conflict, InvalidInput, PermissionDenied, StaleVersion
from omniorder.domain.money import Money
from omniorder.domain.order import Order
from omniorder.domain.returns import ReturnLineIn
from omniorder.domain.statuses import OrderStatus, OrderType, PaymentPurpose, Tender
from omniorder.entrypoints.history_words import describe
from omniorder.service_layer import order_operations as ops
from omniorder.service_layer.customer_orders import create_customer_order, find_orders, get_order
from omniorder.service_layer.order_operations import Context, EditInput, LineUpdate
from omniorder.service_layer.sales_orders import get_sales_order, ship_sales_order
from tests.builders import (
    MANAGER,
    NOW,
    SOON,
    as_cashier,
    card,
    cash,
    order_input,
    pickup_line,
    ship_line,
)
from tests.service.conftest import World
from tests.service.snapshots import snapshot


def usd(text: str) -> Money:
    return Money.parse(text)


def ctx(
    world: World, *, manager: bool = False, op: uuid.UUID | None = None, days: int = 0
) -> Context:
    return Context(
        uow=world.store_uow(),
        hq=world.hq,
        payments=world.cards,
        auth=as_cashier(override_by=MANAGER if manager else None),
        store_code="S001",
        now=NOW + timedelta(days=days),
        operation_id=op or uuid.uuid4(),
    )


def create(world: World, request, *, manager: bool = False) -> Order:  # type: ignore[no-untyped-def]
    return create_customer_order(
        world.store_uow(),
        hq=world.hq,
        payments=world.cards,
        request=request,
        auth=as_cashier(override_by=MANAGER if manager else None),
        store_code="S001",
        now=NOW,
    )


def at_hq(world: World, ref: str) -> Order:
    return get_sales_order(world.hq_uow(), ref=ref)


def at_store(world: World, ref: str) -> Order:
    with world.store_uow() as uow:
        order = uow.orders.get_by_ref(ref)
    assert order is not None
    return order


def agree(world: World, order: Order) -> None:
    """HQ's sales order and the store's copy are the same, to the last field."""
    assert at_hq(world, order.channel_ref) == at_store(world, order.channel_ref) == order


def stock(world: World, location: str, sku: str) -> tuple[int, int]:
    with world.hq_uow() as uow:
        row = uow.records.get(InventoryRow, (location, sku))
        assert row is not None
        return row.on_hand_qty, row.reserved_qty


def lamps_and_pillow(world: World, *, deposit_override: str | None = None) -> Order:
    """3 lamps (149.99) and a pillow (39.99) to pick up at S001: value 533.44."""
    payment = deposit_override or "53.34"
    return create(
        world,
        order_input(
            lines=(pickup_line(quantity=3), pickup_line(sku="PILLOW-2")),
            deposit_override=deposit_override,
            payments=(cash(payment),),
        ),
        manager=deposit_override is not None,
    )


def test_partial_then_final_pickup_applies_the_deposit_by_the_rule(world: World) -> None:
    order = lamps_and_pillow(world)
    lamp, pillow = order.lines
    assert (order.order_value, order.deposit_paid) == (usd("533.44"), usd("53.34"))

    # A first lamp: deposit applied = min(53.34, 10 % × 163.30) = 16.33; due 146.97
    assert ops.amount_due_for_pickup(
        ctx(world), ref=order.channel_ref, quantities={lamp.id: 1}
    ) == usd("146.97")
    order = ops.pick_up(
        ctx(world),
        ref=order.channel_ref,
        quantities={lamp.id: 1},
        collected_by="Ada",
        payments=(cash("146.97"),),
    )
    first = order.invoices[-1]
    assert (first.total_amount, first.deposit_applied) == (usd("163.30"), usd("16.33"))
    assert order.status is OrderStatus.PARTIALLY_INVOICED
    agree(world, order)

    # The rest completes the order: all remaining deposit (37.01) is applied; due 333.13
    order = ops.pick_up(
        ctx(world),
        ref=order.channel_ref,
        quantities={lamp.id: 2, pillow.id: 1},
        collected_by="Ada",
        payments=(cash("333.13"),),
    )
    last = order.invoices[-1]
    assert [(il.net_amount, il.tax_amount) for il in last.lines] == [
        (usd("299.98"), usd("26.62")),  # the line's remaining tax: 39.93 − 13.31
        (usd("39.99"), usd("3.55")),
    ]
    assert (last.total_amount, last.deposit_applied) == (usd("370.14"), usd("37.01"))
    assert order.status is OrderStatus.INVOICED
    assert order.invoiced_total == order.amount_paid == usd("533.44")
    assert order.deposit_held == usd("0.00")
    assert [i.number for i in order.invoices] == ["INV-000001", "INV-000002"]
    assert stock(world, "S001", "LAMP-FLOOR") == (3, 0)
    agree(world, order)


def test_final_pickup_refunds_deposit_beyond_what_is_owed(world: World) -> None:
    order = lamps_and_pillow(world, deposit_override="500.00")
    lamp, pillow = order.lines
    order = ops.pick_up(
        ctx(world),
        ref=order.channel_ref,
        quantities={lamp.id: 1},
        collected_by="Ada",
        payments=(cash("146.97"),),
    )

    order = ops.pick_up(
        ctx(world),
        ref=order.channel_ref,
        quantities={lamp.id: 2, pillow.id: 1},
        collected_by="Ada",
        payments=(),
    )

    refund = order.payments[-1]
    assert (refund.purpose, refund.tender, refund.amount) == (
        PaymentPurpose.REFUND,
        Tender.CASH,
        usd("-113.53"),
    )
    assert order.invoices[-1].deposit_applied == usd("483.67")
    assert order.amount_paid == order.invoiced_total == usd("533.44")
    agree(world, order)


def test_pickup_of_more_than_is_open_is_refused_and_changes_nothing(world: World) -> None:
    order = lamps_and_pillow(world)
    before = (snapshot(world.hq_db.session_factory), snapshot(world.store_db.session_factory))

    with pytest.raises(InvalidInput, match="Only 3"):
        ops.pick_up(
            ctx(world),
            ref=order.channel_ref,
            quantities={order.lines[0].id: 4},
            collected_by="Ada",
            payments=(cash("1.00"),),
        )

    assert (
        snapshot(world.hq_db.session_factory),
        snapshot(world.store_db.session_factory),
    ) == before


def test_repeating_a_pickup_operation_invoices_once(world: World) -> None:
    order = lamps_and_pillow(world)
    op = uuid.uuid4()
    for _ in range(2):
        order = ops.pick_up(
            ctx(world, op=op),
            ref=order.channel_ref,
            quantities={order.lines[0].id: 1},
            collected_by="Ada",
            payments=(cash("146.97"),),
        )

    assert len(order.invoices) == 1
    assert order.lines[0].invoiced_qty == 1


def test_cancel_charges_five_percent_refunds_the_rest_and_releases_stock(world: World) -> None:
    order = create(world, order_input(payments=(cash("16.33"),)))
    assert stock(world, "S001", "LAMP-FLOOR") == (6, 1)
    assert ops.cancellation_charge(ctx(world), ref=order.channel_ref) == usd("8.17")

    order = ops.cancel_order(ctx(world), ref=order.channel_ref, charge=None)

    assert order.status is OrderStatus.CANCELLED
    fee = order.charges[-1]
    assert (fee.code, fee.gross_amount) == ("CANCEL", usd("8.17"))
    assert order.payments[-1].amount == usd("-8.16")  # 16.33 deposit − 8.17 charge
    assert order.amount_paid == order.invoiced_total == usd("8.17")
    assert stock(world, "S001", "LAMP-FLOOR") == (6, 0)
    agree(world, order)


def test_cancel_with_a_charge_above_the_deposit_takes_the_difference(world: World) -> None:
    order = create(world, order_input(payments=(cash("16.33"),)))

    order = ops.cancel_order(
        ctx(world), ref=order.channel_ref, charge=usd("20.00"), payments=(cash("3.67"),)
    )

    assert order.paid_for(PaymentPurpose.CANCELLATION_CHARGE) == usd("3.67")
    assert order.amount_paid == order.invoiced_total == usd("20.00")


def test_cancel_is_refused_once_anything_is_invoiced(world: World) -> None:
    order = lamps_and_pillow(world)
    order = ops.pick_up(
        ctx(world),
        ref=order.channel_ref,
        quantities={order.lines[0].id: 1},
        collected_by="Ada",
        payments=(cash("146.97"),),
    )
    before = snapshot(world.hq_db.session_factory)

    with pytest.raises(Conflict, match="partly invoiced"):
        ops.cancel_order(ctx(world), ref=order.channel_ref, charge=None)

    assert snapshot(world.hq_db.session_factory) == before


def test_cancelling_open_lines_refunds_deposit_beyond_what_remains(world: World) -> None:
    order = lamps_and_pillow(world)

    order = ops.cancel_lines(ctx(world), ref=order.channel_ref, quantities={order.lines[0].id: 3})

    # Left: the pillow, 43.54, whose deposit is 4.35; 53.34 − 4.35 = 48.99 back
    assert order.order_value == usd("43.54")
    assert order.payments[-1].amount == usd("-48.99")
    assert order.deposit_held == usd("4.35")
    assert stock(world, "S001", "LAMP-FLOOR") == (6, 0)
    agree(world, order)


def test_return_refunds_line_and_tax_and_puts_stock_back(world: World) -> None:
    order = lamps_and_pillow(world)
    order = ops.pick_up(
        ctx(world),
        ref=order.channel_ref,
        quantities={order.lines[0].id: 1},
        collected_by="Ada",
        payments=(cash("146.97"),),
    )
    assert stock(world, "S001", "LAMP-FLOOR") == (5, 2)

    order = ops.return_goods(
        ctx(world),
        ref=order.channel_ref,
        invoice="INV-000001",
        lines=(ReturnLineIn(order.lines[0].id, 1, "damaged"),),
        shipping_refund=usd("0"),
    )

    ret = order.returns[0]
    assert (ret.number, ret.total_amount) == ("RET-000001", usd("163.30"))
    assert order.payments[-1].amount == usd("-163.30")
    assert order.lines[0].returned_qty == 1
    assert stock(world, "S001", "LAMP-FLOOR") == (6, 2)
    with pytest.raises(InvalidInput, match="Between 1 and 0"):
        ops.return_goods(
            ctx(world),
            ref=order.channel_ref,
            invoice="INV-000001",
            lines=(ReturnLineIn(order.lines[0].id, 1, "damaged"),),
            shipping_refund=usd("0"),
        )
    agree(world, order)


def shipped_sofa(world: World) -> Order:
    order = create(world, order_input(lines=(ship_line(),), payments=(card("142.51"),)))
    return ship_sales_order(
        world.hq_uow(),
        payments=world.cards,
        ref=order.sales_order_number or "",
        quantities={order.lines[0].id: 1},
        staff=MANAGER,
        operation_id=uuid.uuid4(),
        now=NOW,
    )


def test_shipping_at_hq_captures_the_balance_on_the_stored_card(world: World) -> None:
    order = shipped_sofa(world)

    invoice = order.invoices[-1]
    assert invoice.total_amount == usd("1425.12")  # sofa 1414.29 + shipping 10.83
    assert invoice.deposit_applied == usd("142.51")
    balance = order.payments[-1]
    assert (balance.tender, balance.purpose, balance.amount) == (
        Tender.CARD,
        PaymentPurpose.BALANCE,
        usd("1282.61"),
    )
    assert balance.card_token == order.payments[0].card_token
    assert order.status is OrderStatus.INVOICED
    assert stock(world, "WH1", "SOFA-3S") == (39, 0)


def test_shipping_refund_past_the_limit_needs_a_manager(world: World) -> None:
    order = shipped_sofa(world)
    ref, invoice = order.channel_ref, order.invoices[-1].number or ""
    before = snapshot(world.hq_db.session_factory)

    with pytest.raises(PermissionDenied, match="manager override"):
        ops.return_goods(
            ctx(world), ref=ref, invoice=invoice, lines=(), shipping_refund=usd("25.00")
        )
    assert snapshot(world.hq_db.session_factory) == before

    order = ops.return_goods(
        ctx(world, manager=True), ref=ref, invoice=invoice, lines=(), shipping_refund=usd("25.00")
    )
    assert order.returns[0].shipping_refund == usd("25.00")  # more than the 10.83 charged
    assert order.events[-1].override_by == "1002"


def test_edit_adds_a_line_takes_the_new_deposit_and_refuses_a_stale_version(world: World) -> None:
    order = create(world, order_input(payments=(cash("16.33"),)))
    edit = EditInput(
        expected_version=order.version,
        add=(pickup_line(sku="PILLOW-2"),),
        payments=(cash("4.35"),),
    )

    edited = ops.edit_order(ctx(world), ref=order.channel_ref, request=edit)

    assert [line.sku for line in edited.lines] == ["LAMP-FLOOR", "PILLOW-2"]
    assert edited.required_deposit == usd("20.68")  # 10 % of 163.30 + 43.54
    assert edited.amount_due == usd("0.00")
    assert stock(world, "S001", "PILLOW-2") == (6, 1)
    agree(world, edited)
    with pytest.raises(StaleVersion):
        ops.edit_order(
            ctx(world),
            ref=order.channel_ref,
            request=EditInput(expected_version=order.version, void=(edited.lines[1].id,)),
        )


def test_edit_keeps_prices_unless_recalculated(world: World) -> None:
    order = create(world, order_input(payments=(cash("16.33"),)))
    with world.hq_uow() as uow:
        product = uow.records.product("LAMP-FLOOR")
        assert product is not None
        product.price_amount = 20000
        uow.commit()
    with world.store_uow() as uow:
        cached = uow.records.get(ProductRow, "LAMP-FLOOR")
        assert cached is not None
        cached.price_amount = 20000
        uow.commit()
    lamp = order.lines[0]

    kept = ops.edit_order(
        ctx(world),
        ref=order.channel_ref,
        request=EditInput(
            expected_version=order.version,
            change=(LineUpdate(lamp.id, quantity=2),),
            payments=(cash("16.33"),),
        ),
    )
    repriced = ops.edit_order(
        ctx(world),
        ref=order.channel_ref,
        request=EditInput(
            expected_version=kept.version, is_recalculated=True, payments=(cash("10.89"),)
        ),
    )

    assert kept.lines[0].unit_price == usd("149.99")
    assert repriced.lines[0].unit_price == usd("200.00")
    assert repriced.required_deposit == usd("43.55")  # 10 % of 400.00 + 35.50 tax


def test_edit_moves_a_pickup_line_to_another_store_and_names_who_collects(world: World) -> None:
    order = create(world, order_input(payments=(cash("16.33"),)))
    lamp = order.lines[0]
    assert stock(world, "S001", "LAMP-FLOOR") == (6, 1)
    s002_before = stock(world, "S002", "LAMP-FLOOR")

    moved = ops.edit_order(
        ctx(world),
        ref=order.channel_ref,
        request=EditInput(
            expected_version=order.version,
            change=(LineUpdate(lamp.id, pickup_store="S002", pickup_by="Ada Lovelace"),),
        ),
    )

    line = moved.lines[0]
    assert (line.location, line.pickup_by, line.unit_price) == (
        "S002",
        "Ada Lovelace",
        usd("149.99"),
    )
    assert stock(world, "S001", "LAMP-FLOOR") == (6, 0)
    assert stock(world, "S002", "LAMP-FLOOR") == (s002_before[0], s002_before[1] + 1)
    assert describe(moved.events[-1]).startswith("1 changed, total ")
    agree(world, moved)


def test_a_quotes_expiry_date_moves_and_an_expired_quote_reopens_at_its_prices(
    world: World,
) -> None:
    quote = create(
        world,
        order_input(
            order_type=OrderType.QUOTE,
            lines=(pickup_line(requested_date=SOON + timedelta(days=60)),),
        ),
    )
    assert quote.expires_on == NOW.date() + timedelta(days=30)
    with world.hq_uow() as uow:  # HQ's price changes after the quote
        product = uow.records.get(ProductRow, "LAMP-FLOOR")
        assert product is not None
        product.price_amount = 10000
        uow.commit()
    later = NOW.date() + timedelta(days=31)
    assert at_hq(world, quote.channel_ref).quote_status(later).value == "expired"

    reopened = ops.edit_order(
        ctx(world, days=31),
        ref=quote.channel_ref,
        request=EditInput(
            expected_version=quote.version,
            expires_on=later + timedelta(days=14),
            is_expiry_changed=True,
        ),
    )

    assert reopened.expires_on == later + timedelta(days=14)
    assert reopened.quote_status(later).value == "open"
    assert reopened.events[-1].flags == ("expiry_changed",)
    assert "expiry date changed" in describe(reopened.events[-1])
    agree(world, reopened)
    order = ops.convert_quote(ctx(world, days=31), ref=quote.channel_ref, payments=(cash("16.33"),))
    assert order.lines[0].unit_price == usd("149.99")  # open again: its prices, not re-priced


@pytest.mark.parametrize(
    ("kind", "days_from_today", "error"),
    [
        ("order", 5, "Only a quote has an expiry date"),
        ("quote", -1, r"Choose an expiry date from today \(2026-12-01\) on"),
        ("quote", None, "Choose the date the quote expires"),
    ],
)
def test_an_expiry_date_is_refused_on_an_order_in_the_past_or_empty_and_nothing_changes(
    world: World, kind: str, days_from_today: int | None, error: str
) -> None:
    order_type = OrderType.QUOTE if kind == "quote" else OrderType.CUSTOMER_ORDER
    payments = () if kind == "quote" else (cash("16.33"),)
    order = create(world, order_input(order_type=order_type, payments=payments))
    before = snapshot(world.hq_db.session_factory), snapshot(world.store_db.session_factory)
    expires = None if days_from_today is None else NOW.date() + timedelta(days=days_from_today)

    with pytest.raises(InvalidInput, match=error) as refused:
        ops.edit_order(
            ctx(world),
            ref=order.channel_ref,
            request=EditInput(
                expected_version=order.version, expires_on=expires, is_expiry_changed=True
            ),
        )

    assert refused.value.field == "expires_on"
    assert (
        snapshot(world.hq_db.session_factory),
        snapshot(world.store_db.session_factory),
    ) == before


def test_voiding_the_only_pickup_line_is_refused(world: World) -> None:
    order = create(world, order_input(payments=(cash("16.33"),)))

    with pytest.raises(InvalidInput, match="at least one ship or pickup line"):
        ops.edit_order(
            ctx(world),
            ref=order.channel_ref,
            request=EditInput(expected_version=order.version, void=(order.lines[0].id,)),
        )


def test_pick_list_and_picking_make_the_order_processing(world: World) -> None:
    order = lamps_and_pillow(world)

    order = ops.create_pick_list(ctx(world), ref=order.channel_ref)
    assert order.documents[0].number == "PL-000001"
    assert order.status is OrderStatus.PROCESSING
    order = ops.mark_picked(ctx(world), ref=order.channel_ref, quantities={order.lines[0].id: 2})

    assert [(line.picked_qty, line.picking_qty) for line in order.lines] == [(2, 1), (0, 1)]
    with pytest.raises(InvalidInput, match="Only ship lines are packed"):
        ops.pack(ctx(world), ref=order.channel_ref, quantities={order.lines[0].id: 1})
    agree(world, order)


def test_a_quote_converts_to_an_order_with_its_deposit(world: World) -> None:
    quote = create(world, order_input(order_type=OrderType.QUOTE))
    assert stock(world, "S001", "LAMP-FLOOR") == (6, 0)

    order = ops.convert_quote(ctx(world), ref=quote.channel_ref, payments=(cash("16.33"),))

    assert order.order_type is OrderType.CUSTOMER_ORDER
    assert order.converted_at is not None
    assert order.deposit_paid == usd("16.33")
    assert stock(world, "S001", "LAMP-FLOOR") == (6, 1)


def test_an_expired_quote_is_repriced_when_converted(world: World) -> None:
    quote = create(
        world,
        order_input(
            order_type=OrderType.QUOTE,
            lines=(pickup_line(requested_date=SOON + timedelta(days=60)),),
        ),
    )
    # HQ's price list changes; HQ re-prices the quote with it (its master data decides).
    with world.hq_uow() as uow:
        product = uow.records.get(ProductRow, "LAMP-FLOOR")
        assert product is not None
        product.price_amount = 10000
        uow.commit()

    order = ops.convert_quote(ctx(world, days=31), ref=quote.channel_ref, payments=(cash("10.89"),))

    assert order.lines[0].unit_price == usd("100.00")
    assert order.events[-1].flags == ("repriced",)
    assert describe(order.events[-1]).startswith("re-priced, deposit ")


def test_an_order_this_store_has_no_copy_of_is_fetched_from_hq(world: World) -> None:
    # An order taken elsewhere, to be picked up here: the store has no copy of it yet.
    order = create(world, order_input(payments=(cash("16.33"),)))
    with world.store_uow() as uow:
        row = uow.session.get(OrderRow, order.id)
        uow.session.delete(row)
        uow.commit()

    found = get_order(
        world.store_uow(),
        ref=order.sales_order_number or "",
        auth=as_cashier(),
        hq=world.hq,
        store_code="S001",
    )

    assert found == at_hq(world, order.channel_ref)
    assert at_store(world, order.channel_ref) == found


def test_a_refund_to_card_is_sent_through_the_payment_connector_once(world: World) -> None:
    order = create(world, order_input(payments=(card("16.33"),)))
    order = ops.pick_up(
        ctx(world),
        ref=order.channel_ref,
        quantities={order.lines[0].id: 1},
        collected_by="Ada",
        payments=(card("146.97"),),
    )
    op = uuid.uuid4()

    for _ in range(2):  # a repeated request refunds once
        order = ops.return_goods(
            ctx(world, op=op),
            ref=order.channel_ref,
            invoice="INV-000001",
            lines=(ReturnLineIn(order.lines[0].id, 1, "damaged"),),
            shipping_refund=usd("0"),
            refund_tender=Tender.CARD,
        )

    refund = order.payments[-1]
    assert (refund.tender, refund.amount, refund.card_last4) == (
        Tender.CARD,
        usd("-163.30"),
        "4242",
    )
    assert world.cards.refunded == {refund.id: (refund.card_token, usd("163.30"))}


def test_find_order_by_phone_email_or_invoice_number(world: World) -> None:
    order = lamps_and_pillow(world)
    ops.pick_up(
        ctx(world),
        ref=order.channel_ref,
        quantities={order.lines[0].id: 1},
        collected_by="Ada",
        payments=(cash("146.97"),),
    )
    create(world, order_input(customer="C0002", payments=(cash("16.33"),)))

    def found(text: str) -> list[str]:
        result = find_orders(
            world.store_uow(), auth=as_cashier(), hq=world.hq, store_code="S001", text=text
        )
        assert result.is_from_hq
        return [o.channel_ref for o in result.orders]

    assert found("555-0101") == [order.channel_ref]
    assert found("ADA@example") == [order.channel_ref]
    assert found("INV-000001") == [order.channel_ref]
    assert found("grace") == ["S001-000002"]

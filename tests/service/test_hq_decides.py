"""HQ decides with its own rules (docs/sync.md, *Who writes an order*): parameters, prices,
staff and ids, whatever the store's copy of them says. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from omniorder.adapters.orm import ParametersRow, ProductRow
from omniorder.domain.errors import (
    IdInUse,
    InvalidInput,
    PermissionDenied,
    ShippingRefundNotAllowed,
)
from omniorder.domain.money import Money
from omniorder.domain.staff import Authorization, Role, Staff
from omniorder.service_layer import order_operations as ops
from omniorder.service_layer import synchronization
from omniorder.service_layer.cart import price_cart
from omniorder.service_layer.documents import new_order_to_document
from omniorder.service_layer.order_operations import Context
from omniorder.service_layer.sales_orders import accept_sales_order, get_sales_order
from tests.builders import CASHIER, NOW, as_cashier, cash, download, order_input
from tests.service.conftest import World
from tests.service.snapshots import snapshot
from tests.service.test_async import AsyncWorld
from tests.service.test_async import world as async_world  # noqa: F401  (fixture)


def ctx(world: World | AsyncWorld, *, auth: Authorization | None = None) -> Context:
    return Context(
        world.store_uow(),
        world.hq,
        world.cards,
        auth or as_cashier(),
        "S001",
        NOW,
        uuid.uuid4(),
    )


def both(world: World) -> tuple[object, object]:
    """Every row of HQ's database and of the store's."""
    return snapshot(world.hq_db.session_factory), snapshot(world.store_db.session_factory)


def set_hq_parameters(world: World | AsyncWorld, **values: object) -> None:
    with world.hq_uow() as uow:
        params = uow.records.get(ParametersRow, 1)
        assert params is not None
        for name, value in values.items():
            setattr(params, name, value)
        uow.commit()


def collected_order(world: World):  # type: ignore[no-untyped-def]
    order = world.take(order_input(payments=(cash("16.33"),)))
    return ops.pick_up(
        ctx(world),
        ref=order.channel_ref,
        quantities={order.lines[0].id: 1},
        collected_by="Ada",
        payments=(cash("146.97"),),
    )


def test_hq_refuses_a_shipping_refund_its_parameters_forbid_though_the_store_allows_it(
    world: World,
) -> None:
    order = collected_order(world)
    set_hq_parameters(world, is_shipping_refund_allowed=False)  # the store's copy still: yes
    before = both(world)

    with pytest.raises(ShippingRefundNotAllowed, match="not refundable"):
        ops.return_goods(
            ctx(world),
            ref=order.channel_ref,
            invoice=order.invoices[0].number or "",
            lines=(),
            shipping_refund=Money.parse("5.00"),
        )

    assert (
        snapshot(world.hq_db.session_factory),
        snapshot(world.store_db.session_factory),
    ) == before


def test_hq_charges_its_own_cancellation_percentage_not_the_stores(world: World) -> None:
    order = world.take(order_input(payments=(cash("16.33"),)))
    set_hq_parameters(world, cancellation_charge_percent=Decimal("8"))  # the store's: 5 %
    shown = ops.cancellation_charge(ctx(world), ref=order.channel_ref)

    cancelled = ops.cancel_order(ctx(world), ref=order.channel_ref, charge=None)

    assert shown == Money.parse("8.17")  # what the store's copy of the parameters says
    charge = next(c for c in cancelled.charges if c.kind.value == "cancellation")
    assert charge.amount == Money.parse("13.06")  # 8 % of 163.30, HQ's rule
    assert get_sales_order(world.hq_uow(), ref=order.channel_ref) == cancelled


def test_a_claimed_manager_override_counts_only_from_a_manager_of_that_store_at_hq(
    world: World,
) -> None:
    order = collected_order(world)
    other_store_manager = Staff("2002", "Jordan Airport", Role.MANAGER, "S002")
    before = snapshot(world.hq_db.session_factory)

    with pytest.raises(PermissionDenied, match="cannot approve at store S001"):
        ops.return_goods(
            ctx(world, auth=Authorization(CASHIER, override_by=other_store_manager)),
            ref=order.channel_ref,
            invoice=order.invoices[0].number or "",
            lines=(),
            shipping_refund=Money.parse("25.00"),
        )
    # A cashier's name in the manager's place is no approval at all.
    with pytest.raises(PermissionDenied):
        ops.return_goods(
            ctx(world, auth=Authorization(CASHIER, override_by=CASHIER)),
            ref=order.channel_ref,
            invoice=order.invoices[0].number or "",
            lines=(),
            shipping_refund=Money.parse("25.00"),
        )

    assert snapshot(world.hq_db.session_factory) == before


def test_an_order_id_of_another_store_or_another_body_is_a_conflict_naming_the_field(
    world: World,
) -> None:
    first = order_input(payments=(cash("16.33"),))
    world.take(first)
    with world.store_uow() as uow:
        new = price_cart(uow.records, first, store_code="S001", channel_ref="S002-000001")
    as_s002 = dataclasses.replace(new, store_code="S002")
    document = new_order_to_document(as_s002, created_at=NOW, operator_id="2001", override_by=None)
    before = both(world)

    with pytest.raises(IdInUse) as other_store:
        accept_sales_order(world.hq_uow(), document=document, store_code="S002")
    with pytest.raises(IdInUse) as other_body:
        world.take(dataclasses.replace(first, customer_account="C0002"))
    paid_with = first.payments[0]
    with pytest.raises(IdInUse) as payment:
        world.take(
            dataclasses.replace(
                order_input(payments=(paid_with,)),
                payments=(dataclasses.replace(paid_with, id=_deposit_id(world, first.id)),),
            )
        )

    assert other_store.value.field == "id"
    assert other_body.value.field == "customer_account"
    assert payment.value.field == "payments[0].id"
    assert (
        snapshot(world.hq_db.session_factory),
        snapshot(world.store_db.session_factory),
    ) == before


def test_a_repeated_create_answers_the_first_order_though_hq_would_now_refuse_it(
    world: World,
) -> None:
    # HQ's first attempt at a create does not look the ids up (the insert finds a taken one);
    # a repeat refused by HQ's rules of now is tried again looking them up, and answered.
    with world.store_uow() as uow:
        new = price_cart(
            uow.records,
            order_input(payments=(cash("16.33"),)),
            store_code="S001",
            channel_ref="S001-000777",
        )
    document = new_order_to_document(new, created_at=NOW, operator_id="1001", override_by=None)
    first, first_stock = accept_sales_order(world.hq_uow(), document=document, store_code="S001")
    with world.hq_uow() as uow:
        every_row = {(r.location, r.sku): r for r in uow.records.inventory("LAMP-FLOOR")}
        now = {key: (r.on_hand_qty, r.reserved_qty) for key, r in every_row.items()}
        lamp = uow.records.get(ProductRow, "LAMP-FLOOR")
        assert lamp is not None
        lamp.is_active = False
        uow.commit()
    before = snapshot(world.hq_db.session_factory)

    again, again_stock = accept_sales_order(world.hq_uow(), document=document, store_code="S001")

    assert again.sales_order_number == first.sales_order_number is not None
    assert snapshot(world.hq_db.session_factory) == before
    # The first answer's stock is the row its reservation changed, as it was after it; the
    # repeat, which reserved nothing, answers every location's row of the order's SKU.
    [line] = first.lines
    assert [(r.location, r.sku) for r in first_stock] == [("S001", line.sku)]
    assert [(r.on_hand_qty, r.reserved_qty) for r in first_stock] == [now["S001", "LAMP-FLOOR"]]
    assert {(r.location, r.sku): (r.on_hand_qty, r.reserved_qty) for r in again_stock} == now


def _deposit_id(world: World, order_id: uuid.UUID) -> uuid.UUID:
    at_hq = get_sales_order(world.hq_uow(), ref=str(order_id))
    return at_hq.payments[0].id


def test_hq_accepts_a_store_price_only_within_the_stores_channel_data_version(
    world: World,
) -> None:
    # The store's copy of the lamp's price is made up: HQ's price has not changed since.
    with world.store_uow() as uow:
        lamp = uow.records.get(ProductRow, "LAMP-FLOOR")
        assert lamp is not None
        lamp.price_amount = 9999
        uow.commit()
    before = snapshot(world.hq_db.session_factory)

    with pytest.raises(InvalidInput) as refused:
        world.take(order_input(payments=(cash("10.89"),)))
    assert refused.value.field == "lines[0].unit_price"
    assert "has not changed since the store's channel data" in refused.value.message
    assert snapshot(world.hq_db.session_factory) == before

    # HQ changes the price after the store's download: the store's price (the list the
    # customer saw) is accepted.
    with world.hq_uow() as uow:
        lamp = uow.records.get(ProductRow, "LAMP-FLOOR")
        assert lamp is not None
        lamp.price_amount = 12999
        uow.commit()
    accepted = world.take(order_input(payments=(cash("10.89"),)))
    assert get_sales_order(world.hq_uow(), ref=accepted.channel_ref).lines[0].unit_price == (
        Money.parse("99.99")
    )


def test_a_price_change_at_hq_is_stamped_and_travels_with_channel_data(world: World) -> None:
    with world.hq_uow() as uow:
        lamp = uow.records.get(ProductRow, "LAMP-FLOOR")
        assert lamp is not None
        assert lamp.price_changed_at is not None
        seeded = lamp.price_changed_at
        lamp.name = "Floor lamp, brass"  # not a price change
        uow.commit()
    with world.hq_uow() as uow:
        lamp = uow.records.get(ProductRow, "LAMP-FLOOR")
        assert lamp is not None
        assert lamp.price_changed_at == seeded
        lamp.price_amount += 100
        uow.commit()
    download(world.hq_db.session_factory, world.store_db.session_factory)
    with world.store_uow() as uow:
        cached = uow.records.get(ProductRow, "LAMP-FLOOR")
        assert cached is not None
        assert cached.price_changed_at is not None
    assert cached.price_changed_at > seeded
    assert cached.price_changed_at > datetime.now(UTC) - timedelta(minutes=5)


def test_an_offline_operation_settled_differently_than_hq_would_fails_readably_at_hq(
    async_world: AsyncWorld,  # noqa: F811
) -> None:
    world = async_world
    order = world.create(payments=(cash("16.33"),))
    # HQ's cancellation charge changes before the store's journal reaches it.
    set_hq_parameters(world, cancellation_charge_percent=Decimal("8"))
    cancelled = ops.cancel_order(ctx(world), ref=order.channel_ref, charge=None)
    assert cancelled.amount_paid == Money.parse("8.17")  # refunded in cash at the store

    result = world.run_jobs()

    assert (result.synchronized, result.failed) == (1, 1)
    with world.hq_uow() as uow:
        (failed,) = uow.staging.search(status="failed", store_code=None, limit=5)
    assert failed.kind == "operation"
    assert "The store settled -8.16 USD" in (failed.error or "")
    assert "HQ's rules settle -3.27 USD" in (failed.error or "")

    # Fixed at HQ (the charge the store applied), retried: it goes through.
    set_hq_parameters(world, cancellation_charge_percent=Decimal("5"))
    assert synchronization.retry(world.hq_uow(), transaction_id=None) == 1
    assert world.run_jobs().synchronized == 1
    assert get_sales_order(world.hq_uow(), ref=order.channel_ref).amount_paid == (
        Money.parse("8.17")
    )

"""Store and HQ use cases on the in-memory unit of work: the rules of docs/rules.md and the
one-writer flow of docs/sync.md, exact amounts, and nothing changed where a request is refused."""

from __future__ import annotations

import uuid

import pytest

from omniorder.adapters.orm import InventoryRow
from omniorder.domain.errors import QuantityOutOfRange, StaleVersion, Unavailable
from omniorder.domain.money import Money
from omniorder.domain.order import Order
from omniorder.domain.statuses import OrderStatus
from omniorder.service_layer import order_operations as ops
from omniorder.service_layer.order_operations import Context
from omniorder.service_layer.sales_orders import get_sales_order
from tests.builders import NOW, as_cashier, cash, order_input, pickup_line
from tests.fast.conftest import FastWorld


def ctx(world: FastWorld, *, op: uuid.UUID | None = None) -> Context:
    return Context(
        world.store_uow(), world.hq, world.cards, as_cashier(), "S001", NOW, op or uuid.uuid4()
    )


def at_store(world: FastWorld, ref: str) -> Order:
    with world.store_uow() as uow:
        order = uow.orders.get_by_ref(ref)
    assert order is not None
    return order


def reserved(world: FastWorld, sku: str) -> int:
    with world.hq_uow() as uow:
        row = uow.records.get(InventoryRow, ("S001", sku))
        assert row is not None
        return row.reserved_qty


def lamps_and_pillow(world: FastWorld) -> Order:
    """3 lamps (149.99) and a pillow (39.99) to pick up at S001: value 533.44, deposit 53.34."""
    return world.take(
        order_input(
            lines=(pickup_line(quantity=3), pickup_line(sku="PILLOW-2")),
            payments=(cash("53.34"),),
        )
    )


def test_an_order_taken_at_the_store_is_held_by_hq_and_copied_as_hq_answered(
    world: FastWorld,
) -> None:
    order = lamps_and_pillow(world)

    at_hq = get_sales_order(world.hq_uow(), ref=order.channel_ref)
    assert at_hq.sales_order_number == "SO-000001"
    assert at_hq == at_store(world, order.channel_ref) == order
    assert order.deposit_paid == Money.parse("53.34")
    assert reserved(world, "LAMP-FLOOR") == 3


def test_taking_the_same_order_twice_makes_one_sales_order(world: FastWorld) -> None:
    request = order_input(payments=(cash("16.33"),))
    first = world.take(request)
    commits = world.hq_db.commits

    again = world.take(request)

    assert again == first
    assert len(world.hq_db.orders) == 1
    assert world.hq_db.commits == commits  # the replay wrote nothing


def test_a_pickup_is_decided_at_hq_and_replaces_the_store_copy(world: FastWorld) -> None:
    order = lamps_and_pillow(world)

    order = ops.pick_up(
        ctx(world),
        ref=order.channel_ref,
        quantities={order.lines[0].id: 1},
        collected_by="Ada",
        payments=(cash("146.97"),),
    )

    assert order.lines[0].invoiced_qty == 1
    assert order.invoices[0].number == "INV-000001"
    assert get_sales_order(world.hq_uow(), ref=order.channel_ref) == at_store(
        world, order.channel_ref
    )
    assert reserved(world, "LAMP-FLOOR") == 2


def test_cancel_charges_five_percent_and_refunds_the_rest(world: FastWorld) -> None:
    order = world.take(order_input(payments=(cash("16.33"),)))
    assert ops.cancellation_charge(ctx(world), ref=order.channel_ref) == Money.parse("8.17")

    order = ops.cancel_order(ctx(world), ref=order.channel_ref, charge=None)

    assert order.status is OrderStatus.CANCELLED
    assert order.payments[-1].amount == Money.parse("-8.16")
    assert reserved(world, "LAMP-FLOOR") == 0


def test_a_refused_pickup_changes_nothing_at_hq_or_the_store(world: FastWorld) -> None:
    order = lamps_and_pillow(world)
    before = world.both()

    with pytest.raises(QuantityOutOfRange, match="Only 3"):
        ops.pick_up(
            ctx(world),
            ref=order.channel_ref,
            quantities={order.lines[0].id: 4},
            collected_by="Ada",
            payments=(cash("1.00"),),
        )

    assert world.both() == before


def test_an_operation_on_a_version_someone_changed_is_stale_and_changes_nothing(
    world: FastWorld,
) -> None:
    order = lamps_and_pillow(world)
    ops.create_pick_list(ctx(world), ref=order.channel_ref)  # version + 1 at HQ
    before = world.both()

    with pytest.raises(StaleVersion) as refused:
        ops.cancel_order(
            ctx(world), ref=order.channel_ref, charge=None, expected_version=order.version
        )

    assert refused.value.current_version == order.version + 1
    assert world.both() == before


def test_repeating_an_operation_id_applies_it_once(world: FastWorld) -> None:
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
    assert reserved(world, "LAMP-FLOOR") == 2


def test_with_hq_away_an_operation_on_an_order_hq_holds_changes_nothing(
    world: FastWorld,
) -> None:
    order = lamps_and_pillow(world)
    world.hq.down = True
    before = world.both()

    with pytest.raises(Unavailable):
        ops.cancel_order(ctx(world), ref=order.channel_ref, charge=None)

    assert world.both() == before

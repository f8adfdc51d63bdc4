"""Stores read orders through HQ and fall back to their own copy, marked, when HQ is away
(docs/sync.md, *Who writes an order*). On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from omniorder.adapters.orm import OrderRow
from omniorder.domain.errors import NotFound, Unavailable
from omniorder.domain.order import Order
from omniorder.service_layer import operation_requests as requests
from omniorder.service_layer.customer_orders import find_orders, read_order
from omniorder.service_layer.operation_requests import OperationRequest
from omniorder.service_layer.sales_orders import perform_operation
from tests.builders import NOW, as_cashier, cash, order_input
from tests.service.conftest import World
from tests.service.snapshots import snapshot


def taken(world: World) -> Order:
    return world.take(order_input(payments=(cash("16.33"),)))


def changed_at_hq(world: World, order: Order) -> None:
    """Another till makes a pick list: HQ's order moves on, this store's copy does not."""
    later = NOW + timedelta(minutes=5)
    operation = OperationRequest(
        operation_id=uuid.uuid4(),
        order_ref=order.channel_ref,
        store_code="S001",
        at=later,
        operator_id="1002",
        override_by=None,
        request=requests.PickListRequest(),
    )
    perform_operation(world.hq_uow(), document=requests.to_document(operation), store_code="S001")


def read(world: World, ref: str):  # type: ignore[no-untyped-def]
    return read_order(world.store_uow(), ref=ref, auth=as_cashier(), hq=world.hq, store_code="S001")


def test_a_read_shows_hqs_order_and_keeps_it_writing_only_when_it_differs(world: World) -> None:
    order = taken(world)
    changed_at_hq(world, order)

    first = read(world, order.channel_ref)
    after_first = snapshot(world.store_db.session_factory)
    again = read(world, order.sales_order_number or "")

    assert first.is_from_hq
    assert not first.hq_unreachable
    assert first.order.version == order.version + 1
    assert first.order.documents[0].kind == "pick_list"
    with world.store_uow() as uow:
        assert uow.orders.get(order.id) == first.order  # the store's copy is HQ's now
    assert again.order == first.order
    assert snapshot(world.store_db.session_factory) == after_first  # a current copy: no write


def test_when_hq_is_away_the_store_shows_its_copy_marked_with_its_age(world: World) -> None:
    order = taken(world)
    changed_at_hq(world, order)
    world.hq.down = True
    before = snapshot(world.store_db.session_factory)

    view = read(world, order.channel_ref)
    found = find_orders(
        world.store_uow(), auth=as_cashier(), hq=world.hq, store_code="S001", text="S001"
    )

    assert (view.is_from_hq, view.hq_unreachable) == (False, True)
    assert view.order.version == order.version  # the store's copy, not HQ's newer one
    assert view.as_of == order.events[-1].at
    assert found.hq_unreachable
    assert [o.id for o in found.orders] == [order.id]
    assert [o.changed_at for o in found.orders] == [view.as_of]  # the list's `copy_as_of`
    with pytest.raises(Unavailable, match="no copy of order SO-999999"):
        read(world, "SO-999999")
    assert snapshot(world.store_db.session_factory) == before


def test_an_order_of_another_store_is_found_through_hq(world: World) -> None:
    order = taken(world)
    with world.store_uow() as uow:  # as if it had been taken elsewhere: no copy here
        uow.session.delete(uow.session.get(OrderRow, order.id))
        uow.commit()
    found = find_orders(
        world.store_uow(), auth=as_cashier(), hq=world.hq, store_code="S001", text="C0001"
    )

    assert found.is_from_hq
    assert [o.id for o in found.orders] == [order.id]
    with pytest.raises(NotFound):
        read(world, "S009-000001")

"""Live availability (issue 8): the POS shows HQ's stock, and the store's channel data, marked
cached, only when HQ does not answer. Reading stock never writes to the store's database."""

from __future__ import annotations

from omniorder.adapters.orm import InventoryRow
from omniorder.domain.order import Order
from omniorder.service_layer.catalogue import (
    ProductView,
    availability_warnings,
    products_by_sku,
    search_products,
)
from omniorder.service_layer.customer_orders import create_customer_order
from tests.builders import NOW, as_cashier, cash, order_input, pickup_line
from tests.service.conftest import World
from tests.service.snapshots import snapshot


def lamps(world: World) -> ProductView:
    [view] = search_products(world.store_uow(), text="LAMP-FLOOR", store_code="S001", hq=world.hq)
    return view


def figures(view: ProductView) -> dict[str, tuple[int, int, int]]:
    """location → (on hand, reserved, available), here, at other stores and to ship."""
    return {
        a.location: (a.on_hand_qty, a.reserved_qty, a.available_qty)
        for a in (view.here, *view.other_stores, view.shipping_warehouse)
    }


def take_lamps(world: World, quantity: int, deposit: str) -> Order:
    """A sync order at S001: `quantity` floor lamps picked up here, HQ reserves them."""
    return create_customer_order(
        world.store_uow(),
        hq=world.hq,
        payments=world.cards,
        request=order_input(lines=(pickup_line(quantity=quantity),), payments=(cash(deposit),)),
        auth=as_cashier(),
        store_code="S001",
        now=NOW,
    )


def channel_data_stock(world: World, location: str, sku: str) -> tuple[int, int]:
    with world.store_uow() as uow:
        row = uow.records.get(InventoryRow, (location, sku))
        assert row is not None
        return row.on_hand_qty, row.reserved_qty


def test_product_search_shows_hqs_stock_while_the_channel_data_keeps_the_old(
    world: World,
) -> None:
    # Given HQ reserved 2 lamps at S001 for an order, and received 10 more at WH1
    take_lamps(world, 2, "32.66")
    with world.hq_uow() as uow:
        uow.records.adjust_stock("WH1", "LAMP-FLOOR", on_hand=10)
        uow.commit()
    before = snapshot(world.store_db.session_factory)

    # When the POS searches for the lamp
    view = lamps(world)

    # Then it shows HQ's figures of this moment, not cached
    assert view.is_cached is False
    assert figures(view) == {"S001": (6, 2, 4), "S002": (2, 0, 2), "WH1": (50, 0, 50)}
    # while the store's channel data still has the morning's figures, untouched by the read
    assert channel_data_stock(world, "S001", "LAMP-FLOOR") == (6, 0)
    assert channel_data_stock(world, "WH1", "LAMP-FLOOR") == (40, 0)
    assert snapshot(world.store_db.session_factory) == before


def test_when_hq_is_down_the_search_shows_the_channel_data_marked_cached(world: World) -> None:
    # Given HQ reserved 2 lamps at S001, and then stopped answering
    take_lamps(world, 2, "32.66")
    world.hq.down = True
    before = snapshot(world.store_db.session_factory)

    # When the POS searches for the lamp
    view = lamps(world)

    # Then it shows the store's channel-data figures, flagged cached, and wrote nothing
    assert view.is_cached is True
    assert figures(view) == {"S001": (6, 0, 6), "S002": (2, 0, 2), "WH1": (40, 0, 40)}
    assert snapshot(world.store_db.session_factory) == before

    # and HQ's figures come back as soon as HQ answers again
    world.hq.down = False
    assert (lamps(world).is_cached, lamps(world).here.available_qty) == (False, 4)


def test_the_carts_products_are_read_from_hq_in_one_go(world: World) -> None:
    take_lamps(world, 2, "32.66")

    live = products_by_sku(
        world.store_uow(), skus=["LAMP-FLOOR", "SOFA-3S", "NO-SUCH"], store_code="S001", hq=world.hq
    )
    world.hq.down = True
    cached = products_by_sku(world.store_uow(), skus=["LAMP-FLOOR"], store_code="S001", hq=world.hq)
    without_hq = products_by_sku(world.store_uow(), skus=["LAMP-FLOOR"], store_code="S001")

    assert sorted(live) == ["LAMP-FLOOR", "SOFA-3S"]
    assert not any(v.is_cached for v in live.values())
    assert live["LAMP-FLOOR"].here.available_qty == 4
    assert (cached["LAMP-FLOOR"].is_cached, cached["LAMP-FLOOR"].here.available_qty) == (True, 6)
    assert without_hq["LAMP-FLOOR"].is_cached is True


def warnings_of(world: World, order: Order) -> list[str]:
    """The receipt's back-order warnings; asserts that reading them wrote nothing."""
    before = snapshot(world.store_db.session_factory)
    warnings = availability_warnings(world.store_uow(), order=order, hq=world.hq)
    assert snapshot(world.store_db.session_factory) == before
    return warnings


def test_back_order_warnings_use_hqs_stock_and_count_the_orders_own_reservation_once(
    world: World,
) -> None:
    # Given 9 lamps ordered at S001, where HQ and the channel data both had 6
    first = take_lamps(world, 9, "146.97")
    assert first.sales_order_number is not None

    # Then the warning compares with what there was before this order (HQ reserved it since)
    assert warnings_of(world, first) == [
        "Line 1 (LAMP-FLOOR): only 6 available at S001; 3 will be back-ordered."
    ]

    # When 3 more are ordered: HQ has none left, though the channel data still says 6
    second = take_lamps(world, 3, "48.99")

    assert channel_data_stock(world, "S001", "LAMP-FLOOR") == (6, 0)
    assert warnings_of(world, second) == [
        "Line 1 (LAMP-FLOOR): only 0 available at S001; 3 will be back-ordered."
    ]

    # When HQ does not answer, the warning comes from the channel data and says so
    world.hq.down = True
    assert warnings_of(world, second) == []
    assert warnings_of(world, first) == [
        "Line 1 (LAMP-FLOOR): only 6 available at S001; 3 will be back-ordered. "
        "(Stock as of the store's channel data; HQ's was not available.)"
    ]

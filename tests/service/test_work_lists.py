"""The POS home's work lists (service_layer/work_lists.py) on the store's real database:
what is to collect and to pick at S001, each list read in one query."""

from __future__ import annotations

from omniorder.domain.statuses import OrderType
from omniorder.service_layer import order_operations as ops
from omniorder.service_layer.work_lists import store_work
from tests.builders import NOW, SOON, TODAY, cash, order_input, pickup_line, ship_line
from tests.service.conftest import World
from tests.service.test_lifecycle import ctx


def test_the_lists_hold_pickups_due_or_picked_and_lines_still_to_pick(world: World) -> None:
    lists_hold_pickups_due_or_picked_and_lines_still_to_pick(world)


def lists_hold_pickups_due_or_picked_and_lines_still_to_pick(world: World) -> None:
    """Also run on the in-memory unit of work (tests/fast), which must read the same lists."""
    # Given a lamp to collect here today, a pillow in three days, a sofa shipped from the
    # warehouse and a quote for a lamp today
    today = world.take(
        order_input(lines=(pickup_line(requested_date=TODAY),), payments=(cash("163.30"),))
    )
    later = world.take(
        order_input(
            lines=(pickup_line(sku="PILLOW-2", requested_date=SOON),), payments=(cash("43.54"),)
        )
    )
    world.take(order_input(lines=(ship_line(),), payments=(cash("142.51"),)))
    world.take(order_input(order_type=OrderType.QUOTE, lines=(pickup_line(requested_date=TODAY),)))

    # When nothing is picked yet
    work = store_work(world.store_uow(), store_code="S001", now=NOW)

    # Then the lamp due today is to collect; both pickups are to pick; no quote, no sofa
    assert [(x.channel_ref, x.sku, x.open_qty) for x in work.to_collect] == [
        (today.channel_ref, "LAMP-FLOOR", 1)
    ]
    assert [(x.channel_ref, x.sku) for x in work.to_pick] == [
        (today.channel_ref, "LAMP-FLOOR"),
        (later.channel_ref, "PILLOW-2"),
    ]
    assert work.waiting_to_sync is None  # S001 works in sync mode

    # When the pillow is picked ahead of its date
    ops.mark_picked(ctx(world), ref=later.channel_ref, quantities={later.lines[0].id: 1})
    work = store_work(world.store_uow(), store_code="S001", now=NOW)

    # Then it is to collect too, and no longer to pick
    assert [(x.channel_ref, x.picked_qty) for x in work.to_collect] == [
        (today.channel_ref, 0),
        (later.channel_ref, 1),
    ]
    assert [x.channel_ref for x in work.to_pick] == [today.channel_ref]


def test_a_store_with_nothing_waiting_has_empty_lists(world: World) -> None:
    work = store_work(world.store_uow(), store_code="S001", now=NOW)

    assert (list(work.to_collect), list(work.to_pick), work.today) == ([], [], TODAY)

"""What an order does to stock (docs/rules.md §2.7, §5, §6, §7), as a position per location.

Open ship and pickup quantities are reserved where they will be fulfilled; invoiced
quantities have left that location; returned quantities came back to the returning store.
The service layer applies the difference between an order's position before and after an
operation, so every operation moves stock the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from omniorder.domain.order import Order
from omniorder.domain.statuses import Fulfilment

Position = dict[tuple[str, str], tuple[int, int]]  # (location, sku) → (reserved, on hand change)


def stock_position(order: Order | None, warehouse_of: Callable[[str], str]) -> Position:
    """`warehouse_of` maps a store code to the location its stock is kept under."""
    if order is None:
        return {}
    reserved: dict[tuple[str, str], int] = defaultdict(int)
    on_hand: dict[tuple[str, str], int] = defaultdict(int)
    for line in order.lines:
        location = (
            line.location if line.fulfilment is Fulfilment.SHIP else warehouse_of(line.location)
        )
        key = (location, line.sku)
        if line.is_customer_order_line and not order.is_quote:
            reserved[key] += line.open_qty
        on_hand[key] -= line.invoiced_qty
    for ret in order.returns:
        for returned in ret.lines:
            key = (warehouse_of(ret.store_code), order.line(returned.line_id).sku)
            on_hand[key] += returned.quantity
    return {key: (reserved[key], on_hand[key]) for key in set(reserved) | set(on_hand)}


def stock_changes(before: Position, after: Position) -> Position:
    """What to add to reserved and on-hand quantities to go from `before` to `after`."""
    changes = {}
    for key in set(before) | set(after):
        r0, h0 = before.get(key, (0, 0))
        r1, h1 = after.get(key, (0, 0))
        if (r1 - r0, h1 - h0) != (0, 0):
            changes[key] = (r1 - r0, h1 - h0)
    return changes

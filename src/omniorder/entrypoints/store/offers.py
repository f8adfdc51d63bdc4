"""Which actions the POS offers on an order in its current state (docs/rules.md §3): the same
rules the domain enforces, read ahead so that a button is only shown when it can work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from omniorder.domain.order import Invoice, Order, OrderLine
from omniorder.domain.returns import returned_from
from omniorder.domain.statuses import Fulfilment, OrderStatus, QuoteStatus


@dataclass(frozen=True)
class Offers:
    edit: bool = False
    pick_list: bool = False
    picking: bool = False
    pack: bool = False
    pick_up: bool = False
    cancel: bool = False
    cancel_lines: bool = False
    return_goods: bool = False
    convert: bool = False

    @property
    def any(self) -> bool:
        return any(vars(self).values())


def is_pickup_here(line: OrderLine, store_code: str) -> bool:
    return line.fulfilment is Fulfilment.PICKUP and line.location == store_code


def to_pick_here(line: OrderLine, store_code: str, warehouse: str) -> int:
    """Open units a pick list at this store would take (pickup here, or ship from here)."""
    here = is_pickup_here(line, store_code) or (
        line.fulfilment is Fulfilment.SHIP and line.location == warehouse
    )
    return max(0, line.open_qty - line.picked_qty - line.picking_qty) if here else 0


def can_mark_picked(line: OrderLine, store_code: str) -> bool:
    """Pickup lines of this store and ship lines are picked here; partial quantities allowed."""
    return (
        is_pickup_here(line, store_code) or line.fulfilment is Fulfilment.SHIP
    ) and line.open_qty - line.picked_qty > 0


def can_pack(line: OrderLine) -> bool:
    return line.fulfilment is Fulfilment.SHIP and line.picked_qty - line.packed_qty > 0


def returnable(order: Order, invoice: Invoice) -> dict[object, int]:
    """Units of each invoice line that can still come back: invoiced − returned."""
    return {
        il.line_id: il.quantity - returned_from(order, invoice.id, il.line_id)
        for il in invoice.lines
    }


def offers_for(order: Order, *, store_code: str, warehouse: str, today: date) -> Offers:
    if order.is_quote:
        status = order.quote_status(today)
        live = status in (QuoteStatus.OPEN, QuoteStatus.EXPIRED)
        return Offers(edit=live, convert=live)
    status_now = order.status
    is_live = status_now not in (OrderStatus.INVOICED, OrderStatus.CANCELLED)
    ordered = [line for line in order.lines if line.is_customer_order_line]
    has_invoiced_order_line = any(line.invoiced_qty for line in ordered)
    return Offers(
        edit=is_live,
        pick_list=is_live and any(to_pick_here(li, store_code, warehouse) for li in order.lines),
        picking=is_live and any(can_mark_picked(li, store_code) for li in order.lines),
        pack=is_live and any(can_pack(li) for li in order.lines),
        pick_up=is_live and any(is_pickup_here(li, store_code) and li.open_qty for li in ordered),
        cancel=is_live and not has_invoiced_order_line,
        cancel_lines=is_live and any(li.open_qty for li in ordered),
        return_goods=any(any(returnable(order, inv).values()) for inv in order.invoices),
        convert=False,
    )

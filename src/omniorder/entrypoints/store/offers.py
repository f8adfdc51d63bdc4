"""Which actions the POS offers on an order in its current state (docs/rules.md §3). Each
offer asks the domain's own predicate (`editing.is_finished`, `cancellation.is_partly_invoiced`,
`fulfilment.units_to_pick`, …), the one the rule itself checks, so a button is shown only
when the operation can work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from omniorder.domain import cancellation, editing, fulfilment
from omniorder.domain.order import Invoice, Order, OrderLine
from omniorder.domain.returns import returned_from
from omniorder.domain.statuses import Fulfilment


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


def can_mark_picked(line: OrderLine, store_code: str) -> bool:
    """Pickup lines of this store and ship lines are picked here; partial quantities allowed."""
    here = is_pickup_here(line, store_code) or line.fulfilment is Fulfilment.SHIP
    return here and fulfilment.units_to_pick(line) > 0


def can_pack(line: OrderLine) -> bool:
    return fulfilment.units_to_pack(line) > 0


def returnable(order: Order, invoice: Invoice) -> dict[object, int]:
    """Units of each invoice line that can still come back: invoiced − returned."""
    return {
        il.line_id: il.quantity - returned_from(order, invoice.id, il.line_id)
        for il in invoice.lines
    }


def offers_for(order: Order, *, store_code: str, warehouse: str, today: date) -> Offers:
    if order.is_quote:
        live = editing.is_convertible(order, today)
        return Offers(edit=live, convert=live)
    is_live = not editing.is_finished(order)
    ordered = [line for line in order.lines if line.is_customer_order_line]
    return Offers(
        edit=is_live,
        pick_list=is_live
        and any(fulfilment.units_for_pick_list(li, store_code, warehouse) for li in order.lines),
        picking=is_live and any(can_mark_picked(li, store_code) for li in order.lines),
        pack=is_live and any(can_pack(li) for li in order.lines),
        pick_up=is_live and any(fulfilment.units_to_pick_up(li, store_code) for li in ordered),
        cancel=is_live and not cancellation.is_partly_invoiced(order),
        cancel_lines=is_live and any(li.open_qty for li in ordered),
        return_goods=any(any(returnable(order, inv).values()) for inv in order.invoices),
        convert=False,
    )

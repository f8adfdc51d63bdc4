"""Picking and packing, pickup at the store and shipping (docs/rules.md §5).

Picked-up and shipped quantities are invoiced: each invoice applies part of the deposit
(`settlement.deposit_to_apply`) and the customer pays the rest, or gets the excess back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from uuid import UUID

from omniorder.domain.creation import check_quantity
from omniorder.domain.errors import Conflict, InvalidInput, QuantityOutOfRange, UnknownLine
from omniorder.domain.history import Operation, all_or_nothing, record, require_live_order
from omniorder.domain.money import Money, total
from omniorder.domain.order import (
    DocumentLine,
    FulfilmentDocument,
    Invoice,
    InvoiceLine,
    Order,
    OrderLine,
)
from omniorder.domain.settlement import Handover, TenderIn, handover, settle
from omniorder.domain.staff import Permission
from omniorder.domain.statuses import ChargeKind, Fulfilment, OrderEventType, PaymentPurpose, Tender


def _quantities(
    order: Order, quantities: Mapping[UUID, int], field: str = "lines"
) -> list[tuple[OrderLine, int]]:
    if not quantities:
        raise InvalidInput(field, "Choose at least one line and a quantity.")
    chosen = []
    for line_id, qty in quantities.items():
        try:
            line = order.line(line_id)
        except KeyError:
            raise UnknownLine(f"{field}.{line_id}", "That line is not on this order.") from None
        check_quantity(qty, f"{field}.{line_id}")
        chosen.append((line, qty))
    return chosen


def _fulfilled_here(line: OrderLine, store_code: str, store_warehouse: str) -> bool:
    if line.fulfilment is Fulfilment.PICKUP:
        return line.location == store_code
    return line.fulfilment is Fulfilment.SHIP and line.location == store_warehouse


# What each fulfilment step can still take of a line: the rules below check against these, and
# the POS asks them before it offers a step (entrypoints/store/offers.py).


def units_for_pick_list(line: OrderLine, store_code: str, store_warehouse: str) -> int:
    """Open units a pick list at this store would take: pickup here, or shipped from here."""
    if not _fulfilled_here(line, store_code, store_warehouse):
        return 0
    return max(0, line.open_qty - line.picked_qty - line.picking_qty)


def units_to_pick(line: OrderLine) -> int:
    """Open units not picked yet (carry-out lines are never picked)."""
    return 0 if line.fulfilment is Fulfilment.CARRY_OUT else line.open_qty - line.picked_qty


def units_to_pack(line: OrderLine) -> int:
    """Picked units of a ship line not packed yet."""
    return line.picked_qty - line.packed_qty if line.fulfilment is Fulfilment.SHIP else 0


def units_to_pick_up(line: OrderLine, store_code: str) -> int:
    """Open units of a pickup line the customer can collect at this store."""
    if line.fulfilment is Fulfilment.PICKUP and line.location == store_code:
        return line.open_qty
    return 0


@all_or_nothing
def create_pick_list(
    order: Order, op: Operation, *, store_code: str, store_warehouse: str
) -> FulfilmentDocument:
    """A pick list of this store's open, unpicked quantities (docs/rules.md §5)."""
    require_live_order(order, "picked")
    op.auth.require(Permission.EDIT_ORDER, "pick orders")
    lines = []
    for line in order.lines:
        to_pick = units_for_pick_list(line, store_code, store_warehouse)
        if to_pick > 0:
            line.picking_qty += to_pick
            lines.append(DocumentLine(line.id, to_pick))
    if not lines:
        raise Conflict(f"Order {order.channel_ref} has nothing left to pick at {store_code}.")
    document = FulfilmentDocument(op.child("pick-list"), "pick_list", None, op.at, lines)
    order.documents.append(document)
    record(
        order,
        op,
        OrderEventType.PICK_LIST_CREATED,
        counts={"units": sum(d.quantity for d in lines)},
    )
    return document


@all_or_nothing
def mark_picked(order: Order, op: Operation, *, quantities: Mapping[UUID, int]) -> None:
    """Record picked quantities; partial quantities are allowed."""
    require_live_order(order, "picked")
    op.auth.require(Permission.EDIT_ORDER, "pick orders")
    for line, qty in _quantities(order, quantities):
        if line.fulfilment is Fulfilment.CARRY_OUT:
            raise InvalidInput(f"lines.{line.id}", "Carry-out lines are not picked.")
        if qty > units_to_pick(line):
            raise QuantityOutOfRange(
                f"lines.{line.id}",
                f"Only {units_to_pick(line)} of {line.sku} are left to pick.",
            )
        line.picked_qty += qty
        line.picking_qty = max(0, line.picking_qty - qty)
    record(order, op, OrderEventType.PICKED, lines=quantities)


@all_or_nothing
def pack(order: Order, op: Operation, *, quantities: Mapping[UUID, int]) -> FulfilmentDocument:
    """Pack picked ship lines onto a packing slip; pickup lines are picked, never packed."""
    require_live_order(order, "packed")
    op.auth.require(Permission.EDIT_ORDER, "pack orders")
    lines = []
    for line, qty in _quantities(order, quantities):
        if line.fulfilment is not Fulfilment.SHIP:
            raise InvalidInput(f"lines.{line.id}", "Only ship lines are packed.")
        if qty > units_to_pack(line):
            raise QuantityOutOfRange(
                f"lines.{line.id}",
                f"Only {units_to_pack(line)} of {line.sku} are picked and unpacked.",
            )
        line.packed_qty += qty
        lines.append(DocumentLine(line.id, qty))
    document = FulfilmentDocument(op.child("packing-slip"), "packing_slip", None, op.at, lines)
    order.documents.append(document)
    record(order, op, OrderEventType.PACKED, lines=quantities)
    return document


@all_or_nothing
def pick_up(
    order: Order,
    op: Operation,
    *,
    store_code: str,
    quantities: Mapping[UUID, int],
    collected_by: str,
    tenders: tuple[TenderIn, ...],
    refund_tender: Tender | None = None,
) -> Invoice:
    """The customer collects pickup lines at this store (docs/rules.md §5): 0 < qty ≤ open qty.

    The quantities are invoiced; deposit is applied and the customer pays the rest (or is
    refunded when the deposit applied is more than the value collected).
    """
    require_live_order(order, "picked up")
    op.auth.require(Permission.EDIT_ORDER, "hand over pickups")
    if not collected_by.strip():
        raise InvalidInput("collected_by", "Enter who collected the order.")
    chosen = _quantities(order, quantities)
    for line, qty in chosen:
        if line.fulfilment is not Fulfilment.PICKUP:
            raise InvalidInput(f"lines.{line.id}", f"Line {line.line_number} is not a pickup line.")
        if line.location != store_code:
            raise InvalidInput(
                f"lines.{line.id}",
                f"Line {line.line_number} is to be picked up at {line.location}, not here.",
            )
        if qty > units_to_pick_up(line, store_code):
            raise QuantityOutOfRange(
                f"lines.{line.id}", f"Only {line.open_qty} of {line.sku} are left to pick up."
            )
    invoice = _invoice(order, op, chosen, tenders=tenders, refund_tender=refund_tender)
    for line, _qty in chosen:
        line.picked_qty = max(line.picked_qty, min(line.quantity, line.invoiced_qty))
        line.picking_qty = max(0, min(line.picking_qty, line.open_qty))
    record(
        order,
        op,
        OrderEventType.PICKED_UP,
        lines=quantities,
        collected_by=collected_by.strip(),
        amounts={
            "invoice_total": invoice.total_amount,
            "deposit_applied": invoice.deposit_applied,
        },
    )
    return invoice


@all_or_nothing
def ship(
    order: Order,
    op: Operation,
    *,
    quantities: Mapping[UUID, int],
    balance_tender: TenderIn | None,
) -> Invoice:
    """Ship and invoice ship lines (docs/rules.md §5); the order's shipping charges go on the
    first shipment's invoice. The balance is taken with `balance_tender` (a capture on the
    stored card token, or the customer account)."""
    require_live_order(order, "shipped")
    op.auth.require(Permission.EDIT_ORDER, "ship orders")
    chosen = _quantities(order, quantities)
    for line, qty in chosen:
        if line.fulfilment is not Fulfilment.SHIP:
            raise InvalidInput(f"lines.{line.id}", f"Line {line.line_number} is not a ship line.")
        if qty > line.open_qty:
            raise QuantityOutOfRange(
                f"lines.{line.id}", f"Only {line.open_qty} of {line.sku} are left to ship."
            )
    tenders: tuple[TenderIn, ...] = ()
    due = _preview_due(order, chosen, with_charges=True)
    if due.amount > 0:
        if balance_tender is None:
            raise InvalidInput("balance_tender", "Choose how the balance is paid.")
        tenders = (dataclasses.replace(balance_tender, amount=due),)
    invoice = _invoice(
        order, op, chosen, tenders=tenders, refund_tender=Tender.CARD, with_charges=True
    )
    for line, _qty in chosen:
        line.picked_qty = max(line.picked_qty, line.invoiced_qty)
        line.packed_qty = max(line.packed_qty, line.invoiced_qty)
        line.picking_qty = max(0, min(line.picking_qty, line.open_qty))
    record(
        order,
        op,
        OrderEventType.SHIPPED,
        lines=quantities,
        amounts={"invoice_total": invoice.total_amount},
    )
    return invoice


def invoice_amounts(order: Order, line: OrderLine, qty: int) -> tuple[Money, Money]:
    """Net and tax of `qty` units of a line. The last units take the line's remaining tax,
    so that partial invoices add up exactly to the line's tax (rounded once per line)."""
    net = line.unit_price.times(qty)
    if qty == line.open_qty:
        already = total(
            [il.tax_amount for i in order.invoices for il in i.lines if il.line_id == line.id],
            order.currency,
        )
        return net, line.tax_amount - already
    return net, net.rate(line.tax_rate)


def _uninvoiced_charges(order: Order) -> list[tuple[UUID, Money]]:
    invoiced = {cid for invoice in order.invoices for cid in invoice.charge_ids}
    return [
        (c.id, c.gross_amount)
        for c in order.live_charges
        if c.kind is ChargeKind.SHIPPING and c.id not in invoiced
    ]


def _completes(order: Order, chosen: list[tuple[OrderLine, int]]) -> bool:
    picked = {line.id: qty for line, qty in chosen}
    return all(
        line.open_qty - picked.get(line.id, 0) == 0
        for line in order.lines
        if line.is_customer_order_line
    )


def _preview_due(
    order: Order, chosen: list[tuple[OrderLine, int]], *, with_charges: bool = False
) -> Money:
    return _handover(order, chosen, with_charges=with_charges).due


def _handover(
    order: Order, chosen: list[tuple[OrderLine, int]], *, with_charges: bool = False
) -> Handover:
    value = _value(order, chosen, with_charges)
    return handover(order, value, completes_order=_completes(order, chosen))


def _value(order: Order, chosen: list[tuple[OrderLine, int]], with_charges: bool) -> Money:
    amounts = [
        sum(invoice_amounts(order, line, qty), Money.zero(order.currency)) for line, qty in chosen
    ]
    value = total(amounts, order.currency)
    if with_charges:
        value = value + total([a for _id, a in _uninvoiced_charges(order)], order.currency)
    return value


def _invoice(
    order: Order,
    op: Operation,
    chosen: list[tuple[OrderLine, int]],
    *,
    tenders: tuple[TenderIn, ...],
    refund_tender: Tender | None,
    with_charges: bool = False,
) -> Invoice:
    completes = _completes(order, chosen)
    charges = _uninvoiced_charges(order) if with_charges else []
    lines = []
    for line, qty in chosen:
        net, tax = invoice_amounts(order, line, qty)
        lines.append(InvoiceLine(line.id, qty, net, tax))
    charges_amount = total([a for _id, a in charges], order.currency)
    value = total([il.net_amount + il.tax_amount for il in lines], order.currency) + charges_amount
    money = handover(order, value, completes_order=completes)
    applied, due = money.deposit_applied, money.due
    payments = settle(
        order,
        due,
        tenders,
        purpose=PaymentPurpose.BALANCE,
        refund_purpose=PaymentPurpose.REFUND,
        refund_tender=refund_tender,
        auth=op.auth,
        at=op.at,
        id_seed=op.refund_id,
    )
    invoice = Invoice(
        id=op.child("invoice"),
        number=None,
        created_at=op.at,
        lines=lines,
        charges_amount=charges_amount,
        deposit_applied=applied,
        charge_ids=[cid for cid, _a in charges],
    )
    for line, qty in chosen:
        line.invoiced_qty += qty
    order.invoices.append(invoice)
    order.payments.extend(payments)
    return invoice


def amount_due_for_pickup(order: Order, quantities: Mapping[UUID, int]) -> Money:
    """What the customer pays (negative: gets back) to collect these quantities now."""
    return _preview_due(order, _quantities(order, quantities))


def amount_due_for_shipment(order: Order, quantities: Mapping[UUID, int]) -> Money:
    return _preview_due(order, _quantities(order, quantities), with_charges=True)


def handover_for_pickup(order: Order, quantities: Mapping[UUID, int]) -> Handover:
    """Value collected now, deposit applied to it and amount due, before the pickup."""
    return _handover(order, _quantities(order, quantities))


def handover_for_shipment(order: Order, quantities: Mapping[UUID, int]) -> Handover:
    """Value shipped now (with the order's shipping charges on the first shipment), deposit
    applied to it and amount due, before the shipment."""
    return _handover(order, _quantities(order, quantities), with_charges=True)


def ready_for_pickup(order: Order) -> set[str]:
    """Stores where everything still to be picked up is picked: the customer can come.

    A store counts once it has open pickup quantities and all of them are picked.
    """
    ready: set[str] = set()
    waiting: set[str] = set()
    for line in order.lines:
        if line.fulfilment is not Fulfilment.PICKUP or line.open_qty == 0:
            continue
        if line.picked_qty - line.invoiced_qty >= line.open_qty:
            ready.add(line.location)
        else:
            waiting.add(line.location)
    return ready - waiting

"""Printable documents of an order (print CSS; Chromium prints them to PDF): the customer's
receipt of each operation — the order taken, a pickup, a return, a cancellation — and the
pick list and packing slip. Each carries the store's and the pickup store's names and
addresses, the associate's name and the order's barcode (barcodes.py).

A receipt is the receipt of one history entry: the lines it moved, the amounts it recorded
and the payments taken or refunded at that moment.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse

from omniorder.adapters.orm import StoreRow
from omniorder.domain.errors import NotFound
from omniorder.domain.money import Money
from omniorder.domain.order import Order, OrderEvent, OrderLine, Payment
from omniorder.domain.staff import Authorization
from omniorder.domain.statuses import Fulfilment, OrderEventType
from omniorder.entrypoints.deps import UowDep
from omniorder.entrypoints.store.context import StoreCtx
from omniorder.entrypoints.store.pages.common import PageStaff, page_router, render
from omniorder.entrypoints.web import address_lines
from omniorder.service_layer import customer_orders
from omniorder.service_layer.unit_of_work import UnitOfWork

router = page_router()

RECEIPT_TITLES = {
    OrderEventType.ORDER_CREATED: "Order receipt",
    OrderEventType.QUOTE_CREATED: "Quote",
    OrderEventType.QUOTE_CONVERTED: "Order receipt",
    OrderEventType.PICKED_UP: "Pickup receipt",
    OrderEventType.RETURNED: "Return receipt",
    OrderEventType.CANCELLED: "Cancellation receipt",
    OrderEventType.LINES_CANCELLED: "Cancellation receipt",
}
# The amounts a history entry records, in the customer's words, in the order shown.
AMOUNT_WORDS = {
    "total": "Order total",
    "invoice_total": "Value picked up",
    "deposit_applied": "Deposit applied",
    "charge": "Cancellation charge",
    "refund": "Refunded",
    "settled": "Settled now",
}
DOCUMENT_KINDS = {"pick-list": "pick_list", "packing-slip": "packing_slip"}


@dataclass(frozen=True)
class PrintedLine:
    line: OrderLine
    quantity: int
    amount: Money | None = None


def _store_address(store: StoreRow | None) -> list[str]:
    return address_lines(store) if store is not None else []


def _stores(uow: UnitOfWork, codes: set[str]) -> dict[str, StoreRow | None]:
    with uow:
        return {code: uow.records.store(code) for code in sorted(codes)}


def _render_document(
    request: Request,
    ctx: StoreCtx,
    uow: UnitOfWork,
    staff: PageStaff,
    order: Order,
    *,
    title: str,
    kind: str,
    lines: list[PrintedLine],
    by: str,
    at: object,
    amounts: Sequence[tuple[str, Money]] = (),
    payments: Sequence[Payment] = (),
    number: str | None = None,
    collected_by: str | None = None,
) -> HTMLResponse:
    pickup_codes = {li.line.location for li in lines if li.line.fulfilment is Fulfilment.PICKUP}
    stores = _stores(uow, {ctx.store_code, *pickup_codes})
    here = stores[ctx.store_code]
    return render(
        request,
        "document.html",
        ctx=ctx,
        staff=staff,
        order=order,
        title=title,
        kind=kind,
        lines=lines,
        by=by,
        at=at,
        amounts=amounts,
        payments=payments,
        number=number,
        collected_by=collected_by,
        here=here,
        here_address=_store_address(here),
        pickup_stores=[
            (code, stores[code], _store_address(stores[code]))
            for code in sorted(pickup_codes)
            if code != ctx.store_code
        ],
        zone=ZoneInfo(here.time_zone) if here else None,
    )


def _order(ctx: StoreCtx, uow: UnitOfWork, staff: PageStaff, ref: str) -> Order:
    return customer_orders.read_order(
        uow, ref=ref, auth=Authorization(staff), hq=ctx.hq, store_code=ctx.store_code
    ).order


def event_lines(order: Order, event: OrderEvent) -> list[PrintedLine]:
    """The lines an operation moved, with their amounts where an invoice or a return of the
    same moment holds them."""
    amounts: dict[uuid.UUID, Money] = {}
    for invoice in order.invoices:
        if invoice.created_at == event.at:
            for il in invoice.lines:
                amounts[il.line_id] = il.net_amount + il.tax_amount
    for ret in order.returns:
        if ret.created_at == event.at:
            for rl in ret.lines:
                amounts[rl.line_id] = rl.net_amount + rl.tax_amount
    if event.action in (OrderEventType.ORDER_CREATED, OrderEventType.QUOTE_CREATED):
        return [PrintedLine(line, line.quantity, line.gross_amount) for line in order.lines]
    if amounts:
        by_id = {line.id: line for line in order.lines}
        return [
            PrintedLine(by_id[line_id], _quantity(order, event, line_id), amount)
            for line_id, amount in amounts.items()
            if line_id in by_id
        ]
    by_sku: dict[str, OrderLine] = {}
    for line in order.lines:
        by_sku.setdefault(line.sku, line)
    return [PrintedLine(by_sku[c.sku], c.quantity) for c in event.lines if c.sku in by_sku]


def _quantity(order: Order, event: OrderEvent, line_id: uuid.UUID) -> int:
    for invoice in order.invoices:
        if invoice.created_at == event.at:
            for il in invoice.lines:
                if il.line_id == line_id:
                    return il.quantity
    for ret in order.returns:
        if ret.created_at == event.at:
            for rl in ret.lines:
                if rl.line_id == line_id:
                    return rl.quantity
    return 0


@router.get("/orders/{ref}/receipts/{entry}", response_class=HTMLResponse)
def operation_receipt(
    request: Request, ref: str, entry: int, ctx: StoreCtx, uow: UowDep, staff: PageStaff
) -> HTMLResponse:
    """The customer's receipt of the operation in entry `entry` (1, 2, …) of the order's
    history, which only grows."""
    order = _order(ctx, uow, staff, ref)
    event = order.events[entry - 1] if 1 <= entry <= len(order.events) else None
    if event is None or event.action not in RECEIPT_TITLES:
        raise NotFound(f"Order {order.channel_ref} has no receipt for history entry {entry}.")
    return _render_document(
        request,
        ctx,
        uow,
        staff,
        order,
        title=RECEIPT_TITLES[event.action],
        kind="receipt",
        lines=event_lines(order, event),
        by=event.operator_id,
        at=event.at,
        amounts=[(AMOUNT_WORDS[k], event.amounts[k]) for k in AMOUNT_WORDS if k in event.amounts],
        payments=[p for p in order.payments if p.created_at == event.at],
        collected_by=event.collected_by,
    )


@router.get("/orders/{ref}/documents/{kind}", response_class=HTMLResponse)
def fulfilment_document(
    request: Request, ref: str, kind: str, ctx: StoreCtx, uow: UowDep, staff: PageStaff
) -> HTMLResponse:
    """The order's latest pick list or packing slip."""
    order = _order(ctx, uow, staff, ref)
    wanted = DOCUMENT_KINDS.get(kind)
    document = next((d for d in reversed(order.documents) if d.kind == wanted), None)
    if document is None:
        word = kind.replace("-", " ")
        raise NotFound(f"Order {order.channel_ref} has no {word} yet.")
    by_id = {line.id: line for line in order.lines}
    made = next(
        (
            e
            for e in order.events
            if e.at == document.created_at
            and e.action in (OrderEventType.PICK_LIST_CREATED, OrderEventType.PACKED)
        ),
        None,
    )
    return _render_document(
        request,
        ctx,
        uow,
        staff,
        order,
        title="Pick list" if wanted == "pick_list" else "Packing slip",
        kind=kind,
        lines=[
            PrintedLine(by_id[dl.line_id], dl.quantity)
            for dl in document.lines
            if dl.line_id in by_id
        ],
        by=made.operator_id if made else staff.operator_id,
        at=document.created_at,
        number=document.number,
    )

"""Existing orders at the POS: the receipt, finding orders and an order's detail page, which
offers the actions the order allows now (offers.py) and says what the last one did.

An order taken in async mode shows how far HQ got with it (docs/rules.md §10).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omniorder.domain.errors import NotFound, Unavailable
from omniorder.domain.staff import Authorization, Staff
from omniorder.domain.statuses import OrderStatus, SyncStatus
from omniorder.domain.summary import OrderSummary
from omniorder.entrypoints.deps import NowDep, UowDep
from omniorder.entrypoints.store import offers
from omniorder.entrypoints.store.context import StoreContext, StoreCtx
from omniorder.entrypoints.store.pages import documents
from omniorder.entrypoints.store.pages.common import PageStaff, page_router, render
from omniorder.service_layer import catalogue, customer_orders, journal
from omniorder.service_layer.cart import require_store, store_today
from omniorder.service_layer.unit_of_work import UnitOfWork

router = page_router()


@dataclass(frozen=True)
class SyncView:
    """How far HQ got with an order taken in async mode (docs/rules.md §10), as HQ last said."""

    status: str
    error: str | None = None

    @property
    def label(self) -> str:
        return {"pending": "Pending sync", "failed": "Sync failed"}.get(self.status, "Synchronized")


def sync_view(uow: UnitOfWork, order_id: uuid.UUID) -> SyncView | None:
    """None for an order made in real time (sync mode): HQ has had it from the start."""
    return _sync_view(uow, order_id, journal.sync_status(uow, order_id))


def _sync_view(uow: UnitOfWork, order_id: uuid.UUID, status: SyncStatus | None) -> SyncView | None:
    if status is None:
        return None
    error = None
    if status == SyncStatus.FAILED.value:
        with uow:
            error = next(
                (
                    row.error
                    for row in uow.journal.for_order(order_id)
                    if row.sync_status == SyncStatus.FAILED.value and row.error
                ),
                None,
            )
    return SyncView(status, error)


def _today(uow: UnitOfWork, store_code: str, now: datetime) -> tuple[date, ZoneInfo]:
    with uow:
        store = require_store(uow.records, store_code)
    return store_today(store, now), ZoneInfo(store.time_zone)


@router.get("/orders/{ref}/receipt", response_class=HTMLResponse)
def receipt(
    request: Request,
    ref: str,
    ctx: StoreCtx,
    uow: UowDep,
    staff: PageStaff,
    now: NowDep,
    new: bool = False,
) -> HTMLResponse:
    order = customer_orders.get_order(uow, ref=ref, auth=Authorization(staff))
    # Back-order warnings describe stock when the order was taken, so only right after it.
    warnings = catalogue.availability_warnings(uow, order=order, hq=ctx.hq) if new else []
    today, zone = _today(uow, ctx.store_code, now)
    return render(
        request,
        "receipt.html",
        zone=zone,
        ctx=ctx,
        staff=staff,
        order=order,
        warnings=warnings,
        is_new=new,
        status=order.display_status(today),
        sync=sync_view(uow, order.id),
    )


@router.get("/orders", response_class=HTMLResponse)
def find_orders(
    request: Request,
    ctx: StoreCtx,
    uow: UowDep,
    staff: PageStaff,
    now: NowDep,
    q: str = "",
    status: str = "",
) -> Response:
    today, zone = _today(uow, ctx.store_code, now)
    date_from = request.query_params.get("from", "")
    date_to = request.query_params.get("to", "")
    if not (status or date_from or date_to) and (opened := _exact_order(ctx, uow, staff, q)):
        return RedirectResponse(f"/orders/{opened}", status_code=303)
    errors: dict[str, str] = {}
    start, end = today - timedelta(days=90), today
    for name, text in (("from", date_from), ("to", date_to)):
        if text:
            try:
                day = date.fromisoformat(text)
            except ValueError:
                errors[name] = "Enter the date as YYYY-MM-DD."
                continue
            if name == "from":
                start = day
            else:
                end = day
    if not errors and start > end:
        errors["to"] = "The end date is before the start date."
    statuses = [s.value for s in OrderStatus]
    if status and status not in statuses:
        errors["status"] = "Choose a status from the list."
    orders: list[OrderSummary] = []
    hq_unreachable = False
    searched = bool(request.query_params)
    if not errors:
        found = customer_orders.find_orders(
            uow,
            auth=Authorization(staff),
            hq=ctx.hq,
            store_code=ctx.store_code,
            text=q.strip() or None,
            status=status or None,
            created_from=datetime.combine(start, time(), zone),
            created_to=datetime.combine(end + timedelta(days=1), time(), zone),
            limit=100,
        )
        orders, hq_unreachable = found.orders, found.hq_unreachable
    return render(
        request,
        "find.html",
        zone=zone,
        ctx=ctx,
        staff=staff,
        status_code=422 if errors else 200,
        q=q,
        status=status,
        statuses=statuses,
        date_from=date_from or start.isoformat(),
        date_to=date_to or end.isoformat(),
        errors=errors,
        orders=orders,
        searched=searched,
        hq_unreachable=hq_unreachable,
        today=today,
        # The list's word on sync; the order's page says why one failed (`sync_view`).
        syncs={o.id: SyncView(o.sync_status.value) for o in orders if o.sync_status},
    )


# A sales order number or channel reference id, as typed or scanned from a barcode.
REFERENCE = re.compile(r"[A-Z0-9]+-\d+")


def _exact_order(ctx: StoreContext, uow: UnitOfWork, staff: Staff, text: str) -> str | None:
    """The channel reference of the order whose number or reference is exactly `text`, which
    opens at once (docs/rules.md §2); None to search instead."""
    ref = text.strip().upper()
    if not REFERENCE.fullmatch(ref):
        return None
    try:
        view = customer_orders.read_order(
            uow, ref=ref, auth=Authorization(staff), hq=ctx.hq, store_code=ctx.store_code
        )
    except (NotFound, Unavailable):
        return None  # the search says what there is
    return view.order.channel_ref


@router.get("/orders/{ref}", response_class=HTMLResponse)
def order_detail(
    request: Request, ref: str, ctx: StoreCtx, uow: UowDep, staff: PageStaff, now: NowDep
) -> HTMLResponse:
    view = customer_orders.read_order(
        uow, ref=ref, auth=Authorization(staff), hq=ctx.hq, store_code=ctx.store_code
    )
    order = view.order
    with uow:
        store = require_store(uow.records, ctx.store_code)
    today = store_today(store, now)
    lines_by_id = {line.id: line for line in order.lines}
    return render(
        request,
        "order.html",
        ctx=ctx,
        staff=staff,
        order=order,
        status=order.display_status(today),
        lines_by_id=lines_by_id,
        zone=ZoneInfo(store.time_zone),
        offer=offers.offers_for(
            order, store_code=ctx.store_code, warehouse=store.warehouse, today=today
        ),
        done=DONE_MESSAGES.get(request.query_params.get("done", ""), ""),
        receipt_actions=set(documents.RECEIPT_TITLES),
        operation_id=uuid.uuid4(),
        sync=sync_view(uow, order.id),
        copy_as_of=view.as_of if view.hq_unreachable else None,
    )


DONE_MESSAGES = {
    "picked_up": "Handed over and invoiced.",
    "cancelled": "The order is cancelled.",
    "lines_cancelled": "The lines are cancelled.",
    "returned": "The return is recorded and refunded.",
    "edited": "The order is changed.",
    "converted": "The quote is now a customer order.",
}

"""Back office: search sales orders, read one, and ship its open ship lines (docs/rules.md §5)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omniorder.adapters.orm import StoreRow
from omniorder.domain import fulfilment
from omniorder.domain.errors import InvalidInput, OmniorderError
from omniorder.domain.order import Order
from omniorder.domain.settlement import Handover
from omniorder.domain.statuses import Fulfilment, OrderStatus
from omniorder.domain.summary import OrderSummary
from omniorder.entrypoints.deps import NowDep, UowDep
from omniorder.entrypoints.hq.pages import PageStaff, page_router, render
from omniorder.entrypoints.web import field_errors
from omniorder.service_layer import sales_orders
from omniorder.service_layer.unit_of_work import UnitOfWork

router = page_router()
SEARCH_DAYS = 90


def _store_codes(uow: UnitOfWork) -> list[str]:
    return list(_store_zones(uow))


def _store_zones(uow: UnitOfWork) -> dict[str, str]:
    """Each store's time zone: a store's order shows its times as the store saw them."""
    with uow:
        return {s.code: s.time_zone for s in uow.records.list(StoreRow, StoreRow.code)}


@router.get("/sales-orders", response_class=HTMLResponse)
def search_page(request: Request, uow: UowDep, staff: PageStaff, now: NowDep) -> HTMLResponse:
    params = request.query_params
    today = now.astimezone(UTC).date()
    text = {n: params.get(n, "").strip()[:100] for n in ("q", "store", "customer", "status")}
    date_from, date_to = params.get("from", "").strip(), params.get("to", "").strip()
    errors: dict[str, str] = {}
    start, end = today - timedelta(days=SEARCH_DAYS), today
    for name, typed in (("from", date_from), ("to", date_to)):
        if typed:
            try:
                day = date.fromisoformat(typed)
            except ValueError:
                errors[name] = "Enter the date as YYYY-MM-DD."
                continue
            start, end = (day, end) if name == "from" else (start, day)
    if not errors and start > end:
        errors["to"] = "The end date is before the start date."
    statuses = [s.value for s in OrderStatus]
    if text["status"] and text["status"] not in statuses:
        errors["status"] = "Choose a status from the list."
    zones = _store_zones(uow)
    stores = list(zones)
    if text["store"] and text["store"] not in stores:
        errors["store"] = "Choose a store from the list."
    orders: list[OrderSummary] = []
    if not errors:
        orders = sales_orders.search_sales_orders(
            uow,
            text=text["q"] or None,
            store_code=text["store"] or None,
            customer_account=text["customer"] or None,
            status=text["status"] or None,
            created_from=datetime.combine(start, time(), UTC),
            created_to=datetime.combine(end + timedelta(days=1), time(), UTC),
            limit=100,
        )
    return render(
        request,
        "sales_orders.html",
        staff=staff,
        status_code=422 if errors else 200,
        form={**text, "from": date_from or start.isoformat(), "to": date_to or end.isoformat()},
        statuses=statuses,
        stores=stores,
        zones=zones,
        errors=errors,
        orders=orders,
        today=today,
    )


def shippable(order: Order) -> list[Any]:
    """Ship lines with something left to ship, as the ship form lists them."""
    if order.is_quote:
        return []
    return [ln for ln in order.lines if ln.fulfilment is Fulfilment.SHIP and ln.open_qty > 0]


def detail(
    request: Request,
    uow: UnitOfWork,
    staff: Any,
    now: datetime,
    ref: str,
    *,
    quantities: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    shipped: str = "",
) -> HTMLResponse:
    order = sales_orders.get_sales_order(uow, ref=ref)
    to_ship = shippable(order)
    shipment = _shipment_summary(order, shipped) if shipped else None
    quantities = quantities or {f"lines.{ln.id}": str(ln.open_qty) for ln in to_ship}
    return render(
        request,
        "sales_order.html",
        staff=staff,
        status_code=422 if errors else 200,
        order=order,
        status=order.display_status(now.astimezone(UTC).date()),
        lines_by_id={line.id: line for line in order.lines},
        to_ship=to_ship,
        quantities=quantities,
        handover=_handover(order, quantities) if to_ship and not errors else None,
        zone=_store_zones(uow).get(order.store_code),
        operation_id=uuid.uuid4(),
        errors=errors or {},
        shipment=shipment,
    )


def _handover(order: Order, typed: dict[str, str]) -> Handover | None:
    """Value shipped, deposit applied and balance for the quantities in the form (None when
    they are not all whole numbers the order has open)."""
    try:
        quantities = {
            uuid.UUID(name.removeprefix("lines.")): int(text or "0") for name, text in typed.items()
        }
        chosen = {line_id: qty for line_id, qty in quantities.items() if qty > 0}
        return fulfilment.handover_for_shipment(order, chosen) if chosen else None
    except (ValueError, OmniorderError):
        return None


def _shipment_summary(order: Order, operation: str) -> dict[str, Any] | None:
    """What the shipment just made did: its invoice and how the balance was paid."""
    try:
        operation_id = uuid.UUID(operation)
    except ValueError:
        return None
    payment_id = uuid.uuid5(operation_id, "balance")
    invoice = next((i for i in order.invoices if i.id == uuid.uuid5(operation_id, "invoice")), None)
    payment = next((p for p in order.payments if p.id == payment_id), None)
    if invoice is None and order.invoices:
        invoice = order.invoices[-1]
    return {"invoice": invoice, "payment": payment}


@router.get("/sales-orders/{ref}", response_class=HTMLResponse)
def order_page(
    request: Request, ref: str, uow: UowDep, staff: PageStaff, now: NowDep, shipped: str = ""
) -> HTMLResponse:
    return detail(request, uow, staff, now, ref, shipped=shipped[:40])


@router.post("/sales-orders/{ref}/ship", response_class=HTMLResponse)
async def ship(request: Request, ref: str, uow: UowDep, staff: PageStaff, now: NowDep) -> Response:
    form = await request.form()
    order = sales_orders.get_sales_order(uow, ref=ref)
    typed = {
        f"lines.{ln.id}": str(form.get(f"lines.{ln.id}") or "").strip() for ln in shippable(order)
    }
    errors: dict[str, str] = {}
    quantities: dict[uuid.UUID, int] = {}
    for name, text in typed.items():
        try:
            qty = int(text or "0")
        except ValueError:
            errors[name] = "Enter a whole number."
            continue
        if qty < 0:
            errors[name] = "Enter 0 or more."
        elif qty > 0:
            quantities[uuid.UUID(name.removeprefix("lines."))] = qty
    try:
        operation_id = uuid.UUID(str(form.get("operation_id") or ""))
    except ValueError:
        operation_id = uuid.uuid4()
    if not errors and form.get("action") == "preview":
        return detail(request, uow, staff, now, ref, quantities=typed)
    if not errors:
        try:
            sales_orders.ship_sales_order(
                uow,
                payments=request.app.state.payments,
                ref=ref,
                quantities=quantities,
                staff=staff,
                operation_id=operation_id,
                now=now,
            )
        except InvalidInput as error:
            errors = field_errors(error)
        else:
            target = f"/sales-orders/{order.sales_order_number or ref}?shipped={operation_id}"
            return RedirectResponse(target, status_code=303)
    return detail(request, uow, staff, now, ref, quantities=typed, errors=errors)

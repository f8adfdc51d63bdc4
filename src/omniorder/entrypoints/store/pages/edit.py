"""Editing an order (docs/rules.md §4): change quantities, requested dates, the pickup store
and collector or the ship-to and delivery of open lines, void lines, add products, change the
shipping charge and a quote's expiry date; "review" shows what it costs or refunds, "save"
confirms and pays.

Lines are named by line id on the form ("change.<id>.quantity") and added lines by position
("add[0].sku"); the domain names changes by position in the request, which
`_edit_errors()` maps back.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from fastapi.responses import HTMLResponse, Response

from omniorder.adapters.orm import DeliveryModeRow, StoreRow
from omniorder.domain.errors import OmniorderError
from omniorder.domain.money import Money
from omniorder.domain.order import Order, OrderLine
from omniorder.domain.statuses import ChargeKind, Fulfilment
from omniorder.entrypoints.store.pages.actions import (
    Req,
    ReqDep,
    latest,
    redirect_done,
    show,
    use_case_context,
)
from omniorder.entrypoints.store.pages.common import page_router
from omniorder.entrypoints.store.pages.forms import (
    Fields,
    FormDep,
    FormErrors,
    amount_of,
    change_for,
    check_quoted,
    fields_of,
    indexed_rows,
    new_fields,
    payments_for,
    placed_errors,
    refund_tender_of,
)
from omniorder.service_layer import catalogue, order_operations
from omniorder.service_layer.cart import LineInput, PaymentInput
from omniorder.service_layer.order_operations import EditInput, LineUpdate, Preview

router = page_router()


ADD_KEYS = (
    "sku",
    "quantity",
    "fulfilment",
    "requested_date",
    "pickup_store",
    "pickup_by",
    "delivery_mode",
    "ship_to_address_id",
)


@dataclass
class EditView:
    editable: list[Any]
    added: list[dict[str, str]]
    pickup_stores: list[StoreRow]
    ship_modes: list[DeliveryModeRow]
    addresses: list[Any]
    products: dict[str, str]
    shipping_now: Money | None


def _edit_view(p: Req, order: Order, form: Fields) -> EditView:
    added = [row for _i, row in indexed_rows(form, "add") if row.get("sku")]
    with p.uow:
        stores = [s for s in p.uow.records.list(StoreRow, StoreRow.code) if s.is_pickup_location]
        modes = sorted(
            (
                m
                for m in p.uow.records.list(DeliveryModeRow, DeliveryModeRow.code)
                if m.kind == "ship"
            ),
            key=lambda m: (m.rate_amount, m.code),
        )
    customers = catalogue.search_customers(p.uow, text=order.customer_account)
    customer = next((c for c in customers if c.account == order.customer_account), None)
    products = {}
    for row in added:
        found = catalogue.search_products(p.uow, text=row["sku"], store_code=p.ctx.store_code)
        products[row["sku"]] = next(
            (v.product.name for v in found if v.product.sku == row["sku"]), row["sku"]
        )
    return EditView(
        editable=[
            line
            for line in order.lines
            if line.is_customer_order_line and not line.invoiced_qty and line.live_qty
        ],
        added=added,
        pickup_stores=stores,
        ship_modes=modes,
        addresses=list(customer.addresses) if customer else [],
        products=products,
        shipping_now=_shipping_now(order),
    )


def _shipping_now(order: Order) -> Money | None:
    amounts = [c.amount for c in order.live_charges if c.kind is ChargeKind.SHIPPING]
    return sum(amounts[1:], amounts[0]) if amounts else None


def _edit_fields(order: Order) -> Fields:
    form = new_fields(version=str(order.version))
    for line in order.lines:
        for key, value in _line_fields(line).items():
            form[f"change.{line.id}.{key}"] = value
    shipping = _shipping_now(order)
    form["shipping_charge"] = str(shipping.to_decimal()) if shipping else ""
    if order.is_quote and order.expires_on:
        form["expires_on"] = order.expires_on.isoformat()
    return form


# What the page lets an associate change on an existing line, by fulfilment.
LINE_KEYS = {
    Fulfilment.PICKUP: ("pickup_store", "pickup_by"),
    Fulfilment.SHIP: ("ship_to_address_id", "delivery_mode"),
}


def _line_fields(line: OrderLine) -> dict[str, str]:
    """An existing line's fields as the form shows them. The ship-to is kept as it is
    (empty) unless the associate chooses one of the customer's addresses."""
    return {
        "quantity": str(line.quantity),
        "requested_date": line.requested_date.isoformat() if line.requested_date else "",
        "pickup_store": line.location or "",
        "pickup_by": line.pickup_by or "",
        "ship_to_address_id": "",
        "delivery_mode": line.delivery_mode or "",
    }


def _line_update(line: OrderLine, form: Fields, errors: dict[str, str]) -> LineUpdate | None:
    """The fields of an existing line the associate changed, or None."""
    name = f"change.{line.id}"
    current = _line_fields(line)
    given = {key: form.get(f"{name}.{key}", current[key]).strip() for key in current}
    changed = {
        key
        for key in ("quantity", "requested_date", *LINE_KEYS.get(line.fulfilment, ()))
        if given[key] != current[key]
    }
    quantity: int | None = None
    if not given["quantity"].isdecimal():
        errors[f"{name}.quantity"] = "Enter the quantity as a whole number, e.g. 2."
    elif "quantity" in changed:
        quantity = int(given["quantity"])
    requested: date | None = None
    if "requested_date" in changed and given["requested_date"]:
        try:
            requested = date.fromisoformat(given["requested_date"])
        except ValueError:
            errors[f"{name}.requested_date"] = "Enter the date as YYYY-MM-DD."
    address: UUID | None = None
    if "ship_to_address_id" in changed:
        try:
            address = UUID(given["ship_to_address_id"])
        except ValueError:
            errors[f"{name}.ship_to_address_id"] = "Choose one of the customer's addresses."
    update = LineUpdate(
        line.id,
        quantity=quantity,
        requested_date=requested,
        pickup_store=given["pickup_store"] or None if "pickup_store" in changed else None,
        pickup_by=given["pickup_by"] if "pickup_by" in changed else None,
        ship_to_address_id=address,
        delivery_mode=given["delivery_mode"] or None if "delivery_mode" in changed else None,
    )
    return update if update != LineUpdate(line.id) else None


def _edit_input(
    order: Order, form: Fields, currency: str, view: EditView
) -> tuple[EditInput, list[UUID]]:
    """The edit as the use case takes it, and the line id of each change, in order."""
    errors: dict[str, str] = {}
    try:
        version = int(form.get("version", ""))
    except ValueError:
        version = 0
    changes: list[LineUpdate] = []
    voids: list[UUID] = []
    for line in view.editable:
        if form.get(f"void.{line.id}"):
            voids.append(line.id)
        elif update := _line_update(line, form, errors):
            changes.append(update)
    added: list[LineInput] = []
    for index, row in enumerate(view.added):
        where = f"add[{index}]"
        fulfilment = Fulfilment.SHIP if row.get("fulfilment") == "ship" else Fulfilment.PICKUP
        quantity_text = row.get("quantity", "1")
        if not quantity_text.isdecimal():
            errors[f"{where}.quantity"] = "Enter the quantity as a whole number, e.g. 2."
        requested = None
        if row.get("requested_date"):
            try:
                requested = date.fromisoformat(row["requested_date"])
            except ValueError:
                errors[f"{where}.requested_date"] = "Enter the date as YYYY-MM-DD."
        address: UUID | None = None
        if fulfilment is Fulfilment.SHIP and row.get("ship_to_address_id"):
            try:
                address = UUID(row["ship_to_address_id"])
            except ValueError:
                errors[f"{where}.ship_to_address_id"] = "Choose one of the customer's addresses."
        added.append(
            LineInput(
                sku=row["sku"],
                quantity=int(quantity_text) if quantity_text.isdecimal() else 0,
                fulfilment=fulfilment,
                requested_date=requested,
                delivery_mode=row.get("delivery_mode") or None
                if fulfilment is Fulfilment.SHIP
                else None,
                ship_to_address_id=address,
                pickup_store=row.get("pickup_store") or None
                if fulfilment is Fulfilment.PICKUP
                else None,
                pickup_by=row.get("pickup_by") or None,
            )
        )
    shipping: Money | None = None
    is_shipping_changed = False
    try:
        shipping = amount_of(form, "shipping_charge", currency)
        now = view.shipping_now
        is_shipping_changed = (shipping or Money.zero(currency)) != (now or Money.zero(currency))
    except FormErrors as error:
        errors.update(error.errors)
    expires_on, is_expiry_changed = _expiry(order, form, errors)
    if errors:
        raise FormErrors(errors)
    request = EditInput(
        expected_version=version,
        add=tuple(added),
        change=tuple(changes),
        void=tuple(voids),
        shipping_charge=shipping,
        is_shipping_changed=is_shipping_changed,
        is_recalculated=bool(form.get("recalculate")),
        refund_tender=refund_tender_of(form),
        expires_on=expires_on,
        is_expiry_changed=is_expiry_changed,
    )
    return request, [c.line_id for c in changes]


def _expiry(order: Order, form: Fields, errors: dict[str, str]) -> tuple[date | None, bool]:
    """A quote's expiry date, and whether the associate moved it."""
    current = order.expires_on.isoformat() if order.expires_on else ""
    text = form.get("expires_on", current).strip()
    if not order.is_quote or text == current:
        return None, False
    try:
        return date.fromisoformat(text), True
    except ValueError:
        errors["expires_on"] = "Enter the expiry date as YYYY-MM-DD."
        return None, False


def _add_product(p: Req, order: Order, form: Fields, view: EditView) -> dict[str, str]:
    """The product search of the edit page: one exact (or single) match is added."""
    text = form.get("product_q", "")
    if not text:
        return {"product_q": "Type or scan a barcode, SKU or product name."}
    found = catalogue.search_products(p.uow, text=text, store_code=p.ctx.store_code)
    exact = [v for v in found if text.upper() == v.product.sku or text == v.product.barcode]
    chosen = exact or found
    if not chosen:
        return {"product_q": f"No product matches “{text}”."}
    if len(chosen) > 1:
        names = ", ".join(f"{v.product.sku} ({v.product.name})" for v in chosen[:6])
        return {"product_q": f"{len(chosen)} products match: {names}. Type the SKU or scan."}
    first = next((line for line in view.editable if line.requested_date), None)
    default_date = first.requested_date if first and first.requested_date else p.today
    index = len(view.added)
    form.update(
        {
            f"add[{index}].sku": chosen[0].product.sku,
            f"add[{index}].quantity": form.get("product_qty") or "1",
            f"add[{index}].fulfilment": "pickup",
            f"add[{index}].requested_date": max(default_date, p.today).isoformat(),
            f"add[{index}].pickup_store": p.ctx.store_code,
        }
    )
    form["product_q"], form["product_qty"] = "", "1"
    return {}


def _edit_errors(error: OmniorderError, changed: list[UUID]) -> dict[str, str]:
    """The domain names changes by position ("change[0].quantity"); the form by line id."""
    errors = {}
    for key, message in placed_errors(error).items():
        match = re.match(r"^change\[(\d+)\]\.(\w+)$", key)
        if match and int(match[1]) < len(changed):
            key = f"change.{changed[int(match[1])]}.{match[2]}"
        elif key.startswith("change[") or key == "lines":
            key = ""
        errors[key] = message
    return errors


@router.get("/orders/{ref}/edit", response_class=HTMLResponse)
def edit_page(ref: str, p: ReqDep) -> HTMLResponse:
    order = latest(p, ref)
    form = _edit_fields(order)
    view = _edit_view(p, order, form)
    return show(p, "edit.html", order=order, form=form, view=view, preview=None)


@router.post("/orders/{ref}/edit", response_class=HTMLResponse)
def edit(ref: str, p: ReqDep, raw: FormDep) -> Response:
    form = fields_of(raw)
    action = form.get("action", "review")
    order = latest(p, ref)
    errors: dict[str, str] = {}
    result: Preview | None = None
    if action.startswith("remove:"):
        index = action.split(":", 1)[1]
        for key in [k for k in form if k.startswith(f"add[{index}].")]:
            del form[key]
    view = _edit_view(p, order, form)
    if action == "find_product":
        errors = _add_product(p, order, form, view)
        view = _edit_view(p, order, form)
        if not errors:
            return show(p, "edit.html", order=order, form=form, view=view, preview=None)
        return show(p, "edit.html", order=order, form=form, errors=errors, view=view, preview=None)
    changed: list[UUID] = []
    try:
        request, changed = _edit_input(order, form, p.currency, view)
        context = use_case_context(p, form)
        result = order_operations.preview(
            context,
            ref=ref,
            request=order_operations.edit_request(context, request),
            expected_version=request.expected_version,
        )
        if action == "save":
            check_quoted(form, result.due)
            done = order_operations.edit_order(
                context, ref=ref, request=_with_payments(request, payments_for(form, result.due))
            )
            return redirect_done(done, "edited")
        form["quoted_due"] = str(result.due.to_decimal())
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        errors = _edit_errors(error, changed)
    due = result.due if result else None
    return show(
        p,
        "edit.html",
        order=order,
        form=form,
        errors=errors,
        view=view,
        preview=result,
        change=change_for(form, due),
    )


def _with_payments(request: EditInput, payments: tuple[PaymentInput, ...]) -> EditInput:
    return dataclasses.replace(request, payments=payments)

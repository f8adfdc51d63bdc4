"""The POS pages for actions on an existing order (docs/rules.md §4–§8): pick up, cancel (the
order or some lines), return, edit, picking and packing, convert a quote.

Each form carries an operation id generated when it was first shown; it becomes the use
case's `Context.operation_id`, so a double submit (or a resubmit from the browser's
history) changes nothing twice. Where money changes hands, a first step shows what the
customer pays or gets back (a pure query, `order_operations.preview()`); the confirming
POST checks that the amount shown is still the amount due before it takes payment. Errors
are keyed by the domain's field paths and shown next to their fields; a missing permission
shows the manager approval fields.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omniorder.adapters.orm import DeliveryModeRow, StoreRow
from omniorder.domain.errors import OmniorderError, StaleVersion
from omniorder.domain.money import Money
from omniorder.domain.order import Order
from omniorder.domain.returns import RETURN_REASONS, ReturnLineIn
from omniorder.domain.staff import Staff
from omniorder.domain.statuses import ChargeKind, Fulfilment, Tender
from omniorder.entrypoints.deps import NowDep, UowDep
from omniorder.entrypoints.store import offers
from omniorder.entrypoints.store.context import StoreContext, StoreCtx
from omniorder.entrypoints.store.pages import TEMPLATES, FormDep, PageStaff, render
from omniorder.entrypoints.web import field_errors, html_error, page_route_class
from omniorder.service_layer import auth, catalogue, order_operations
from omniorder.service_layer import operation_requests as requests
from omniorder.service_layer.cart import (
    LineInput,
    PaymentInput,
    require_parameters,
    require_store,
    store_today,
)
from omniorder.service_layer.order_operations import Context, EditInput, LineUpdate, Preview
from omniorder.service_layer.unit_of_work import UnitOfWork

router = APIRouter(
    include_in_schema=False,
    route_class=page_route_class(html_error(TEMPLATES, "error.html")),
)

Fields = dict[str, str]


# -- what every action page needs -------------------------------------------------------------


@dataclass
class Req:
    request: Request
    ctx: StoreContext
    uow: UnitOfWork
    staff: Staff
    now: datetime
    store: StoreRow = field(init=False)
    currency: str = field(init=False)

    def __post_init__(self) -> None:
        with self.uow:
            self.store = require_store(self.uow.records, self.ctx.store_code)
            self.currency = require_parameters(self.uow.records).currency

    @property
    def today(self) -> date:
        return store_today(self.store, self.now)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.store.time_zone)


def _req(request: Request, ctx: StoreCtx, uow: UowDep, staff: PageStaff, now: NowDep) -> Req:
    return Req(request, ctx, uow, staff, now)


ReqDep = Annotated[Req, Depends(_req)]


class FormErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _fields(form: Any) -> Fields:
    """The form as text, one value per name (the last one wins)."""
    return {k: v.strip() for k, v in form.multi_items() if isinstance(v, str)}


def _new_fields(**values: str) -> Fields:
    return {"operation_id": str(uuid.uuid4()), **values}


def _operation_id(form: Fields) -> UUID:
    try:
        return UUID(form.get("operation_id", ""))
    except ValueError:
        return uuid.uuid4()


def _context(p: Req, form: Fields) -> Context:
    """Who acts (and which manager approved it, if the approval fields were filled in)."""
    manager_id = form.get("manager_override.operator_id") or None
    authorization = auth.authorize(
        p.uow,
        p.staff,
        manager_id=manager_id,
        manager_password=form.get("manager_override.password") or None,
        store_code=p.ctx.store_code,
    )
    return Context(
        uow=p.uow,
        hq=p.ctx.hq,
        payments=p.ctx.payments,
        auth=authorization,
        store_code=p.ctx.store_code,
        now=p.now,
        operation_id=_operation_id(form),
    )


def _placed(error: OmniorderError) -> dict[str, str]:
    """The error next to the field it concerns; a missing permission next to the manager
    approval fields, which lift it."""
    if isinstance(error, StaleVersion):
        return {
            "version": "Someone changed this order since you opened it. Reload it to see "
            "their changes, then make yours again."
        }
    placed: dict[str, str] = {}
    for key, message in field_errors(error).items():
        placed.setdefault("manager_override" if key.startswith("permission:") else key, message)
    return placed


def _latest(p: Req, ref: str) -> Order:
    return order_operations.latest(_context(p, {}), ref)


def _show(
    p: Req,
    template: str,
    *,
    order: Order,
    form: Fields,
    errors: dict[str, str] | None = None,
    **extra: Any,
) -> HTMLResponse:
    errors = errors or {}
    # The version the associate sees goes back with the form: if someone changed the order
    # meanwhile, HQ refuses the action (409) instead of applying it to an order not shown.
    form.setdefault("version", str(order.version))
    return render(
        p.request,
        template,
        ctx=p.ctx,
        staff=p.staff,
        status_code=422 if errors else 200,
        order=order,
        form=form,
        errors=errors,
        zone=p.zone,
        today=p.today,
        lines_by_id={line.id: line for line in order.lines},
        reasons=RETURN_REASONS,
        returnable=offers.returnable,
        show_manager="manager_override" in errors or bool(form.get("manager_override.operator_id")),
        **extra,
    )


def _done(order: Order, what: str) -> RedirectResponse:
    return RedirectResponse(f"/orders/{order.channel_ref}?done={what}", status_code=303)


def _amount(form: Fields, name: str, currency: str, *, required: bool = False) -> Money | None:
    text = form.get(name, "")
    if not text:
        if required:
            raise FormErrors({name: "Enter an amount, e.g. 12.50."})
        return None
    try:
        return Money.parse(text, currency)
    except ValueError:
        raise FormErrors({name: "Enter an amount, e.g. 12.50."}) from None


def _quantities(form: Fields, prefix: str = "lines.") -> dict[UUID, int]:
    """Quantities from fields named `lines.<line id>`; empty or 0 means "not this line"."""
    quantities: dict[UUID, int] = {}
    errors: dict[str, str] = {}
    for name, text in form.items():
        if not name.startswith(prefix) or not text:
            continue
        try:
            line_id = UUID(name[len(prefix) :])
        except ValueError:
            continue
        if not text.isdigit():
            errors[name] = "Enter the quantity as a whole number, e.g. 2."
        elif int(text) > 0:
            quantities[line_id] = int(text)
    if errors:
        raise FormErrors(errors)
    return quantities


def _payments(form: Fields, due: Money) -> tuple[PaymentInput, ...]:
    """The tender that pays `due` (nothing when nothing is due)."""
    if due.amount <= 0:
        return ()
    tender = Tender.CASH if form.get("payments[0].tender") == "cash" else Tender.CARD
    if tender is Tender.CASH:
        tendered = _amount(form, "cash_tendered", due.currency)
        if tendered is not None and tendered < due:
            raise FormErrors(
                {"cash_tendered": f"The cash received is less than the amount due ({due})."}
            )
        return (PaymentInput(tender=Tender.CASH, amount=due),)
    return (
        PaymentInput(
            tender=Tender.CARD, amount=due, card_number=form.get("payments[0].card_number") or None
        ),
    )


def _version(form: Fields) -> int | None:
    """The order version the form was shown with (None when the form has none)."""
    text = form.get("version", "")
    return int(text) if text.isdigit() and len(text) < 10 else None


def _refund_tender(form: Fields) -> Tender:
    return Tender.CARD if form.get("refund_tender") == "card" else Tender.CASH


def _change(form: Fields, due: Money | None) -> Money | None:
    if due is None or due.amount <= 0 or form.get("payments[0].tender") != "cash":
        return None
    try:
        tendered = Money.parse(form.get("cash_tendered", ""), due.currency)
    except ValueError:
        return None
    return tendered - due if tendered >= due else None


def _check_quoted(form: Fields, due: Money) -> None:
    """The customer pays what they were shown: if the amount changed, show it again."""
    if form.get("quoted_due") != str(due.to_decimal()):
        form["quoted_due"] = str(due.to_decimal())
        word = "to pay" if due.amount >= 0 else "to refund"
        amount = abs(due.to_decimal())
        raise FormErrors({"quoted_due": f"The amount {word} is now {amount}; check it, confirm."})


# -- pick up (docs/rules.md §5) --------------------------------------------------------------------


def _pickup_lines(order: Order, store_code: str) -> list[Any]:
    return [
        line
        for line in order.lines
        if offers.is_pickup_here(line, store_code) and line.open_qty > 0
    ]


@router.get("/orders/{ref}/pickup", response_class=HTMLResponse)
def pickup_page(ref: str, p: ReqDep) -> HTMLResponse:
    order = _latest(p, ref)
    lines = _pickup_lines(order, p.ctx.store_code)
    form = _new_fields(
        collected_by=next((line.pickup_by for line in lines if line.pickup_by), None)
        or order.customer_name,
        **{f"lines.{line.id}": str(line.open_qty) for line in lines},
    )
    return _show(p, "pickup.html", order=order, form=form, lines=lines, due=None)


@router.post("/orders/{ref}/pickup", response_class=HTMLResponse)
def pick_up(ref: str, p: ReqDep, raw: FormDep) -> Response:
    form = _fields(raw)
    confirm = form.get("action") == "confirm"
    due: Money | None = None
    order: Order | None = None
    try:
        context = _context(p, form)
        order = order_operations.latest(context, ref)
        quantities = _quantities(form)
        if not quantities:
            raise FormErrors({"lines": "Enter how many of at least one line are collected."})
        due = order_operations.amount_due_for_pickup(context, ref=ref, quantities=quantities)
        if confirm:
            _check_quoted(form, due)
            order = order_operations.pick_up(
                context,
                ref=ref,
                quantities=quantities,
                collected_by=form.get("collected_by", ""),
                payments=_payments(form, due),
                refund_tender=_refund_tender(form),
                expected_version=_version(form),
            )
            return _done(order, "picked_up")
        form["quoted_due"] = str(due.to_decimal())
        errors: dict[str, str] = {}
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        errors = _placed(error)
    order = order or _latest(p, ref)
    return _show(
        p,
        "pickup.html",
        order=order,
        form=form,
        errors=errors,
        lines=_pickup_lines(order, p.ctx.store_code),
        due=due,
        change=_change(form, due),
    )


# -- cancel (docs/rules.md §6) ---------------------------------------------------------------------


def _cancel_charge(form: Fields, currency: str) -> Money:
    charge = _amount(form, "charge", currency, required=True)
    assert charge is not None
    return charge


@router.get("/orders/{ref}/cancel", response_class=HTMLResponse)
def cancel_page(ref: str, p: ReqDep) -> HTMLResponse:
    context = _context(p, {})
    order = order_operations.latest(context, ref)
    form = _new_fields(lines_operation_id=str(uuid.uuid4()))
    errors: dict[str, str] = {}
    result: Preview | None = None
    try:
        charge = order_operations.cancellation_charge(context, ref=ref)
        form["charge"] = str(charge.to_decimal())
        request = requests.CancelRequest(charge=charge, refund_tender=_refund_tender(form))
        result = order_operations.preview(context, ref=ref, request=request)
        form["quoted_due"] = str(result.due.to_decimal())
    except OmniorderError as error:
        errors = _placed(error)
    return _show(p, "cancel.html", order=order, form=form, errors=errors, preview=result)


@router.post("/orders/{ref}/cancel", response_class=HTMLResponse)
def cancel(ref: str, p: ReqDep, raw: FormDep) -> Response:
    form = _fields(raw)
    result: Preview | None = None
    try:
        context = _context(p, form)
        charge = _cancel_charge(form, p.currency)
        request = requests.CancelRequest(charge=charge, refund_tender=_refund_tender(form))
        result = order_operations.preview(context, ref=ref, request=request)
        if form.get("action") == "confirm":
            _check_quoted(form, result.due)
            done = order_operations.cancel_order(
                context,
                ref=ref,
                charge=charge,
                payments=_payments(form, result.due),
                refund_tender=_refund_tender(form),
                expected_version=_version(form),
            )
            return _done(done, "cancelled")
        form["quoted_due"] = str(result.due.to_decimal())
        errors: dict[str, str] = {}
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        errors = _placed(error)
    order = _latest(p, ref)
    due = result.due if result else None
    return _show(
        p,
        "cancel.html",
        order=order,
        form=form,
        errors=errors,
        preview=result,
        change=_change(form, due),
    )


@router.post("/orders/{ref}/cancel-lines", response_class=HTMLResponse)
def cancel_lines(ref: str, p: ReqDep, raw: FormDep) -> Response:
    form = _fields(raw)
    try:
        quantities = _quantities(form, "cancel.")
        if not quantities:
            raise FormErrors({"cancel": "Enter how many of at least one line to cancel."})
        lines_form = {**form, "operation_id": form.get("lines_operation_id", "")}
        order = order_operations.cancel_lines(
            _context(p, lines_form),
            ref=ref,
            quantities=quantities,
            refund_tender=_refund_tender({"refund_tender": form.get("lines_refund_tender", "")}),
            expected_version=_version(form),
        )
        return _done(order, "lines_cancelled")
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        # The domain names the line as "lines.<id>"; on this page that is "cancel.<id>".
        errors = {re.sub(r"^lines", "cancel", k): v for k, v in _placed(error).items()}
    form["operation_id"] = str(uuid.uuid4())  # the other form's, which was not sent
    order = _latest(p, ref)
    return _show(p, "cancel.html", order=order, form=form, errors=errors, preview=None)


# -- return (docs/rules.md §7) ---------------------------------------------------------------------

RETURN_FIELD = re.compile(r"^lines\[(\d+)\]\.(\w+)$")


def _invoice_of(order: Order, key: str) -> Any:
    for invoice in order.invoices:
        if key in (invoice.number, str(invoice.id)) and any(
            offers.returnable(order, invoice).values()
        ):
            return invoice
    return None


def _returnable_invoices(order: Order) -> list[Any]:
    return [i for i in order.invoices if any(offers.returnable(order, i).values())]


@router.get("/orders/{ref}/return", response_class=HTMLResponse)
def return_page(ref: str, p: ReqDep, invoice: str = "") -> HTMLResponse:
    order = _latest(p, ref)
    invoices = _returnable_invoices(order)
    chosen = _invoice_of(order, invoice) if invoice else (invoices[0] if invoices else None)
    form = _new_fields(shipping_refund="0.00")
    if chosen is not None:
        form["invoice"] = str(chosen.id)
    return _show(p, "return.html", order=order, form=form, invoices=invoices, invoice=chosen)


@router.post("/orders/{ref}/return", response_class=HTMLResponse)
def return_goods(ref: str, p: ReqDep, raw: FormDep) -> Response:
    form = _fields(raw)
    errors: dict[str, str] = {}
    sent: list[int] = []  # position on the form of each line sent, by position in the request
    try:
        rows: dict[int, dict[str, str]] = {}
        for name, value in form.items():
            match = RETURN_FIELD.match(name)
            if match:
                rows.setdefault(int(match[1]), {})[match[2]] = value
        lines = []
        for index, row in sorted(rows.items()):
            text = row.get("quantity", "")
            if not text or text == "0":
                continue
            if not text.isdigit():
                errors[f"lines[{index}].quantity"] = "Enter the quantity as a whole number."
                continue
            if not row.get("reason_code"):
                errors[f"lines[{index}].reason_code"] = "Choose why it comes back."
                continue
            sent.append(index)
            lines.append(ReturnLineIn(UUID(row["line_id"]), int(text), row["reason_code"]))
        shipping = _amount(form, "shipping_refund", p.currency) or Money.zero(p.currency)
        if errors:
            raise FormErrors(errors)
        order = order_operations.return_goods(
            _context(p, form),
            ref=ref,
            invoice=form.get("invoice", ""),
            lines=tuple(lines),
            shipping_refund=shipping,
            refund_tender=_refund_tender(form),
            expected_version=_version(form),
        )
        return _done(order, "returned")
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        errors = {}
        for key, message in _placed(error).items():
            match = re.match(r"^lines\[(\d+)\](.*)$", key)
            if match and int(match[1]) < len(sent):
                key = f"lines[{sent[int(match[1])]}]{match[2]}"
            errors[key] = message
    order = _latest(p, ref)
    return _show(
        p,
        "return.html",
        order=order,
        form=form,
        errors=errors,
        invoices=_returnable_invoices(order),
        invoice=_invoice_of(order, form.get("invoice", "")),
    )


# -- picking and packing (docs/rules.md §5) --------------------------------------------------------


def _picking_view(p: Req, order: Order) -> dict[str, Any]:
    code, warehouse = p.ctx.store_code, p.store.warehouse
    return {
        "pick_lines": [li for li in order.lines if offers.can_mark_picked(li, code)],
        "pack_lines": [li for li in order.lines if offers.can_pack(li)],
        "offer": offers.offers_for(order, store_code=code, warehouse=warehouse, today=p.today),
    }


@router.get("/orders/{ref}/picking", response_class=HTMLResponse)
def picking_page(ref: str, p: ReqDep, done: str = "") -> HTMLResponse:
    order = _latest(p, ref)
    view = _picking_view(p, order)
    form = _new_fields(pack_operation_id=str(uuid.uuid4()), list_operation_id=str(uuid.uuid4()))
    for line in view["pick_lines"]:
        form[f"lines.{line.id}"] = str(line.open_qty - line.picked_qty)
    for line in view["pack_lines"]:
        form[f"pack.{line.id}"] = str(line.picked_qty - line.packed_qty)
    return _show(p, "picking.html", order=order, form=form, done=done, **view)


@router.post("/orders/{ref}/pick-list", response_class=HTMLResponse)
def create_pick_list(ref: str, p: ReqDep, raw: FormDep) -> Response:
    form = _fields(raw)
    form["operation_id"] = form.get("list_operation_id", form.get("operation_id", ""))
    try:
        order = order_operations.create_pick_list(
            _context(p, form), ref=ref, expected_version=_version(form)
        )
    except OmniorderError as error:
        order = _latest(p, ref)
        return _show(
            p, "picking.html", order=order, form=form, errors=_placed(error),
            done="", **_picking_view(p, order),
        )  # fmt: skip
    return RedirectResponse(f"/orders/{order.channel_ref}/picking?done=pick_list", 303)


@router.post("/orders/{ref}/picking", response_class=HTMLResponse)
def mark_picked(ref: str, p: ReqDep, raw: FormDep) -> Response:
    return _pick_or_pack(ref, p, _fields(raw), packing=False)


@router.post("/orders/{ref}/packing", response_class=HTMLResponse)
def pack(ref: str, p: ReqDep, raw: FormDep) -> Response:
    return _pick_or_pack(ref, p, _fields(raw), packing=True)


def _pick_or_pack(ref: str, p: Req, form: Fields, *, packing: bool) -> Response:
    prefix = "pack." if packing else "lines."
    try:
        quantities = _quantities(form, prefix)
        if not quantities:
            raise FormErrors({prefix.rstrip("."): "Enter a quantity for at least one line."})
        if packing:
            context = _context(p, {**form, "operation_id": form.get("pack_operation_id", "")})
            order = order_operations.pack(
                context, ref=ref, quantities=quantities, expected_version=_version(form)
            )
        else:
            order = order_operations.mark_picked(
                _context(p, form), ref=ref, quantities=quantities, expected_version=_version(form)
            )
        return RedirectResponse(
            f"/orders/{order.channel_ref}/picking?done={'packed' if packing else 'picked'}", 303
        )
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        errors = {
            (re.sub(r"^lines\.", prefix, k) if packing else k): v for k, v in _placed(error).items()
        }
    order = _latest(p, ref)
    return _show(
        p, "picking.html", order=order, form=form, errors=errors, done="",
        **_picking_view(p, order),
    )  # fmt: skip


# -- convert a quote (docs/rules.md §8) ------------------------------------------------------------


@router.get("/orders/{ref}/convert", response_class=HTMLResponse)
def convert_page(ref: str, p: ReqDep) -> HTMLResponse:
    context = _context(p, {})
    order = order_operations.latest(context, ref)
    form = _new_fields()
    errors: dict[str, str] = {}
    result: Preview | None = None
    try:
        result = order_operations.preview(context, ref=ref, request=requests.ConvertRequest())
        form["quoted_due"] = str(result.due.to_decimal())
    except OmniorderError as error:
        errors = _placed(error)
    return _show(
        p, "convert.html", order=order, form=form, errors=errors, preview=result, change=None
    )


@router.post("/orders/{ref}/convert", response_class=HTMLResponse)
def convert(ref: str, p: ReqDep, raw: FormDep) -> Response:
    form = _fields(raw)
    result: Preview | None = None
    try:
        context = _context(p, form)
        result = order_operations.preview(context, ref=ref, request=requests.ConvertRequest())
        _check_quoted(form, result.due)
        done = order_operations.convert_quote(
            context, ref=ref, payments=_payments(form, result.due), expected_version=_version(form)
        )
        return _done(done, "converted")
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        errors = _placed(error)
    order = _latest(p, ref)
    due = result.due if result else None
    return _show(
        p,
        "convert.html",
        order=order,
        form=form,
        errors=errors,
        preview=result,
        change=_change(form, due),
    )


# -- edit (docs/rules.md §4) -----------------------------------------------------------------------

ADD_FIELD = re.compile(r"^add\[(\d+)\]\.(\w+)$")
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
    rows: dict[int, dict[str, str]] = {}
    for name, value in form.items():
        match = ADD_FIELD.match(name)
        if match:
            rows.setdefault(int(match[1]), {})[match[2]] = value
    added = [row for _i, row in sorted(rows.items()) if row.get("sku")]
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
    form = _new_fields(version=str(order.version))
    for line in order.lines:
        form[f"change.{line.id}.quantity"] = str(line.quantity)
        form[f"change.{line.id}.requested_date"] = (
            line.requested_date.isoformat() if line.requested_date else ""
        )
    shipping = _shipping_now(order)
    form["shipping_charge"] = str(shipping.to_decimal()) if shipping else ""
    return form


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
            continue
        qty_name = f"change.{line.id}.quantity"
        date_name = f"change.{line.id}.requested_date"
        quantity: int | None = None
        text = form.get(qty_name, str(line.quantity))
        if not text.isdigit():
            errors[qty_name] = "Enter the quantity as a whole number, e.g. 2."
        elif int(text) != line.quantity:
            quantity = int(text)
        requested: date | None = None
        text = form.get(date_name, "")
        current = line.requested_date.isoformat() if line.requested_date else ""
        if text and text != current:
            try:
                requested = date.fromisoformat(text)
            except ValueError:
                errors[date_name] = "Enter the date as YYYY-MM-DD."
        if quantity is not None or requested is not None:
            changes.append(LineUpdate(line.id, quantity=quantity, requested_date=requested))
    added: list[LineInput] = []
    for index, row in enumerate(view.added):
        where = f"add[{index}]"
        fulfilment = Fulfilment.SHIP if row.get("fulfilment") == "ship" else Fulfilment.PICKUP
        quantity_text = row.get("quantity", "1")
        if not quantity_text.isdigit():
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
                quantity=int(quantity_text) if quantity_text.isdigit() else 0,
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
        shipping = _amount(form, "shipping_charge", currency)
        now = view.shipping_now
        is_shipping_changed = (shipping or Money.zero(currency)) != (now or Money.zero(currency))
    except FormErrors as error:
        errors.update(error.errors)
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
        refund_tender=_refund_tender(form),
    )
    return request, [c.line_id for c in changes]


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
    for key, message in _placed(error).items():
        match = re.match(r"^change\[(\d+)\]\.(\w+)$", key)
        if match and int(match[1]) < len(changed):
            key = f"change.{changed[int(match[1])]}.{match[2]}"
        elif key.startswith("change[") or key == "lines":
            key = ""
        errors[key] = message
    return errors


@router.get("/orders/{ref}/edit", response_class=HTMLResponse)
def edit_page(ref: str, p: ReqDep) -> HTMLResponse:
    order = _latest(p, ref)
    form = _edit_fields(order)
    view = _edit_view(p, order, form)
    return _show(p, "edit.html", order=order, form=form, view=view, preview=None)


@router.post("/orders/{ref}/edit", response_class=HTMLResponse)
def edit(ref: str, p: ReqDep, raw: FormDep) -> Response:
    form = _fields(raw)
    action = form.get("action", "review")
    order = _latest(p, ref)
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
            return _show(p, "edit.html", order=order, form=form, view=view, preview=None)
        return _show(p, "edit.html", order=order, form=form, errors=errors, view=view, preview=None)
    changed: list[UUID] = []
    try:
        request, changed = _edit_input(order, form, p.currency, view)
        context = _context(p, form)
        result = order_operations.preview(
            context,
            ref=ref,
            request=order_operations.edit_request(context, request),
            expected_version=request.expected_version,
        )
        if action == "save":
            _check_quoted(form, result.due)
            done = order_operations.edit_order(
                context, ref=ref, request=_with_payments(request, _payments(form, result.due))
            )
            return _done(done, "edited")
        form["quoted_due"] = str(result.due.to_decimal())
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        errors = _edit_errors(error, changed)
    due = result.due if result else None
    return _show(
        p,
        "edit.html",
        order=order,
        form=form,
        errors=errors,
        view=view,
        preview=result,
        change=_change(form, due),
    )


def _with_payments(request: EditInput, payments: tuple[PaymentInput, ...]) -> EditInput:
    return dataclasses.replace(request, payments=payments)

"""The store's POS pages (HTML): sign in, home, new customer order, receipt, find an order.

The cart lives in the new-order form itself: every button posts the whole form, the server
answers with the same page re-rendered, and one final POST creates the order with the order
id generated when the page was first shown, so a double submit is harmless. Field names are
the domain's field paths ("lines[0].requested_date"), so an error lands next to its field.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from omniorder.adapters.orm import CustomerRow, DeliveryModeRow, StoreRow
from omniorder.domain.creation import NewOrder, create_order
from omniorder.domain.errors import InvalidInput, OmniorderError
from omniorder.domain.money import Money
from omniorder.domain.order import Charge, Order, OrderLine
from omniorder.domain.settlement import TenderIn
from omniorder.domain.staff import Authorization, Permission, Staff
from omniorder.domain.statuses import (
    ChargeKind,
    Fulfilment,
    OrderStatus,
    OrderType,
    SyncStatus,
    Tender,
)
from omniorder.entrypoints.deps import NowDep, UowDep, parse_amount
from omniorder.entrypoints.store import offers
from omniorder.entrypoints.store.context import StoreContext, StoreCtx
from omniorder.entrypoints.web import (
    clear_session_cookie,
    field_errors,
    format_local,
    format_money,
    html_error,
    make_templates,
    page_globals,
    page_route_class,
    require_session_token,
    session_token,
    set_session_cookie,
)
from omniorder.service_layer import auth, catalogue, customer_orders, journal
from omniorder.service_layer.cart import (
    LineInput,
    OrderInput,
    PaymentInput,
    price_cart,
    require_parameters,
    require_store,
    store_today,
)
from omniorder.service_layer.catalogue import ProductView
from omniorder.service_layer.ports import HQ
from omniorder.service_layer.unit_of_work import UnitOfWork

TEMPLATES = make_templates(Path(__file__).parent / "templates")
TEMPLATES.env.filters["local"] = format_local
router = APIRouter(
    include_in_schema=False,
    route_class=page_route_class(html_error(TEMPLATES, "error.html")),
)


def page_staff(request: Request, uow: UowDep, now: NowDep) -> Staff:
    return auth.staff_for_token(uow, require_session_token(request), now=now)


PageStaff = Annotated[Staff, Depends(page_staff)]


async def form_data(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


def render(
    request: Request,
    name: str,
    *,
    ctx: StoreContext,
    staff: Staff | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {"staff": staff, "store_code": ctx.store_code, **page_globals(request), **context},
        status_code=status_code,
    )


def _safe_next(target: str) -> str:
    """Only paths on this server: never `//other.site` or an absolute URL."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


# -- sign in / sign out ---------------------------------------------------------------------


@router.get("/signin", response_class=HTMLResponse)
def sign_in_page(request: Request, ctx: StoreCtx, next: str = "/") -> HTMLResponse:
    return render(
        request, "signin.html", ctx=ctx, staff=None, next=_safe_next(next), form={}, errors={}
    )


@router.post("/signin", response_class=HTMLResponse)
def sign_in(
    request: Request,
    ctx: StoreCtx,
    uow: UowDep,
    now: NowDep,
    operator_id: Annotated[str, Form(max_length=20)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    errors: dict[str, str] = {}
    if not operator_id.strip():
        errors["operator_id"] = "Enter your operator id."
    if not password:
        errors["password"] = "Enter your password."
    if not errors:
        try:
            token, _staff = auth.sign_in(
                uow,
                operator_id=operator_id.strip(),
                password=password,
                store_code=ctx.store_code,
                now=now,
                hours=ctx.settings.session_hours,
            )
        except OmniorderError as error:
            errors = {
                ("password" if key.startswith("permission:") else key): message
                for key, message in field_errors(error).items()
            }
        else:
            response = RedirectResponse(_safe_next(next), status_code=303)
            set_session_cookie(request, response, token, ctx.settings.session_hours)
            return response
    return render(
        request,
        "signin.html",
        ctx=ctx,
        staff=None,
        status_code=422,
        next=_safe_next(next),
        form={"operator_id": operator_id},
        errors=errors,
    )


@router.post("/signout")
def sign_out(request: Request, uow: UowDep) -> Response:
    token = session_token(request)
    if token:
        auth.sign_out(uow, token=token)
    response = RedirectResponse("/signin", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, ctx: StoreCtx, staff: PageStaff) -> HTMLResponse:
    return render(request, "home.html", ctx=ctx, staff=staff)


# -- the cart, as the form holds it ----------------------------------------------------------

LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.(\w+)$")


@dataclass
class LineForm:
    sku: str
    quantity: str = "1"
    fulfilment: str = ""
    requested_date: str = ""
    delivery_mode: str = ""
    ship_to_address_id: str = ""
    pickup_store: str = ""
    pickup_by: str = ""


@dataclass
class CartForm:
    """What the associate typed and chose, as text, exactly as it goes back into the form."""

    order_id: str
    customer_account: str = ""
    customer_q: str = ""
    product_q: str = ""
    product_qty: str = "1"
    order_type: str = OrderType.CUSTOMER_ORDER.value
    deposit_override: str = ""
    manager_id: str = ""
    manager_password: str = ""
    tender: str = Tender.CARD.value
    pay_amount: str = ""
    quoted_due: str = ""
    cash_tendered: str = ""
    card_number: str = ""
    lines: list[LineForm] = field(default_factory=list)

    @classmethod
    def parse(cls, form: FormData) -> CartForm:
        def text(name: str, default: str = "") -> str:
            value = form.get(name)
            return value.strip() if isinstance(value, str) else default

        order_id = text("order_id")
        try:
            uuid.UUID(order_id)
        except ValueError:
            order_id = str(customer_orders.new_order_id())
        lines: dict[int, dict[str, str]] = {}
        for key, value in form.multi_items():
            match = LINE_FIELD.match(key)
            if match and isinstance(value, str):
                lines.setdefault(int(match[1]), {})[match[2]] = value.strip()
        known = {f.name for f in dataclasses.fields(LineForm)}
        return cls(
            order_id=order_id,
            customer_account=text("customer_account"),
            customer_q=text("customer_q"),
            product_q=text("product_q"),
            product_qty=text("product_qty", "1") or "1",
            order_type=text("order_type", OrderType.CUSTOMER_ORDER.value),
            deposit_override=text("deposit_override"),
            manager_id=text("manager_override.operator_id"),
            manager_password=str(form.get("manager_override.password") or ""),
            tender=text("payments[0].tender", Tender.CARD.value),
            pay_amount=text("payments[0].amount"),
            quoted_due=text("quoted_due"),
            cash_tendered=text("cash_tendered"),
            card_number=text("payments[0].card_number"),
            lines=[
                LineForm(**{k: v for k, v in fields.items() if k in known})
                for _index, fields in sorted(lines.items())
                if fields.get("sku")
            ],
        )

    @property
    def is_quote(self) -> bool:
        return self.order_type == OrderType.QUOTE.value


class FormErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _order_input(cart: CartForm, currency: str, *, with_payment: Money | None) -> OrderInput:
    """The use case's input from the form's text; unreadable values raise `FormErrors`."""
    errors: dict[str, str] = {}
    if not cart.customer_account:
        errors["customer_account"] = (
            "Choose the customer first: search by name, phone, email or account."
        )
    lines: list[LineInput] = []
    for index, line in enumerate(cart.lines):
        where = f"lines[{index}]"
        try:
            fulfilment = Fulfilment(line.fulfilment)
        except ValueError:
            errors[f"{where}.fulfilment"] = "Choose ship, pick up or carry out for this line."
            fulfilment = Fulfilment.CARRY_OUT
        try:
            quantity = int(line.quantity)
        except ValueError:
            errors[f"{where}.quantity"] = "Enter the quantity as a whole number, e.g. 2."
            quantity = 0
        requested: date | None = None
        if line.requested_date and fulfilment is not Fulfilment.CARRY_OUT:
            try:
                requested = date.fromisoformat(line.requested_date)
            except ValueError:
                errors[f"{where}.requested_date"] = "Enter the date as YYYY-MM-DD."
        address_id: uuid.UUID | None = None
        if line.ship_to_address_id and fulfilment is Fulfilment.SHIP:
            try:
                address_id = uuid.UUID(line.ship_to_address_id)
            except ValueError:
                errors[f"{where}.ship_to_address_id"] = "Choose one of the customer's addresses."
        lines.append(
            LineInput(
                sku=line.sku,
                quantity=quantity,
                fulfilment=fulfilment,
                requested_date=requested,
                delivery_mode=line.delivery_mode or None,
                ship_to_address_id=address_id,
                pickup_store=line.pickup_store or None,
                pickup_by=line.pickup_by or None,
            )
        )
    deposit_override = None
    try:
        deposit_override = parse_amount(cart.deposit_override or None, currency, "deposit_override")
    except InvalidInput as error:
        errors[error.field] = "Enter the deposit as an amount, e.g. 50.00."
    payments: tuple[PaymentInput, ...] = ()
    if with_payment is not None and with_payment.amount > 0 and not cart.is_quote:
        try:
            tender = Tender(cart.tender)
        except ValueError:
            errors["payments[0].tender"] = "Choose card or cash."
            tender = Tender.CARD
        if tender is Tender.CASH and cart.cash_tendered:
            try:
                tendered = Money.parse(cart.cash_tendered, currency)
            except ValueError:
                errors["cash_tendered"] = "Enter the cash received as an amount, e.g. 100.00."
            else:
                if tendered < with_payment:
                    errors["cash_tendered"] = (
                        f"The cash received is less than the amount paid now "
                        f"({with_payment.to_decimal()})."
                    )
        payments = (
            PaymentInput(
                tender=tender,
                amount=with_payment,
                card_number=cart.card_number or None if tender is Tender.CARD else None,
            ),
        )
    if errors:
        raise FormErrors(errors)
    return OrderInput(
        id=uuid.UUID(cart.order_id),
        order_type=OrderType.QUOTE if cart.is_quote else OrderType.CUSTOMER_ORDER,
        customer_account=cart.customer_account,
        lines=tuple(lines),
        deposit_override=deposit_override,
        payments=payments,
    )


def _authorization(uow: UnitOfWork, staff: Staff, cart: CartForm, store_code: str) -> Authorization:
    return auth.authorize(
        uow,
        staff,
        manager_id=cart.manager_id or None,
        manager_password=cart.manager_password or None,
        store_code=store_code,
    )


def _normalize(errors: dict[str, str]) -> dict[str, str]:
    """Permission errors belong next to the fields that can lift them."""
    placed: dict[str, str] = {}
    for key, message in errors.items():
        if key == "permission:deposit_override":
            key = "deposit_override"
        elif key in ("permission:manager", "permission:store"):
            key = "manager_override"
        elif key.startswith("permission:"):
            key = ""
        placed.setdefault(key, message)
    return placed


def quote_cart(
    ctx: StoreContext, uow: UnitOfWork, staff: Staff, cart: CartForm, now: datetime
) -> Order:
    """Price and check the cart on a throwaway basis: the order it would create, unpaid.

    The domain checks that payments cover the amount due, so the check runs with one
    stand-in tender of the whole order total (always enough, never too much); the stand-in
    is dropped from the result.
    """
    with uow:
        currency = require_parameters(uow.records).currency
        today = store_today(require_store(uow.records, ctx.store_code), now)
    request = _order_input(cart, currency, with_payment=None)
    authorization = _authorization(uow, staff, cart, ctx.store_code)
    with uow:
        new = price_cart(uow.records, request, store_code=ctx.store_code, channel_ref="(quote)")
    if new.order_type is OrderType.QUOTE:
        return create_order(new, auth=authorization, today=today, now=now)
    total = _order_total(new, now)
    stand_in = (
        (TenderIn(id=uuid.uuid4(), tender=Tender.CASH, amount=total),) if total.amount > 0 else ()
    )
    order = create_order(
        dataclasses.replace(new, tenders=stand_in), auth=authorization, today=today, now=now
    )
    order.payments = []
    return order


def _order_total(new: NewOrder, now: datetime) -> Money:
    """The cart's order total, as the domain's order aggregate computes it."""
    draft = Order(
        id=new.id,
        order_type=new.order_type,
        store_code=new.store_code,
        channel_ref=new.channel_ref,
        customer_account=new.customer_account,
        customer_name=new.customer_name,
        currency=new.currency,
        created_at=now,
        created_by="",
        deposit_percent=new.deposit_percent,
        lines=[
            OrderLine(
                id=uuid.uuid4(),
                line_number=index + 1,
                sku=line.sku,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                fulfilment=line.fulfilment,
                delivery_mode=line.delivery_mode,
                location=line.location,
            )
            for index, line in enumerate(new.lines)
        ],
        charges=[
            Charge(
                id=uuid.uuid4(),
                kind=ChargeKind.SHIPPING,
                code=new.shipping.code,
                amount=new.shipping.amount,
                tax_rate=new.shipping.tax_rate,
            )
        ]
        if new.shipping
        else [],
    )
    return draft.order_total


# -- new order page --------------------------------------------------------------------------


@dataclass
class CartView:
    """Everything the new-order template shows besides the form's own values."""

    customer: CustomerRow | None = None
    customer_results: list[CustomerRow] | None = None
    product_results: list[ProductView] | None = None
    products: dict[str, ProductView] = field(default_factory=dict)
    pickup_stores: list[StoreRow] = field(default_factory=list)
    ship_modes: list[DeliveryModeRow] = field(default_factory=list)
    order: Order | None = None
    change: Money | None = None


def _customer(uow: UnitOfWork, account: str) -> CustomerRow | None:
    if not account:
        return None
    for row in catalogue.search_customers(uow, text=account):
        if row.account == account:
            return row
    return None


def _new_line(cart: CartForm, sku: str, quantity: str, store_code: str) -> LineForm:
    previous = cart.lines[-1] if cart.lines else None
    line = LineForm(sku=sku, quantity=quantity or "1")
    if previous is not None:
        line = dataclasses.replace(
            previous, sku=sku, quantity=quantity or "1", requested_date=previous.requested_date
        )
    if not line.pickup_store:
        line.pickup_store = store_code
    return line


def _fill_defaults(cart: CartForm, view: CartView, store_code: str) -> None:
    """Sensible choices for what the associate has not chosen yet (all can be changed)."""
    first_date = next((line.requested_date for line in cart.lines if line.requested_date), "")
    for line in cart.lines:
        if not line.pickup_store:
            line.pickup_store = store_code
        if not line.delivery_mode and view.ship_modes:
            line.delivery_mode = view.ship_modes[0].code
        if not line.ship_to_address_id and view.customer and view.customer.addresses:
            line.ship_to_address_id = str(view.customer.addresses[0].id)
        if line.fulfilment in ("ship", "pickup") and not line.requested_date:
            line.requested_date = first_date


def _apply_action(
    action: str,
    cart: CartForm,
    view: CartView,
    uow: UnitOfWork,
    store_code: str,
    hq: HQ | None = None,
) -> dict[str, str]:
    """Carry out one cart button; returns errors to show next to their fields."""
    if action == "find_customer":
        if not cart.customer_q:
            return {"customer_q": "Type a name, phone, email or account number to search."}
        customers = catalogue.search_customers(uow, text=cart.customer_q)
        if len(customers) == 1:
            cart.customer_account, cart.customer_q = customers[0].account, ""
        elif not customers:
            return {"customer_q": f"No customer matches “{cart.customer_q}”."}
        else:
            view.customer_results = customers
    elif action.startswith("pick_customer:"):
        cart.customer_account, cart.customer_q = action.split(":", 1)[1], ""
    elif action == "clear_customer":
        cart.customer_account = ""
        for line in cart.lines:
            line.ship_to_address_id = ""
    elif action == "find_product":
        text = cart.product_q
        if not text:
            return {"product_q": "Type or scan a barcode, SKU or product name."}
        found = catalogue.search_products(uow, text=text, store_code=store_code, hq=hq)
        exact = [v for v in found if text.upper() == v.product.sku or text == v.product.barcode]
        if len(exact) == 1 or len(found) == 1:
            chosen = (exact or found)[0]
            cart.lines.append(_new_line(cart, chosen.product.sku, cart.product_qty, store_code))
            cart.product_q, cart.product_qty = "", "1"
        elif not found:
            return {"product_q": f"No product matches “{text}”."}
        else:
            view.product_results = found
    elif action.startswith("add:"):
        sku = action.split(":", 1)[1]
        cart.lines.append(_new_line(cart, sku, cart.product_qty, store_code))
        cart.product_q, cart.product_qty = "", "1"
    elif action.startswith("remove:"):
        index = int(action.split(":", 1)[1]) if action.split(":", 1)[1].isdigit() else -1
        if 0 <= index < len(cart.lines):
            del cart.lines[index]
    elif action in ("ship_all", "pickup_all"):
        if not cart.lines:
            return {"lines": "Add a product first."}
        for line in cart.lines:
            line.fulfilment = "ship" if action == "ship_all" else "pickup"
    return {}


def _load_view(
    uow: UnitOfWork, cart: CartForm, view: CartView, store_code: str, hq: HQ | None = None
) -> None:
    """With `hq`, the lines' stock is HQ's (one read), also for lines loaded before from
    channel data; without, it is the store's channel data (flagged cached)."""
    view.customer = _customer(uow, cart.customer_account)
    if cart.customer_account and view.customer is None:
        cart.customer_account = ""
    with uow:
        view.pickup_stores = [
            s for s in uow.records.list(StoreRow, StoreRow.code) if s.is_pickup_location
        ]
        # Cheapest first: it is the default for a new ship line.
        modes = uow.records.list(DeliveryModeRow, DeliveryModeRow.code)
        view.ship_modes = sorted(
            (m for m in modes if m.kind == "ship"), key=lambda m: (m.rate_amount, m.code)
        )
    skus = [
        line.sku
        for line in cart.lines
        if line.sku not in view.products or (hq is not None and view.products[line.sku].is_cached)
    ]
    if skus:
        view.products.update(
            catalogue.products_by_sku(uow, skus=skus, store_code=store_code, hq=hq)
        )


def _ready_to_quote(cart: CartForm) -> bool:
    return bool(cart.customer_account and cart.lines) and all(
        line.fulfilment for line in cart.lines
    )


def _try_quote(
    ctx: StoreContext,
    uow: UnitOfWork,
    staff: Staff,
    cart: CartForm,
    view: CartView,
    now: datetime,
) -> dict[str, str]:
    """Fill in the totals; returns what stopped the quote, if anything."""
    try:
        view.order = quote_cart(ctx, uow, staff, cart, now)
    except FormErrors as error:
        return error.errors
    except OmniorderError as error:
        errors = _normalize(field_errors(error))
        if cart.deposit_override:
            # Still show the totals with the default deposit.
            with contextlib.suppress(FormErrors, OmniorderError):
                view.order = quote_cart(
                    ctx, uow, staff, dataclasses.replace(cart, deposit_override=""), now
                )
        return errors
    order = view.order
    due = order.amount_due
    due_text = f"{due.to_decimal()}"
    if cart.is_quote:
        cart.pay_amount = ""
    elif not cart.pay_amount or cart.pay_amount == cart.quoted_due:
        cart.pay_amount = due_text if due.amount > 0 else ""
    cart.quoted_due = due_text
    return {}


def _change(cart: CartForm, currency: str) -> Money | None:
    if cart.tender != Tender.CASH.value or not cart.cash_tendered or not cart.pay_amount:
        return None
    try:
        change = Money.parse(cart.cash_tendered, currency) - Money.parse(cart.pay_amount, currency)
    except ValueError:
        return None
    return change if change.amount >= 0 else None


def _render_cart(
    request: Request,
    ctx: StoreContext,
    uow: UnitOfWork,
    staff: Staff,
    cart: CartForm,
    view: CartView,
    errors: dict[str, str],
    now: datetime,
    status_code: int = 200,
) -> HTMLResponse:
    with uow:
        params = require_parameters(uow.records)
        today = store_today(require_store(uow.records, ctx.store_code), now)
    view.change = _change(cart, params.currency)
    return render(
        request,
        "new_order.html",
        ctx=ctx,
        staff=staff,
        status_code=status_code,
        cart=cart,
        view=view,
        errors=errors,
        today=today,
        deposit_percent=params.default_deposit_percent,
        can_override=staff.has(Permission.DEPOSIT_OVERRIDE),
        price=lambda minor: format_money(Money(minor, params.currency)),
    )


@router.get("/orders/new", response_class=HTMLResponse)
def new_order_page(
    request: Request, ctx: StoreCtx, uow: UowDep, staff: PageStaff, now: NowDep
) -> HTMLResponse:
    cart = CartForm(order_id=str(customer_orders.new_order_id()))
    view = CartView()
    _load_view(uow, cart, view, ctx.store_code, ctx.hq)
    return _render_cart(request, ctx, uow, staff, cart, view, {}, now)


@router.post("/orders/new/cart", response_class=HTMLResponse)
def update_cart(
    request: Request,
    ctx: StoreCtx,
    uow: UowDep,
    staff: PageStaff,
    now: NowDep,
    form: FormDep,
) -> HTMLResponse:
    """Every cart button but "create": search, add, remove, ship/pick up all, quote."""
    cart = CartForm.parse(form)
    action = str(form.get("action") or "quote")
    view = CartView()
    _load_view(uow, cart, view, ctx.store_code)
    errors = _apply_action(action, cart, view, uow, ctx.store_code, ctx.hq)
    _load_view(uow, cart, view, ctx.store_code, ctx.hq)
    _fill_defaults(cart, view, ctx.store_code)
    if action == "quote" or _ready_to_quote(cart):
        quote_errors = _try_quote(ctx, uow, staff, cart, view, now)
        if action == "quote":
            errors.update(quote_errors)
    return _render_cart(request, ctx, uow, staff, cart, view, errors, now, 422 if errors else 200)


@router.post("/orders/new", response_class=HTMLResponse)
def create_order_from_form(
    request: Request,
    ctx: StoreCtx,
    uow: UowDep,
    staff: PageStaff,
    now: NowDep,
    form: FormDep,
) -> Response:
    """Create the order exactly as POST /api/v1/customer-orders does, then show the receipt."""
    cart = CartForm.parse(form)
    view = CartView()
    _load_view(uow, cart, view, ctx.store_code)
    _fill_defaults(cart, view, ctx.store_code)
    try:
        with uow:
            currency = require_parameters(uow.records).currency
        pay: Money | None = None
        if not cart.is_quote:
            if cart.pay_amount:
                pay = parse_amount(cart.pay_amount, currency, "payments[0].amount")
            else:
                pay = quote_cart(ctx, uow, staff, cart, now).amount_due
        request_input = _order_input(cart, currency, with_payment=pay)
        authorization = _authorization(uow, staff, cart, ctx.store_code)
        order = customer_orders.create_customer_order(
            uow,
            hq=ctx.hq,
            payments=ctx.payments,
            request=request_input,
            auth=authorization,
            store_code=ctx.store_code,
            now=now,
        )
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        errors = _normalize(field_errors(error))
    else:
        return RedirectResponse(f"/orders/{order.channel_ref}/receipt?new=1", status_code=303)
    _load_view(uow, cart, view, ctx.store_code, ctx.hq)
    if _ready_to_quote(cart):
        _try_quote(ctx, uow, staff, cart, view, now)
    return _render_cart(request, ctx, uow, staff, cart, view, errors, now, 422)


# -- receipt, find, detail -------------------------------------------------------------------


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
    status = journal.sync_status(uow, order_id)
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
    today, _zone = _today(uow, ctx.store_code, now)
    return render(
        request,
        "receipt.html",
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
) -> HTMLResponse:
    today, zone = _today(uow, ctx.store_code, now)
    date_from = request.query_params.get("from", "")
    date_to = request.query_params.get("to", "")
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
    orders: list[Order] = []
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
        syncs={order.id: sync_view(uow, order.id) for order in orders},
    )


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
        deposit=_deposit_figures(order),
        offer=offers.offers_for(
            order, store_code=ctx.store_code, warehouse=store.warehouse, today=today
        ),
        done=DONE_MESSAGES.get(request.query_params.get("done", ""), ""),
        operation_id=uuid.uuid4(),
        sync=sync_view(uow, order.id),
        copy_as_of=view.as_of if view.hq_unreachable else None,
    )


def _deposit_figures(order: Order) -> tuple[Money, Money] | None:
    """Required deposit and amount due; None when an overridden deposit no longer fits the
    order value (after cancelling), which the domain refuses to compute."""
    try:
        return order.required_deposit, order.amount_due
    except OmniorderError:
        return None


DONE_MESSAGES = {
    "picked_up": "Handed over and invoiced.",
    "cancelled": "The order is cancelled.",
    "lines_cancelled": "The lines are cancelled.",
    "returned": "The return is recorded and refunded.",
    "edited": "The order is changed.",
    "converted": "The quote is now a customer order.",
}

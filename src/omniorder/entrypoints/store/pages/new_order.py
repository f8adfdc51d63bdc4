"""The new customer order (or quote) page: find the customer, add products, choose how each
line is fulfilled, see the totals, take the deposit and create the order.

The cart lives in the new-order form itself (cart.py): every button posts the whole form,
the server answers with the same page re-rendered, and one final POST creates the order
with the order id generated when the page was first shown, so a double submit is harmless.
The order's receipt follows (orders.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omniorder.adapters.orm import CustomerRow, DeliveryModeRow, StoreRow
from omniorder.domain.creation import suggested_date
from omniorder.domain.errors import OmniorderError
from omniorder.domain.money import Money
from omniorder.domain.order import Order
from omniorder.domain.staff import Permission, Staff
from omniorder.domain.statuses import Fulfilment, Tender
from omniorder.entrypoints.deps import NowDep, UowDep, client_address, parse_amount
from omniorder.entrypoints.store.context import StoreContext, StoreCtx
from omniorder.entrypoints.store.pages.cart import (
    CartForm,
    LineForm,
    cart_authorization,
    order_input,
    placed_cart_errors,
    quote_cart,
)
from omniorder.entrypoints.store.pages.common import PageStaff, page_router, render
from omniorder.entrypoints.store.pages.forms import FormDep, FormErrors
from omniorder.entrypoints.web import field_errors, format_money
from omniorder.service_layer import catalogue, customer_orders
from omniorder.service_layer.cart import require_parameters, require_store, store_today
from omniorder.service_layer.catalogue import ProductView
from omniorder.service_layer.ports import HQ
from omniorder.service_layer.unit_of_work import UnitOfWork

router = page_router()


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


def _new_line(cart: CartForm, product: ProductView, quantity: str, store_code: str) -> LineForm:
    """A scanned product starts as carry out when the store has it (the customer takes it
    now), otherwise as the previous line; its other choices are the previous line's
    (docs/rules.md §2)."""
    previous = cart.lines[-1] if cart.lines else None
    sku, quantity = product.product.sku, quantity or "1"
    line = LineForm(sku=sku, quantity=quantity)
    if previous is not None:
        line = dataclasses.replace(previous, sku=sku, quantity=quantity)
    wanted = int(quantity) if quantity.isdecimal() else 1
    if product.here.available_qty >= wanted:
        line.fulfilment = Fulfilment.CARRY_OUT.value
    if not line.pickup_store:
        line.pickup_store = store_code
    return line


def _fill_defaults(cart: CartForm, view: CartView, store_code: str, today: date) -> None:
    """Sensible choices for what the associate has not chosen yet (all can be changed)."""
    for line in cart.lines:
        if not line.pickup_store:
            line.pickup_store = store_code
        if not line.delivery_mode and view.ship_modes:
            line.delivery_mode = view.ship_modes[0].code
        if not line.ship_to_address_id and view.customer and view.customer.addresses:
            line.ship_to_address_id = str(view.customer.addresses[0].id)
        if line.fulfilment in ("ship", "pickup") and not line.requested_date:
            suggested = suggested_date(Fulfilment(line.fulfilment), today)
            line.requested_date = suggested.isoformat() if suggested else ""


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
            cart.lines.append(_new_line(cart, chosen, cart.product_qty, store_code))
            cart.product_q, cart.product_qty = "", "1"
        elif not found:
            return {"product_q": f"No product matches “{text}”."}
        else:
            view.product_results = found
    elif action.startswith("add:"):
        sku = action.split(":", 1)[1]
        product = catalogue.products_by_sku(uow, skus=[sku], store_code=store_code).get(sku)
        if product is None:
            return {"product_q": f"No product has the SKU “{sku}”."}
        cart.lines.append(_new_line(cart, product, cart.product_qty, store_code))
        cart.product_q, cart.product_qty = "", "1"
    elif action.startswith("remove:"):
        index = int(action.split(":", 1)[1]) if action.split(":", 1)[1].isdecimal() else -1
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


def _today(uow: UnitOfWork, store_code: str, now: datetime) -> date:
    with uow:
        return store_today(require_store(uow.records, store_code), now)


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
    *,
    client: str | None,
) -> dict[str, str]:
    """Fill in the totals; returns what stopped the quote, if anything."""
    try:
        view.order = quote_cart(ctx, uow, staff, cart, now, client=client)
    except FormErrors as error:
        return error.errors
    except OmniorderError as error:
        errors = placed_cart_errors(field_errors(error))
        if cart.deposit_override:
            # Still show the totals with the default deposit.
            with contextlib.suppress(FormErrors, OmniorderError):
                view.order = quote_cart(
                    ctx,
                    uow,
                    staff,
                    dataclasses.replace(cart, deposit_override=""),
                    now,
                    client=client,
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
        suggested_dates={f.value: suggested_date(f, today) for f in Fulfilment},
        deposit_percent=params.default_deposit_percent,
        can_override=staff.has(Permission.DEPOSIT_OVERRIDE),
        price=lambda minor: format_money(Money(minor, params.currency)),
        currency=params.currency,
    )


@router.get("/orders/new", response_class=HTMLResponse)
def new_order_page(
    request: Request,
    ctx: StoreCtx,
    uow: UowDep,
    staff: PageStaff,
    now: NowDep,
    customer_q: str = "",
) -> HTMLResponse:
    """An empty cart; with `customer_q` (the home page's "new order for"), the customer
    search already run: one match is chosen."""
    cart = CartForm(order_id=str(customer_orders.new_order_id()), customer_q=customer_q.strip())
    view = CartView()
    errors = _apply_action("find_customer", cart, view, uow, ctx.store_code) if customer_q else {}
    _load_view(uow, cart, view, ctx.store_code, ctx.hq)
    return _render_cart(request, ctx, uow, staff, cart, view, errors, now)


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
    _fill_defaults(cart, view, ctx.store_code, _today(uow, ctx.store_code, now))
    if action == "quote" or _ready_to_quote(cart):
        quote_errors = _try_quote(ctx, uow, staff, cart, view, now, client=client_address(request))
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
    _fill_defaults(cart, view, ctx.store_code, _today(uow, ctx.store_code, now))
    try:
        with uow:
            currency = require_parameters(uow.records).currency
        pay: Money | None = None
        if not cart.is_quote:
            if cart.pay_amount:
                pay = parse_amount(cart.pay_amount, currency, "payments[0].amount")
            else:
                pay = quote_cart(
                    ctx, uow, staff, cart, now, client=client_address(request)
                ).amount_due
        request_input = order_input(cart, currency, with_payment=pay)
        authorization = cart_authorization(
            uow, staff, cart, ctx.store_code, now=now, client=client_address(request)
        )
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
        errors = placed_cart_errors(field_errors(error))
    else:
        receipt_url = f"/orders/{order.channel_ref}/receipt?new=1"
        if request.headers.get("HX-Request"):
            # The cart posted in place (htmx): the receipt is a page of its own.
            return Response(status_code=204, headers={"HX-Redirect": receipt_url})
        return RedirectResponse(receipt_url, status_code=303)
    _load_view(uow, cart, view, ctx.store_code, ctx.hq)
    if _ready_to_quote(cart):
        _try_quote(ctx, uow, staff, cart, view, now, client=client_address(request))
    return _render_cart(request, ctx, uow, staff, cart, view, errors, now, 422)

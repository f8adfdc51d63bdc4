"""The new-order cart as its form holds it: read from the posted form, turned into the use
case's input, and priced on a throwaway basis for the totals the page shows.

The cart lives in the new-order form itself (new_order.py). Field names are the domain's
field paths ("lines[0].requested_date"), so an error lands next to its field.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from starlette.datastructures import FormData

from omniorder.domain.creation import draft_order
from omniorder.domain.errors import InvalidInput
from omniorder.domain.money import Money
from omniorder.domain.order import Order
from omniorder.domain.staff import Authorization, Staff
from omniorder.domain.statuses import Fulfilment, OrderType, Tender
from omniorder.entrypoints.deps import parse_amount
from omniorder.entrypoints.store.context import StoreContext
from omniorder.entrypoints.store.pages.forms import FormErrors, fields_of, indexed_rows
from omniorder.service_layer import auth, customer_orders
from omniorder.service_layer.cart import (
    LineInput,
    OrderInput,
    PaymentInput,
    price_cart,
    require_parameters,
    require_store,
    store_today,
)
from omniorder.service_layer.unit_of_work import UnitOfWork


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
                _line_form({k: v for k, v in fields.items() if k in known})
                for _index, fields in indexed_rows(fields_of(form), "lines")
                if fields.get("sku")
            ],
        )

    @property
    def is_quote(self) -> bool:
        return self.order_type == OrderType.QUOTE.value


def _line_form(fields: dict[str, str]) -> LineForm:
    """One choice says "pick up at that store": the fulfilment `pickup@S002`."""
    line = LineForm(**fields)
    fulfilment, _, store = line.fulfilment.partition("@")
    if fulfilment == Fulfilment.PICKUP.value and store:
        line.fulfilment, line.pickup_store = fulfilment, store
    return line


def order_input(cart: CartForm, currency: str, *, with_payment: Money | None) -> OrderInput:
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


def cart_authorization(
    uow: UnitOfWork,
    staff: Staff,
    cart: CartForm,
    store_code: str,
    *,
    now: datetime,
    client: str | None,
) -> Authorization:
    """Who acts, and the manager who approved, if any: the approval is throttled by the
    request's clock and by the operator id and the till's address, as the API's."""
    return auth.authorize(
        uow,
        staff,
        manager_id=cart.manager_id or None,
        manager_password=cart.manager_password or None,
        store_code=store_code,
        now=now,
        client=client,
    )


def placed_cart_errors(errors: dict[str, str]) -> dict[str, str]:
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
    ctx: StoreContext,
    uow: UnitOfWork,
    staff: Staff,
    cart: CartForm,
    now: datetime,
    *,
    client: str | None,
) -> Order:
    """Price and check the cart on a throwaway basis: the order it would create, unpaid
    (the domain's `draft_order`)."""
    with uow:
        currency = require_parameters(uow.records).currency
        today = store_today(require_store(uow.records, ctx.store_code), now)
    request = order_input(cart, currency, with_payment=None)
    authorization = cart_authorization(uow, staff, cart, ctx.store_code, now=now, client=client)
    with uow:
        new = price_cart(uow.records, request, store_code=ctx.store_code, channel_ref="(quote)")
    return draft_order(new, auth=authorization, today=today, now=now)

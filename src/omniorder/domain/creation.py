"""Creating a customer order or quote at the POS (docs/rules.md §2).

The service layer resolves products, prices, tax rates and locations from channel data and
hands this module plain facts; every rule about the order itself is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid5

from omniorder.domain.errors import (
    DateNotAllowed,
    DepositOverrideNotAllowed,
    IdInUse,
    InvalidInput,
    NegativeAmount,
    NoShipOrPickupLine,
    PaymentMismatch,
    PaymentNotAccepted,
    QuantityOutOfRange,
    QuoteTakesNoPayment,
)
from omniorder.domain.money import Money, total
from omniorder.domain.order import (
    Address,
    Charge,
    Invoice,
    InvoiceLine,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    required_deposit,
)
from omniorder.domain.settlement import TenderIn
from omniorder.domain.staff import Authorization, Permission
from omniorder.domain.statuses import (
    ChargeKind,
    Fulfilment,
    OrderEventType,
    OrderType,
    PaymentPurpose,
)


@dataclass(frozen=True)
class LineRequest:
    """A cart line with its price and tax rate already looked up."""

    sku: str
    description: str
    quantity: int
    unit_price: Money
    tax_rate: Decimal
    fulfilment: Fulfilment
    delivery_mode: str
    location: str
    requested_date: date | None = None
    ship_to: Address | None = None
    pickup_by: str | None = None


@dataclass(frozen=True)
class ChargeRequest:
    code: str
    amount: Money
    tax_rate: Decimal


@dataclass(frozen=True)
class NewOrder:
    """Everything needed to create an order, in the order the POS collects it."""

    id: UUID
    order_type: OrderType
    store_code: str
    channel_ref: str
    customer_account: str
    customer_name: str
    currency: str
    lines: tuple[LineRequest, ...]
    shipping: ChargeRequest | None
    deposit_percent: Decimal
    deposit_override: Money | None
    tenders: tuple[TenderIn, ...]
    quote_expiration_days: int


def check_payment_ids(new: NewOrder, owners: dict[UUID, UUID]) -> None:
    """Payment ids are unique everywhere: refuse one that already belongs to another order.
    `owners`: the order each of the new order's taken payment ids belongs to."""
    for index, tender in enumerate(new.tenders):
        owner = owners.get(tender.id)
        if owner is not None and owner != new.id:
            raise IdInUse(
                f"payments[{index}].id",
                f"Payment id {tender.id} already belongs to another order; send a new id.",
            )


def differing_field(order: Order, new: NewOrder) -> str | None:
    """The first field in which a repeated create request differs from the order its id
    already made (None when it is the same request): a reused id with another body is
    refused rather than answered with someone else's order (docs/api.md, *Idempotency*)."""
    if order.store_code != new.store_code:
        return "id"
    if order.customer_account != new.customer_account:
        return "customer_account"
    if order.order_type is not new.order_type:
        return "order_type"
    if len(order.lines) != len(new.lines):
        return "lines"
    for index, (line, requested) in enumerate(zip(order.lines, new.lines, strict=True)):
        if (line.sku, line.quantity, line.fulfilment, line.location) != (
            requested.sku,
            requested.quantity,
            requested.fulfilment,
            requested.location,
        ):
            return f"lines[{index}]"
    for index, tender in enumerate(new.tenders):
        parts = {tender.id, child_id(tender.id, "carry-out")}
        paid = [p.amount for p in order.payments if p.id in parts]
        if not paid or total(paid, order.currency) != tender.amount:
            return f"payments[{index}]"
    return None


def child_id(parent: UUID, name: str) -> UUID:
    """A stable id for a part of an order, so repeating a create yields identical rows."""
    return uuid5(parent, name)


def create_order(new: NewOrder, *, auth: Authorization, today: date, now: datetime) -> Order:
    """Create a customer order or quote from a priced cart (docs/rules.md §2).

    Every line needs a fulfilment; ship and pickup dates cannot be before the store's today;
    an all-carry-out cart is an ordinary sale. The deposit is round(order value × deposit %)
    unless overridden by someone with the deposit-override permission. Payments must cover
    the amount due now; they settle carry-out lines first and the rest is deposit.
    Carry-out lines are invoiced at once.
    """
    order = draft_order(new, auth=auth, today=today, now=now)
    is_quote = order.is_quote
    if not is_quote:
        order.payments = _allocate(new, order, now)
        _invoice_carry_out(order, now)
    order.events.append(
        OrderEvent(
            id=child_id(new.id, "event-1"),
            at=now,
            action=OrderEventType.QUOTE_CREATED if is_quote else OrderEventType.ORDER_CREATED,
            operator_id=auth.staff.operator_id,
            override_by=auth.override_by.operator_id if auth.override_by else None,
            counts={"lines": len(order.lines)},
            amounts={"total": order.order_total}
            if is_quote
            else {
                "total": order.order_total,
                "deposit_required": order.required_deposit,
                "paid": order.amount_paid,
            },
            flags=("deposit_overridden",) if order.deposit_override is not None else (),
        )
    )
    return order


def draft_order(new: NewOrder, *, auth: Authorization, today: date, now: datetime) -> Order:
    """The order a priced cart would make, checked as `create_order` checks it but not paid:
    no payments, nothing invoiced, no history yet — what the POS shows while the cart is
    built (its totals, deposit and amount due)."""
    auth.require(Permission.CREATE_ORDER, "create customer orders")
    is_quote = new.order_type is OrderType.QUOTE
    lines = [_new_line(new, index, request, today) for index, request in enumerate(new.lines)]
    if not lines:
        raise InvalidInput("lines", "Add at least one product to the order.")
    if all(not line.is_customer_order_line for line in lines):
        raise NoShipOrPickupLine(
            "lines",
            "Every line is carry-out: that is an ordinary sale, not a customer order. "
            "Choose ship or pick up for at least one line.",
        )
    charges = _shipping_charges(new, lines)
    order = Order(
        id=new.id,
        order_type=new.order_type,
        store_code=new.store_code,
        channel_ref=new.channel_ref,
        customer_account=new.customer_account,
        customer_name=new.customer_name,
        currency=new.currency,
        created_at=now,
        created_by=auth.staff.operator_id,
        deposit_percent=new.deposit_percent,
        lines=lines,
        charges=charges,
        expires_on=today + timedelta(days=new.quote_expiration_days) if is_quote else None,
    )
    if is_quote:
        for index, line in enumerate(lines):
            if not line.is_customer_order_line:
                raise InvalidInput(
                    f"lines[{index}].fulfilment",
                    "A quote cannot have carry-out lines: carry-out is sold and paid now. "
                    "Ship or pick up this line, or sell it separately.",
                )
        if new.tenders:
            raise QuoteTakesNoPayment("payments", "A quote takes no payment.")
        if new.deposit_override is not None:
            raise InvalidInput("deposit_override", "A quote takes no deposit override.")
    if new.deposit_override is not None:
        if not auth.allows(Permission.DEPOSIT_OVERRIDE):
            raise DepositOverrideNotAllowed(
                Permission.DEPOSIT_OVERRIDE.value,
                f"{auth.staff.name} alone may not change the deposit: a manager override "
                "is needed (the manager's id and password).",
            )
        # Raises when the override is outside 0 … order value.
        required_deposit(order.order_value, new.deposit_percent, new.deposit_override)
        order.deposit_override = new.deposit_override
    return order


MAX_LINE_QUANTITY = 100_000
"""The most units one order line may hold (docs/rules.md §1): more is a typing error."""


def check_quantity(quantity: int, field: str) -> None:
    if quantity <= 0:
        raise QuantityOutOfRange(field, "Quantity must be at least 1.")
    if quantity > MAX_LINE_QUANTITY:
        raise QuantityOutOfRange(field, f"Quantity must be at most {MAX_LINE_QUANTITY:,}.")


def _new_line(new: NewOrder, index: int, request: LineRequest, today: date) -> OrderLine:
    where = f"lines[{index}]"
    check_quantity(request.quantity, f"{where}.quantity")
    if request.unit_price.amount < 0:
        raise NegativeAmount(f"{where}.unit_price", "A price cannot be negative.")
    if request.fulfilment is not Fulfilment.CARRY_OUT:
        if request.requested_date is None:
            raise DateNotAllowed(
                f"{where}.requested_date",
                f"Choose the {_date_word(request.fulfilment)} date for {request.sku}.",
            )
        if request.requested_date < today:
            raise DateNotAllowed(
                f"{where}.requested_date",
                f"The {_date_word(request.fulfilment)} date {request.requested_date} is before "
                f"today ({today}) at this store.",
            )
    if request.fulfilment is Fulfilment.SHIP and request.ship_to is None:
        raise InvalidInput(f"{where}.ship_to", f"Choose the address to ship {request.sku} to.")
    return OrderLine(
        id=child_id(new.id, f"line-{index + 1}"),
        line_number=index + 1,
        sku=request.sku,
        description=request.description,
        quantity=request.quantity,
        unit_price=request.unit_price,
        tax_rate=request.tax_rate,
        fulfilment=request.fulfilment,
        delivery_mode=request.delivery_mode,
        location=request.location,
        requested_date=request.requested_date
        if request.fulfilment is not Fulfilment.CARRY_OUT
        else None,
        ship_to=request.ship_to if request.fulfilment is Fulfilment.SHIP else None,
        pickup_by=request.pickup_by if request.fulfilment is Fulfilment.PICKUP else None,
    )


# Lead times of a new line's suggested date (docs/rules.md §2): the associate may change it.
PICKUP_LEAD_DAYS = 1
SHIP_LEAD_DAYS = 3


def suggested_date(fulfilment: Fulfilment, today: date) -> date | None:
    """The date a new ship or pickup line starts with: pickup the next day, shipping three
    days on; none for carry out, which leaves with the customer."""
    if fulfilment is Fulfilment.PICKUP:
        return today + timedelta(days=PICKUP_LEAD_DAYS)
    if fulfilment is Fulfilment.SHIP:
        return today + timedelta(days=SHIP_LEAD_DAYS)
    return None


def _date_word(fulfilment: Fulfilment) -> str:
    return "ship" if fulfilment is Fulfilment.SHIP else "pickup"


def _shipping_charges(new: NewOrder, lines: list[OrderLine]) -> list[Charge]:
    if new.shipping is None:
        return []
    if new.shipping.amount.amount < 0:
        raise NegativeAmount("shipping_charge", "A shipping charge cannot be negative.")
    if not any(line.fulfilment is Fulfilment.SHIP for line in lines):
        raise InvalidInput(
            "shipping_charge", "A shipping charge needs at least one line that is shipped."
        )
    return [
        Charge(
            id=child_id(new.id, "charge-shipping"),
            kind=ChargeKind.SHIPPING,
            code=new.shipping.code,
            amount=new.shipping.amount,
            tax_rate=new.shipping.tax_rate,
        )
    ]


def _allocate(new: NewOrder, order: Order, now: datetime) -> list[Payment]:
    """Split the tenders: carry-out lines are paid first, what remains is the deposit."""
    for index, tender in enumerate(new.tenders):
        if tender.amount.amount <= 0:
            raise PaymentNotAccepted(
                f"payments[{index}].amount", "A payment must be more than zero."
            )
    received = total([t.amount for t in new.tenders], new.currency)
    due = order.amount_due
    if received < due:
        raise PaymentMismatch(
            "payments",
            f"The payments ({received}) do not cover the amount due now ({due}).",
            due=due,
        )
    if received > order.order_total:
        raise PaymentNotAccepted(
            "payments",
            f"The payments ({received}) are more than the order total ({order.order_total}); "
            "give the customer change instead.",
        )
    carry_out_left = order.carry_out_total
    payments: list[Payment] = []
    for tender in new.tenders:
        remaining = tender.amount
        for purpose in (PaymentPurpose.CARRY_OUT, PaymentPurpose.DEPOSIT):
            part = (
                remaining.min(carry_out_left) if purpose is PaymentPurpose.CARRY_OUT else remaining
            )
            if part.is_zero:
                continue
            payments.append(
                Payment(
                    id=tender.id
                    if purpose is PaymentPurpose.DEPOSIT
                    else child_id(tender.id, "carry-out"),
                    tender=tender.tender,
                    amount=part,
                    purpose=purpose,
                    created_at=now,
                    card_last4=tender.card_last4,
                    authorization_code=tender.authorization_code,
                    card_token=tender.card_token,
                )
            )
            remaining = remaining - part
            if purpose is PaymentPurpose.CARRY_OUT:
                carry_out_left = carry_out_left - part
    return payments


def _invoice_carry_out(order: Order, now: datetime) -> None:
    carry_out = [line for line in order.lines if not line.is_customer_order_line]
    if not carry_out:
        return
    for line in carry_out:
        line.invoiced_qty = line.quantity
    order.invoices.append(
        Invoice(
            id=child_id(order.id, "invoice-carry-out"),
            number=None,
            created_at=now,
            lines=[
                InvoiceLine(line.id, line.quantity, line.net_amount, line.tax_amount)
                for line in carry_out
            ],
            charges_amount=Money.zero(order.currency),
            deposit_applied=Money.zero(order.currency),
        )
    )

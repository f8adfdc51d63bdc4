"""Editing a customer order or quote (docs/rules.md §4) and converting a quote (§8)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from omniorder.domain.creation import ChargeRequest, LineRequest, check_quantity
from omniorder.domain.errors import (
    Conflict,
    DateNotAllowed,
    DepositOverrideNotAllowed,
    InvalidInput,
    NegativeAmount,
    NoShipOrPickupLine,
    OrderFinished,
    PaymentMismatch,
    PaymentNotAccepted,
    QuantityOutOfRange,
    StaleVersion,
    UnknownLine,
)
from omniorder.domain.history import Operation, all_or_nothing, record
from omniorder.domain.money import Money, total
from omniorder.domain.order import Charge, Order, OrderLine, required_deposit
from omniorder.domain.settlement import TenderIn, settle
from omniorder.domain.staff import Permission
from omniorder.domain.statuses import (
    ChargeKind,
    Fulfilment,
    OrderEventType,
    OrderStatus,
    OrderType,
    PaymentPurpose,
    QuoteStatus,
    Tender,
)


@dataclass(frozen=True)
class LineChange:
    """A line as it should be now; the service keeps its locked price unless recalculating."""

    line_id: UUID
    line: LineRequest


@dataclass(frozen=True)
class OrderEdit:
    expected_version: int
    add: tuple[LineRequest, ...] = ()
    change: tuple[LineChange, ...] = ()
    void: tuple[UUID, ...] = ()
    shipping: ChargeRequest | None = None
    is_shipping_changed: bool = False
    deposit_override: Money | None = None
    is_deposit_override_changed: bool = False
    tenders: tuple[TenderIn, ...] = ()
    refund_tender: Tender | None = None
    is_recalculated: bool = False
    expires_on: date | None = None
    is_expiry_changed: bool = False
    notes: tuple[str, ...] = field(default=())


def is_finished(order: Order) -> bool:
    """A fully invoiced or cancelled order: nothing on it can change any more."""
    return not order.is_quote and order.status in (OrderStatus.INVOICED, OrderStatus.CANCELLED)


def is_convertible(order: Order, today: date) -> bool:
    """An open or expired quote (an expired one is re-priced when converted)."""
    return order.is_quote and order.quote_status(today) in (QuoteStatus.OPEN, QuoteStatus.EXPIRED)


@all_or_nothing
def edit_order(order: Order, op: Operation, edit: OrderEdit, *, today: date) -> Money:
    """Add, void and change lines, dates and charges, and a quote's expiry date
    (docs/rules.md §4, §8).

    The customer cannot change; invoiced lines cannot change; a fully invoiced or cancelled
    order cannot be edited. Afterwards the required deposit is recomputed and
    amount due = required − paid: paid with tenders, or refunded when negative.
    Returns the amount settled (negative: refunded).
    """
    op.auth.require(Permission.EDIT_ORDER, "edit orders")
    if edit.expected_version != order.version:
        raise StaleVersion(
            f"Order {order.channel_ref} changed since you opened it (version {order.version}, "
            f"you edited version {edit.expected_version}); reload it and edit again."
        )
    if is_finished(order):
        raise OrderFinished(
            f"Order {order.channel_ref} is {order.status.value}; it cannot be edited."
        )
    if order.is_quote and order.converted_at is not None:
        raise OrderFinished(f"Quote {order.channel_ref} was converted; edit the order instead.")
    for line_id in edit.void:
        line = _editable(order, line_id, "void")
        line.cancelled_qty = line.quantity
        line.picking_qty = line.picked_qty = line.packed_qty = 0
    for index, change in enumerate(edit.change):
        _change(order, _editable(order, change.line_id, "change"), change.line, index, today)
    next_number = max((line.line_number for line in order.lines), default=0) + 1
    for index, request in enumerate(edit.add):
        _check_line(request, f"add[{index}]", today)
        order.lines.append(
            OrderLine(
                id=op.child(f"line-{index + 1}"),
                line_number=next_number + index,
                sku=request.sku,
                description=request.description,
                quantity=request.quantity,
                unit_price=request.unit_price,
                tax_rate=request.tax_rate,
                fulfilment=request.fulfilment,
                delivery_mode=request.delivery_mode,
                location=request.location,
                requested_date=request.requested_date,
                ship_to=request.ship_to,
                pickup_by=request.pickup_by,
            )
        )
    if not any(line.live_qty for line in order.lines if line.is_customer_order_line):
        raise NoShipOrPickupLine(
            "lines",
            "An order needs at least one ship or pickup line; cancel the order instead.",
        )
    if edit.is_shipping_changed:
        _set_shipping(order, op, edit.shipping)
    if edit.is_expiry_changed:
        _set_expiry(order, edit.expires_on, today)
    if edit.is_deposit_override_changed:
        if order.is_quote:
            raise InvalidInput("deposit_override", "A quote takes no deposit override.")
        if not op.auth.allows(Permission.DEPOSIT_OVERRIDE):
            raise DepositOverrideNotAllowed(
                Permission.DEPOSIT_OVERRIDE.value,
                f"{op.auth.staff.name} alone may not change the deposit: a manager override "
                "is needed (the manager's id and password).",
            )
        order.deposit_override = edit.deposit_override
    if order.deposit_override is not None:
        # Checks the override still lies within 0 … the new order value.
        required_deposit(order.order_value, order.deposit_percent, order.deposit_override)
    if order.is_quote:
        due = Money.zero(order.currency)
    elif not any(line.open_qty for line in order.lines if line.is_customer_order_line):
        # Nothing is left to invoice: whatever deposit is still held goes back.
        due = -order.deposit_held
    else:
        due = order.amount_due
    if order.is_quote and edit.tenders:
        raise PaymentNotAccepted("payments", "A quote takes no payment.")
    order.payments.extend(
        settle(
            order,
            due,
            edit.tenders,
            purpose=PaymentPurpose.DEPOSIT,
            refund_purpose=PaymentPurpose.DEPOSIT,
            refund_tender=edit.refund_tender,
            auth=op.auth,
            at=op.at,
            id_seed=op.refund_id,
        )
    )
    record(
        order,
        op,
        OrderEventType.EDITED,
        amounts={"total": order.order_total, "settled": due},
        counts={
            name: count
            for name, count in (
                ("added", len(edit.add)),
                ("changed", len(edit.change)),
                ("voided", len(edit.void)),
            )
            if count
        },
        flags=[
            flag
            for flag, is_set in (
                ("prices_recalculated", edit.is_recalculated),
                ("shipping_changed", edit.is_shipping_changed),
                ("expiry_changed", edit.is_expiry_changed),
            )
            if is_set
        ],
    )
    return due


def _editable(order: Order, line_id: UUID, verb: str) -> OrderLine:
    try:
        line = order.line(line_id)
    except KeyError:
        raise UnknownLine(f"{verb}.{line_id}", "That line is not on this order.") from None
    if line.invoiced_qty:
        raise Conflict(f"Line {line.line_number} is invoiced; it cannot be {verb}ed.")
    if line.cancelled_qty >= line.quantity:
        raise Conflict(f"Line {line.line_number} is already voided.")
    return line


def _check_line(request: LineRequest, where: str, today: date) -> None:
    check_quantity(request.quantity, f"{where}.quantity")
    if request.fulfilment is Fulfilment.CARRY_OUT:
        raise InvalidInput(
            f"{where}.fulfilment",
            "Carry-out cannot be added to an existing order; sell it separately.",
        )
    if request.requested_date is None or request.requested_date < today:
        raise DateNotAllowed(f"{where}.requested_date", f"Choose a date from today ({today}) on.")
    if request.fulfilment is Fulfilment.SHIP and request.ship_to is None:
        raise InvalidInput(f"{where}.ship_to", "Choose the address to ship this line to.")


def _change(order: Order, line: OrderLine, new: LineRequest, index: int, today: date) -> None:
    where = f"change[{index}]"
    if line.fulfilment is Fulfilment.CARRY_OUT:
        raise Conflict(f"Line {line.line_number} was carried out; return it instead.")
    _check_line(new, where, today)
    if new.quantity < line.picked_qty:
        raise QuantityOutOfRange(
            f"{where}.quantity", f"{line.picked_qty} are already picked; order at least that many."
        )
    if new.fulfilment is not line.fulfilment or new.location != line.location:
        line.picking_qty = line.picked_qty = line.packed_qty = 0
    # The quantity the associate sees and edits is what is still wanted (not cancelled).
    line.quantity = new.quantity + line.cancelled_qty
    line.unit_price = new.unit_price
    line.tax_rate = new.tax_rate
    line.fulfilment = new.fulfilment
    line.delivery_mode = new.delivery_mode
    line.location = new.location
    line.requested_date = new.requested_date
    line.ship_to = new.ship_to
    line.pickup_by = new.pickup_by
    line.picking_qty = min(line.picking_qty, line.open_qty)


def _set_expiry(order: Order, expires_on: date | None, today: date) -> None:
    """A quote's expiry date is editable per quote (docs/rules.md §8): any day from the
    store's today on, so an expired quote can be reopened at its locked prices."""
    if not order.is_quote:
        raise InvalidInput("expires_on", "Only a quote has an expiry date; an order has none.")
    if expires_on is None:
        raise InvalidInput("expires_on", "Choose the date the quote expires.")
    if expires_on < today:
        raise DateNotAllowed("expires_on", f"Choose an expiry date from today ({today}) on.")
    order.expires_on = expires_on


def _set_shipping(order: Order, op: Operation, shipping: ChargeRequest | None) -> None:
    invoiced = {cid for invoice in order.invoices for cid in invoice.charge_ids}
    for charge in order.live_charges:
        if charge.kind is ChargeKind.SHIPPING:
            if charge.id in invoiced:
                raise Conflict("The shipping charge is already invoiced; it cannot change.")
            charge.is_cancelled = True
    if shipping is not None and shipping.amount.amount > 0:
        if not any(line.fulfilment is Fulfilment.SHIP and line.live_qty for line in order.lines):
            raise InvalidInput(
                "shipping_charge", "A shipping charge needs at least one line that is shipped."
            )
        order.charges.append(
            Charge(
                op.child("shipping"),
                ChargeKind.SHIPPING,
                shipping.code,
                shipping.amount,
                shipping.tax_rate,
            )
        )
    elif shipping is not None and shipping.amount.amount < 0:
        raise NegativeAmount("shipping_charge", "A shipping charge cannot be negative.")


@all_or_nothing
def convert_quote(
    order: Order,
    op: Operation,
    *,
    today: date,
    prices: dict[UUID, tuple[Money, Decimal]] | None,
    tenders: tuple[TenderIn, ...],
) -> None:
    """Turn a quote into a customer order (docs/rules.md §8); the deposit now applies.

    An expired quote is re-priced with today's prices (`prices`, by line id, given by the
    caller); requested dates must not be in the past. Payments must cover the deposit.
    """
    op.auth.require(Permission.CREATE_ORDER, "convert quotes")
    if not order.is_quote:
        raise Conflict(f"{order.channel_ref} is an order already, not a quote.")
    status = order.quote_status(today)
    if not is_convertible(order, today):
        raise Conflict(f"Quote {order.channel_ref} is {status.value}; it cannot be converted.")
    if status.value == "expired":
        if prices is None:
            raise Conflict("The quote has expired: it must be re-priced to convert it.")
        for line in order.lines:
            if line.id in prices:
                unit_price, tax_rate = prices[line.id]
                line.unit_price = unit_price
                line.tax_rate = tax_rate
    for index, line in enumerate(order.lines):
        if line.live_qty and line.requested_date is not None and line.requested_date < today:
            raise DateNotAllowed(
                f"lines[{index}].requested_date",
                f"Line {line.line_number}'s date {line.requested_date} has passed; edit the "
                "quote's dates before converting it.",
            )
    order.order_type = OrderType.CUSTOMER_ORDER
    order.converted_at = op.at
    due = order.required_deposit
    paid = total([t.amount for t in tenders], order.currency)
    if paid < due:
        raise PaymentMismatch(
            "payments", f"The payments ({paid}) do not cover the deposit ({due}).", due=due
        )
    if paid > order.order_value:
        raise PaymentNotAccepted(
            "payments", f"The payments ({paid}) are more than the order value."
        )
    payments = (
        settle(
            order,
            paid,
            tenders,
            purpose=PaymentPurpose.DEPOSIT,
            refund_purpose=PaymentPurpose.DEPOSIT,
            refund_tender=Tender.CASH,
            auth=op.auth,
            at=op.at,
            id_seed=op.refund_id,
        )
        if paid.amount > 0
        else []
    )
    order.payments.extend(payments)
    record(
        order,
        op,
        OrderEventType.QUOTE_CONVERTED,
        amounts={"deposit": due, "paid": paid},
        flags=["repriced"] if status.value == "expired" else [],
    )

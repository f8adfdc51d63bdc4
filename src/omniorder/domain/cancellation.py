"""Cancelling a customer order, or some of its open lines (docs/rules.md §6)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from uuid import UUID

from omniorder.domain.errors import (
    InvalidInput,
    MissingChargeCode,
    NegativeAmount,
    OrderPartlyInvoiced,
    QuantityOutOfRange,
    UnknownLine,
)
from omniorder.domain.history import Operation, all_or_nothing, record, require_live_order
from omniorder.domain.money import Money
from omniorder.domain.order import Charge, Invoice, Order
from omniorder.domain.settlement import TenderIn, settle
from omniorder.domain.staff import Permission
from omniorder.domain.statuses import ChargeKind, Fulfilment, OrderEventType, PaymentPurpose, Tender


def cancellation_charge(order: Order, percent: Decimal) -> Money:
    """The default charge: round(order total × cancellation charge %), on the customer order
    (ship and pickup lines with their charges; carry-out was a sale of its own)."""
    return order.order_value.percent(percent)


def is_partly_invoiced(order: Order) -> bool:
    """Some ship or pickup line is invoiced: the order can no longer be cancelled whole."""
    return any(line.invoiced_qty for line in order.lines if line.is_customer_order_line)


@all_or_nothing
def cancel_order(
    order: Order,
    op: Operation,
    *,
    charge: Money,
    charge_code: str | None,
    charge_tax_rate: Decimal,
    tenders: tuple[TenderIn, ...] = (),
    refund_tender: Tender | None = None,
    default_charge: Money | None = None,
) -> Invoice | None:
    """Cancel every open line. Refused once anything of the customer order is invoiced.

    The charge (editable, ≥ 0; below `default_charge`, the parameters' charge, only with the
    waive_cancellation_charge permission or a manager's override) is recorded under the
    cancellation charge code and invoiced;
    the deposit held pays it, and the rest of the deposit is refunded — or the customer pays
    what the deposit does not cover. Amount due = charge − deposit held.
    """
    require_live_order(order, "cancelled")
    op.auth.require(Permission.EDIT_ORDER, "cancel orders")
    if is_partly_invoiced(order):
        raise OrderPartlyInvoiced(
            f"Order {order.channel_ref} is partly invoiced; cancel its open lines instead, "
            "or return what was invoiced."
        )
    if charge.amount < 0:
        raise NegativeAmount("charge", "A cancellation charge cannot be negative.")
    if default_charge is not None and charge.amount < default_charge.amount:
        op.auth.require(
            Permission.WAIVE_CANCELLATION_CHARGE,
            f"lower the cancellation charge below {default_charge}",
        )
    if charge.amount > 0 and not charge_code:
        raise MissingChargeCode(
            "Set the cancellation charge code in the retail parameters, or cancel with no charge."
        )
    for line in order.lines:
        if line.is_customer_order_line:
            line.cancelled_qty += line.open_qty
            line.picking_qty = 0
    for existing in order.charges:
        existing.is_cancelled = True
    invoice = None
    if charge.amount > 0:
        assert charge_code is not None
        fee = Charge(
            op.child("charge"), ChargeKind.CANCELLATION, charge_code, charge, charge_tax_rate
        )
        order.charges.append(fee)
        held = order.deposit_held
        applied = held.min(fee.gross_amount) if held.amount > 0 else Money.zero(order.currency)
        invoice = Invoice(
            id=op.child("invoice"),
            number=None,
            created_at=op.at,
            lines=[],
            charges_amount=fee.gross_amount,
            deposit_applied=applied,
            charge_ids=[fee.id],
        )
        order.invoices.append(invoice)
        due = fee.gross_amount - applied
    else:
        due = Money.zero(order.currency)
    # What is left of the deposit goes back to the customer.
    due = due - order.deposit_held
    order.payments.extend(
        settle(
            order,
            due,
            tenders,
            purpose=PaymentPurpose.CANCELLATION_CHARGE,
            refund_purpose=PaymentPurpose.DEPOSIT,
            refund_tender=refund_tender,
            auth=op.auth,
            at=op.at,
            id_seed=op.refund_id,
        )
    )
    record(order, op, OrderEventType.CANCELLED, amounts={"charge": charge, "settled": due})
    return invoice


@all_or_nothing
def cancel_lines(
    order: Order,
    op: Operation,
    *,
    quantities: Mapping[UUID, int],
    refund_tender: Tender | None = None,
) -> Money:
    """Cancel open quantities of some lines (beyond the reference product); no charge.

    Cancelling every open line of an order none of whose lines is invoiced yet would be a
    cancellation without its charge: it needs the waive_cancellation_charge permission or a
    manager's override. The required deposit is recomputed on what remains; deposit held
    beyond it is refunded.
    Returns the amount refunded (zero or negative).
    """
    require_live_order(order, "changed")
    op.auth.require(Permission.EDIT_ORDER, "cancel order lines")
    if not quantities:
        raise InvalidInput("lines", "Choose at least one line and a quantity.")
    for line_id, qty in quantities.items():
        try:
            line = order.line(line_id)
        except KeyError:
            raise UnknownLine(f"lines.{line_id}", "That line is not on this order.") from None
        if not line.is_customer_order_line:
            raise InvalidInput(f"lines.{line_id}", "Carry-out lines were sold; return them.")
        if not 0 < qty <= line.open_qty:
            raise QuantityOutOfRange(
                f"lines.{line_id}", f"Between 1 and {line.open_qty} of {line.sku} can be cancelled."
            )
        line.cancelled_qty += qty
        line.picked_qty = min(line.picked_qty, line.quantity - line.cancelled_qty)
        line.packed_qty = min(line.packed_qty, line.picked_qty)
        line.picking_qty = min(line.picking_qty, line.open_qty)
    customer_lines = [line for line in order.lines if line.is_customer_order_line]
    if not any(line.open_qty for line in customer_lines) and not any(
        line.invoiced_qty for line in customer_lines
    ):
        op.auth.require(
            Permission.WAIVE_CANCELLATION_CHARGE,
            "cancel every line of the order without its cancellation charge (cancel the order)",
        )
    if not any(line.fulfilment is Fulfilment.SHIP and line.open_qty for line in order.lines):
        invoiced = {cid for invoice in order.invoices for cid in invoice.charge_ids}
        for charge in order.charges:
            if charge.kind is ChargeKind.SHIPPING and charge.id not in invoiced:
                charge.is_cancelled = True
    excess = order.deposit_held - _required_on_open(order)
    refund = -excess if excess.amount > 0 else Money.zero(order.currency)
    order.payments.extend(
        settle(
            order,
            refund,
            (),
            purpose=PaymentPurpose.DEPOSIT,
            refund_purpose=PaymentPurpose.DEPOSIT,
            refund_tender=refund_tender,
            auth=op.auth,
            at=op.at,
            id_seed=op.refund_id,
        )
    )
    record(order, op, OrderEventType.LINES_CANCELLED, amounts={"refund": -refund})
    return refund


def _required_on_open(order: Order) -> Money:
    """Deposit still needed for what is not invoiced yet."""
    open_value = Money.zero(order.currency)
    for line in order.lines:
        if line.is_customer_order_line and line.open_qty:
            net = line.unit_price.times(line.open_qty)
            open_value = open_value + net + net.rate(line.tax_rate)
    return open_value.percent(order.deposit_percent)

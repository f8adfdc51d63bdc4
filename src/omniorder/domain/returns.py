"""Returns against an invoice (docs/rules.md §7)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from omniorder.domain.errors import (
    InvalidInput,
    NegativeAmount,
    QuantityOutOfRange,
    ShippingRefundNeedsApproval,
    ShippingRefundNotAllowed,
    UnknownLine,
)
from omniorder.domain.history import Operation, all_or_nothing, record
from omniorder.domain.money import Money, total
from omniorder.domain.order import Invoice, Order, ReturnLine, ReturnOrder
from omniorder.domain.settlement import settle
from omniorder.domain.staff import Permission
from omniorder.domain.statuses import OrderEventType, PaymentPurpose, Tender

RETURN_REASONS = {
    "damaged": "Damaged or defective",
    "wrong_item": "Wrong item delivered",
    "not_as_described": "Not as described",
    "changed_mind": "Customer changed their mind",
    "late": "Arrived too late",
}


@dataclass(frozen=True)
class ReturnLineIn:
    line_id: UUID
    quantity: int
    reason_code: str


@dataclass(frozen=True)
class ShippingRefundPolicy:
    """From the retail parameters: whether shipping may be refunded, and the approval limit."""

    is_allowed: bool
    max_without_approval: Money


def returned_from(order: Order, invoice_id: UUID, line_id: UUID) -> int:
    return sum(
        rl.quantity
        for ret in order.returns
        for rl in ret.lines
        if rl.invoice_id == invoice_id and rl.line_id == line_id
    )


def shipping_refunded(order: Order) -> Money:
    return total([ret.shipping_refund for ret in order.returns], order.currency)


@all_or_nothing
def return_goods(
    order: Order,
    op: Operation,
    *,
    invoice_id: UUID,
    lines: tuple[ReturnLineIn, ...],
    shipping_refund: Money,
    policy: ShippingRefundPolicy,
    store_code: str,
    refund_tender: Tender | None = None,
) -> ReturnOrder:
    """Take goods back against one invoice and refund them with their tax.

    Quantities are at most invoiced − already returned; every line needs a reason code.
    A shipping refund needs *refund shipping charges* on, and a manager override once the
    shipping refunded across this order's returns would pass the approval limit.
    """
    op.auth.require(Permission.EDIT_ORDER, "take returns")
    invoice = _invoice(order, invoice_id)
    if not lines and shipping_refund.is_zero:
        raise InvalidInput("lines", "Choose at least one line to return.")
    invoiced = {il.line_id: il for il in invoice.lines}
    return_lines = []
    for index, request in enumerate(lines):
        where = f"lines[{index}]"
        invoice_line = invoiced.get(request.line_id)
        if invoice_line is None:
            raise UnknownLine(f"{where}.line_id", "That line is not on this invoice.")
        if request.reason_code not in RETURN_REASONS:
            raise InvalidInput(
                f"{where}.reason_code",
                f"Choose a reason: {', '.join(sorted(RETURN_REASONS))}.",
            )
        left = invoice_line.quantity - returned_from(order, invoice_id, request.line_id)
        if not 0 < request.quantity <= left:
            raise QuantityOutOfRange(
                f"{where}.quantity", f"Between 1 and {left} can be returned from this invoice."
            )
        net, tax = _refund_amounts(order, invoice, invoice_line.line_id, request.quantity)
        return_lines.append(
            ReturnLine(invoice_id, request.line_id, request.quantity, request.reason_code, net, tax)
        )
    if shipping_refund.amount < 0:
        raise NegativeAmount("shipping_refund", "A shipping refund cannot be negative.")
    if shipping_refund.amount > 0:
        if not policy.is_allowed:
            raise ShippingRefundNotAllowed(
                "Shipping charges are not refundable (retail parameters)."
            )
        if shipping_refunded(order) + shipping_refund > policy.max_without_approval and not (
            op.auth.allows(Permission.MANAGER)
        ):
            raise ShippingRefundNeedsApproval(
                Permission.MANAGER.value,
                f"Refunding {shipping_refund} of shipping takes this order's shipping refunds "
                f"past {policy.max_without_approval}: a manager override is needed.",
            )
    ret = ReturnOrder(
        id=op.child("return"),
        number=None,
        store_code=store_code,
        created_at=op.at,
        lines=return_lines,
        shipping_refund=shipping_refund,
    )
    for rl in return_lines:
        order.line(rl.line_id).returned_qty += rl.quantity
    order.returns.append(ret)
    order.payments.extend(
        settle(
            order,
            -ret.total_amount,
            (),
            purpose=PaymentPurpose.REFUND,
            refund_purpose=PaymentPurpose.REFUND,
            refund_tender=refund_tender,
            auth=op.auth,
            at=op.at,
            id_seed=op.refund_id,
        )
    )
    record(order, op, OrderEventType.RETURNED, amounts={"refund": ret.total_amount})
    return ret


def _invoice(order: Order, invoice_id: UUID) -> Invoice:
    for invoice in order.invoices:
        if invoice.id == invoice_id:
            return invoice
    raise InvalidInput("invoice_id", "That invoice is not on this order.")


def _refund_amounts(order: Order, invoice: Invoice, line_id: UUID, qty: int) -> tuple[Money, Money]:
    """Line amount and tax of `qty` returned units; the last units take the rest of the
    invoice line's tax, so that returning everything refunds exactly what was charged."""
    line = order.line(line_id)
    invoice_line = next(il for il in invoice.lines if il.line_id == line_id)
    net = line.unit_price.times(qty)
    left = invoice_line.quantity - returned_from(order, invoice.id, line_id)
    if qty == left:
        refunded = total(
            [
                rl.tax_amount
                for ret in order.returns
                for rl in ret.lines
                if rl.invoice_id == invoice.id and rl.line_id == line_id
            ],
            order.currency,
        )
        return net, invoice_line.tax_amount - refunded
    return net, net.rate(line.tax_rate)

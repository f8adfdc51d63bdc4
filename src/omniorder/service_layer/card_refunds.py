"""Card refunds go back through the payment connector once the order change is committed."""

from __future__ import annotations

from uuid import UUID

from omniorder.domain.history import refund_payment_id
from omniorder.domain.order import Order
from omniorder.domain.statuses import Tender
from omniorder.service_layer.ports import PaymentConnector


def refund_to_cards(payments: PaymentConnector, *, order: Order, operation_id: UUID) -> None:
    """Send the card refund an operation recorded back through the payment connector, after
    the order change is committed (idempotent on the payment id, so a retry is safe)."""
    refund_id = refund_payment_id(operation_id)
    for payment in order.payments:
        if (
            payment.id == refund_id
            and payment.amount.amount < 0
            and payment.tender is Tender.CARD
            and payment.card_token
        ):
            payments.refund(payment.id, payment.card_token, -payment.amount)

"""Card refunds go back through the payment connector once the order change is committed."""

from __future__ import annotations

from omniorder.domain.order import Order
from omniorder.domain.statuses import Tender
from omniorder.service_layer.ports import PaymentConnector


def refund_to_cards(payments: PaymentConnector, *, before: Order, after: Order) -> None:
    """Send card refunds the operation recorded back through the payment connector, after
    the order change is committed (idempotent on the payment id, so a retry is safe)."""
    known = {p.id for p in before.payments}
    for payment in after.payments:
        if (
            payment.id not in known
            and payment.amount.amount < 0
            and payment.tender is Tender.CARD
            and payment.card_token
        ):
            payments.refund(payment.id, payment.card_token, -payment.amount)

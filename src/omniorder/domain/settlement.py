"""Settling money on an order: tenders taken or paid back, and the deposit applied to
invoices (docs/rules.md §2.5, §5, §6).

Every payment is a signed amount with a purpose; refunds are negative. This keeps one
ledger identity true after every operation (docs/rules.md, "the money invariant"):

    Σ payments = Σ invoice totals + deposit held − Σ returns
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from omniorder.domain.errors import InvalidInput, PaymentMismatch, PaymentNotAccepted
from omniorder.domain.money import Money, total
from omniorder.domain.order import Order, Payment
from omniorder.domain.statuses import PaymentPurpose, Tender


@dataclass(frozen=True)
class TenderIn:
    """Money the customer hands over (or receives back) in one tender, already authorized."""

    id: UUID
    tender: Tender
    amount: Money
    card_last4: str | None = None
    authorization_code: str | None = None
    card_token: str | None = None


def deposit_to_apply(order: Order, value_now: Money, *, completes_order: bool) -> Money:
    """Deposit applied to an invoice of `value_now` (docs/rules.md §5).

    All remaining deposit when this invoice completes the order; otherwise
    min(remaining deposit, deposit % × value invoiced now).
    """
    held = order.deposit_held
    if held.amount <= 0:
        return Money.zero(order.currency)
    if completes_order:
        return held
    return held.min(value_now.percent(order.deposit_percent))


def settle(
    order: Order,
    due: Money,
    tenders: tuple[TenderIn, ...],
    *,
    purpose: PaymentPurpose,
    refund_purpose: PaymentPurpose,
    refund_tender: Tender,
    at: datetime,
    id_seed: UUID,
    field: str = "payments",
) -> list[Payment]:
    """Payments that settle `due`: tenders paying it exactly, or one refund when negative."""
    if due.amount > 0:
        for index, tender in enumerate(tenders):
            if tender.amount.amount <= 0:
                raise PaymentNotAccepted(
                    f"{field}[{index}].amount", "A payment must be more than zero."
                )
        paid = total([t.amount for t in tenders], order.currency)
        if paid != due:
            raise PaymentMismatch(
                field, f"The payments ({paid}) must equal the amount due ({due}).", due=due
            )
        return [
            Payment(
                id=t.id,
                tender=t.tender,
                amount=t.amount,
                purpose=purpose,
                created_at=at,
                card_last4=t.card_last4,
                authorization_code=t.authorization_code,
                card_token=t.card_token,
            )
            for t in tenders
        ]
    if tenders:
        raise InvalidInput(field, f"Nothing is due ({due}); take no payment.")
    if due.is_zero:
        return []
    card = next((p for p in order.payments if p.card_token), None)
    use_card = refund_tender is Tender.CARD and card is not None
    return [
        Payment(
            id=id_seed,
            tender=refund_tender if refund_tender is not Tender.CARD or use_card else Tender.CASH,
            amount=due,
            purpose=refund_purpose,
            created_at=at,
            card_last4=card.card_last4 if use_card and card else None,
            card_token=card.card_token if use_card and card else None,
        )
    ]

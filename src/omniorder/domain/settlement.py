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
from omniorder.domain.staff import Authorization, Permission
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


def card_paid(order: Order) -> Payment | None:
    """The card payment a refund goes back to by default: the first one the customer paid
    with a card the connector keeps a token of."""
    return next(
        (
            p
            for p in order.payments
            if p.tender is Tender.CARD and p.card_token and p.amount.amount > 0
        ),
        None,
    )


def refund_tender_for(order: Order, requested: Tender | None, auth: Authorization) -> Tender:
    """Refunds go to the original tender (docs/rules.md, *Refunds go back to the card*).

    `None` asks for the original tender: the card when the customer paid by card, else cash.
    Any other tender for an order a card paid (cash, say) needs the refund_card_in_cash
    permission or a manager's override, recorded in the order's history.
    """
    card = card_paid(order)
    if requested is None:
        return Tender.CARD if card is not None else Tender.CASH
    if card is not None and requested is not Tender.CARD:
        auth.require(
            Permission.REFUND_CARD_IN_CASH,
            f"refund in {requested.value.replace('_', ' ')} what a card paid",
        )
    return requested


def settle(
    order: Order,
    due: Money,
    tenders: tuple[TenderIn, ...],
    *,
    purpose: PaymentPurpose,
    refund_purpose: PaymentPurpose,
    refund_tender: Tender | None,
    auth: Authorization,
    at: datetime,
    id_seed: UUID,
    field: str = "payments",
) -> list[Payment]:
    """Payments that settle `due`: tenders paying it exactly, or one refund when negative,
    to the original tender unless another is allowed (`refund_tender_for`)."""
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
    chosen = refund_tender_for(order, refund_tender, auth)
    card = card_paid(order)
    use_card = chosen is Tender.CARD and card is not None
    return [
        Payment(
            id=id_seed,
            tender=chosen if chosen is not Tender.CARD or use_card else Tender.CASH,
            amount=due,
            purpose=refund_purpose,
            created_at=at,
            card_last4=card.card_last4 if use_card and card else None,
            card_token=card.card_token if use_card and card else None,
        )
    ]

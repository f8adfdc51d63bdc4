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
from omniorder.domain.statuses import OrderStatus, PaymentPurpose, Tender


@dataclass(frozen=True)
class TenderIn:
    """Money the customer hands over (or receives back) in one tender, already authorized."""

    id: UUID
    tender: Tender
    amount: Money
    card_last4: str | None = None
    authorization_code: str | None = None
    card_token: str | None = None


@dataclass(frozen=True)
class Balance:
    """Where the customer stands on an order after every operation so far (docs/rules.md,
    *The balance*): what the order is worth, what came back, what was paid and refunded,
    the deposit the store holds, and what is still to pay — now, and later at pickup or
    shipment. Computed from the order, never stored."""

    order_total: Money  # live lines and charges with tax (cancelled units excluded)
    returned: Money  # goods and shipping taken back
    paid: Money  # received, every tender
    refunded: Money  # paid back (a positive amount)
    deposit_held: Money  # paid as deposit, not yet applied to an invoice
    due_now: Money  # deposit or carry-out still to take now (negative: owed back now)
    # The deposit the order requires, while it is a live customer order: None for a quote,
    # and for a cancelled or fully invoiced order, where no deposit is required any more.
    deposit_required: Money | None = None

    @property
    def net_value(self) -> Money:
        """What the customer buys, less what they brought back."""
        return self.order_total - self.returned

    @property
    def net_paid(self) -> Money:
        return self.paid - self.refunded

    @property
    def balance(self) -> Money:
        """Still to pay on the order (negative: the store owes the customer). By the money
        invariant it equals the value not yet invoiced less the deposit held."""
        return self.net_value - self.net_paid

    @property
    def to_pay_later(self) -> Money:
        """The part of the balance paid when goods are picked up or shipped."""
        return self.balance - self.due_now if self.due_now.amount > 0 else self.balance


def balance_of(order: Order) -> Balance:
    """The order's `Balance` (docs/rules.md, *The balance*). A quote has taken nothing and
    owes nothing yet: its balance is its total."""
    is_finished = order.is_quote or order.status in (OrderStatus.INVOICED, OrderStatus.CANCELLED)
    received = [p.amount for p in order.payments if p.amount.amount > 0]
    refunds = [-p.amount for p in order.payments if p.amount.amount < 0]
    # A fully invoiced or cancelled order is worth what its invoices charged: tax rounded
    # per invoice can differ by a cent from the tax of the whole line, and nothing is left
    # to invoice, so nothing is left to pay.
    is_all_invoiced = not order.is_quote and is_finished
    return Balance(
        order_total=order.invoiced_total if is_all_invoiced else order.order_total,
        returned=order.returned_total,
        paid=total(received, order.currency),
        refunded=total(refunds, order.currency),
        deposit_held=order.deposit_held,
        due_now=order.amount_due,
        deposit_required=None if is_finished else order.required_deposit,
    )


@dataclass(frozen=True)
class Handover:
    """The money side of picking up or shipping some quantities (docs/rules.md §5): the value
    invoiced now, the deposit applied to it, and what the customer pays (negative: gets
    back)."""

    value_now: Money
    deposit_applied: Money

    @property
    def due(self) -> Money:
        return self.value_now - self.deposit_applied


def handover(order: Order, value_now: Money, *, completes_order: bool) -> Handover:
    """The `Handover` of invoicing `value_now`, with the deposit rule of `deposit_to_apply`."""
    applied = deposit_to_apply(order, value_now, completes_order=completes_order)
    return Handover(value_now=value_now, deposit_applied=applied)


def invoiced_since(order: Order, invoice_ids_before: set[UUID]) -> Handover:
    """The `Handover` of the invoices an operation added to `order` (those not among
    `invoice_ids_before`): their value and the deposit applied to them."""
    added = [invoice for invoice in order.invoices if invoice.id not in invoice_ids_before]
    return Handover(
        value_now=total([invoice.total_amount for invoice in added], order.currency),
        deposit_applied=total([invoice.deposit_applied for invoice in added], order.currency),
    )


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

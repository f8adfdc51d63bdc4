"""The customer order aggregate: lines, charges, payments, invoices and history.

Amounts are derived from quantities, unit prices and tax rates; nothing derived is stored on
the aggregate, so the store and HQ always compute the same figures from the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from omniorder.domain.errors import DepositOverrideOutOfRange
from omniorder.domain.money import Money, total
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
class Address:
    name: str
    street: str
    city: str
    region: str
    postal_code: str
    country: str = "US"


@dataclass
class OrderLine:
    id: UUID
    line_number: int
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
    picking_qty: int = 0
    picked_qty: int = 0
    packed_qty: int = 0
    invoiced_qty: int = 0
    cancelled_qty: int = 0
    returned_qty: int = 0

    @property
    def live_qty(self) -> int:
        """Ordered and not cancelled: what the customer will pay for."""
        return self.quantity - self.cancelled_qty

    @property
    def net_amount(self) -> Money:
        return self.unit_price.times(self.live_qty)

    @property
    def tax_amount(self) -> Money:
        """Tax is computed and rounded per line (docs/rules.md §1)."""
        return self.net_amount.rate(self.tax_rate)

    @property
    def gross_amount(self) -> Money:
        return self.net_amount + self.tax_amount

    @property
    def open_qty(self) -> int:
        """Still to be invoiced (picked up or shipped)."""
        return self.quantity - self.cancelled_qty - self.invoiced_qty

    @property
    def is_customer_order_line(self) -> bool:
        """Ship and pickup lines form the customer order; carry-out lines are a sale now."""
        return self.fulfilment is not Fulfilment.CARRY_OUT


@dataclass
class Charge:
    id: UUID
    kind: ChargeKind
    code: str
    amount: Money
    tax_rate: Decimal
    is_cancelled: bool = False

    @property
    def tax_amount(self) -> Money:
        return self.amount.rate(self.tax_rate)

    @property
    def gross_amount(self) -> Money:
        return self.amount + self.tax_amount


@dataclass
class Payment:
    """Money received (positive) or paid back (negative) with one tender."""

    id: UUID
    tender: Tender
    amount: Money
    purpose: PaymentPurpose
    created_at: datetime
    card_last4: str | None = None
    authorization_code: str | None = None
    card_token: str | None = None


@dataclass
class InvoiceLine:
    line_id: UUID
    quantity: int
    net_amount: Money
    tax_amount: Money


@dataclass
class Invoice:
    id: UUID
    number: str | None
    created_at: datetime
    lines: list[InvoiceLine]
    charges_amount: Money
    deposit_applied: Money
    charge_ids: list[UUID] = field(default_factory=list)

    @property
    def total_amount(self) -> Money:
        result = self.charges_amount
        for line in self.lines:
            result = result + line.net_amount + line.tax_amount
        return result


@dataclass
class DocumentLine:
    line_id: UUID
    quantity: int


@dataclass
class FulfilmentDocument:
    """A pick list or a packing slip: which lines, how many, numbered by HQ."""

    id: UUID
    kind: str  # "pick_list" | "packing_slip"
    number: str | None
    created_at: datetime
    lines: list[DocumentLine]


@dataclass
class ReturnLine:
    invoice_id: UUID
    line_id: UUID
    quantity: int
    reason_code: str
    net_amount: Money
    tax_amount: Money


@dataclass
class ReturnOrder:
    """Goods brought back against an invoice, and what was refunded for them (docs/rules.md §7)."""

    id: UUID
    number: str | None
    store_code: str
    created_at: datetime
    lines: list[ReturnLine]
    shipping_refund: Money

    @property
    def total_amount(self) -> Money:
        result = self.shipping_refund
        for line in self.lines:
            result = result + line.net_amount + line.tax_amount
        return result


@dataclass(frozen=True)
class LineCount:
    """So many units of a SKU, as an event moved them."""

    sku: str
    quantity: int


@dataclass
class OrderEvent:
    """One entry of the order's history: who did what, when, who approved it, and what it
    changed as data — named amounts (`total`, `settled`, `charge`, `refund`, `deposit`, …), the
    units it moved, counts (`lines`, `added`, `changed`, `voided`, `units`) and flags
    (`deposit_overridden`, `prices_recalculated`, `shipping_changed`, `repriced`). Words are
    made at the edge (the API and the pages). `detail` is the free text of entries recorded
    before events carried data, kept as it was written."""

    id: UUID
    at: datetime
    action: OrderEventType
    operator_id: str
    detail: str = ""
    override_by: str | None = None
    amounts: dict[str, Money] = field(default_factory=dict)
    lines: tuple[LineCount, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    collected_by: str | None = None


@dataclass
class Order:
    id: UUID
    order_type: OrderType
    store_code: str
    channel_ref: str
    customer_account: str
    customer_name: str
    currency: str
    created_at: datetime
    created_by: str
    deposit_percent: Decimal
    lines: list[OrderLine]
    charges: list[Charge] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    documents: list[FulfilmentDocument] = field(default_factory=list)
    returns: list[ReturnOrder] = field(default_factory=list)
    events: list[OrderEvent] = field(default_factory=list)
    deposit_override: Money | None = None
    sales_order_number: str | None = None
    expires_on: date | None = None
    converted_at: datetime | None = None
    version: int = 1

    # -- amounts (docs/rules.md §2.5) ------------------------------------------------------------

    def _zero(self) -> Money:
        return Money.zero(self.currency)

    @property
    def is_quote(self) -> bool:
        return self.order_type is OrderType.QUOTE

    @property
    def lines_total(self) -> Money:
        return total([line.gross_amount for line in self.lines], self.currency)

    @property
    def live_charges(self) -> list[Charge]:
        return [charge for charge in self.charges if not charge.is_cancelled]

    @property
    def charges_total(self) -> Money:
        return total([charge.gross_amount for charge in self.live_charges], self.currency)

    @property
    def tax_total(self) -> Money:
        return total(
            [line.tax_amount for line in self.lines]
            + [charge.tax_amount for charge in self.live_charges],
            self.currency,
        )

    @property
    def order_total(self) -> Money:
        return self.lines_total + self.charges_total

    @property
    def carry_out_total(self) -> Money:
        return total(
            [line.gross_amount for line in self.lines if not line.is_customer_order_line],
            self.currency,
        )

    @property
    def order_value(self) -> Money:
        """Ship and pickup lines with their tax, plus the order's charges with their tax."""
        return self.order_total - self.carry_out_total

    @property
    def required_deposit(self) -> Money:
        """The deposit this order requires now. An override was checked against the order
        value when it was set; if lines were cancelled since, it is capped at the value."""
        if self.is_quote:
            return self._zero()
        value = self.order_value
        if self.deposit_override is not None and self.deposit_override > value:
            return value
        return required_deposit(value, self.deposit_percent, self.deposit_override)

    def paid_for(self, purpose: PaymentPurpose) -> Money:
        return total([p.amount for p in self.payments if p.purpose is purpose], self.currency)

    @property
    def deposit_paid(self) -> Money:
        """Deposit received, less deposit paid back."""
        return self.paid_for(PaymentPurpose.DEPOSIT)

    @property
    def deposit_applied(self) -> Money:
        """Deposit used to pay invoices so far (docs/rules.md §5)."""
        return total([invoice.deposit_applied for invoice in self.invoices], self.currency)

    @property
    def deposit_held(self) -> Money:
        """Deposit paid and not yet applied to an invoice: the store still owes it."""
        return self.deposit_paid - self.deposit_applied

    @property
    def invoiced_total(self) -> Money:
        return total([invoice.total_amount for invoice in self.invoices], self.currency)

    @property
    def returned_total(self) -> Money:
        return total([ret.total_amount for ret in self.returns], self.currency)

    def line(self, line_id: UUID) -> OrderLine:
        for line in self.lines:
            if line.id == line_id:
                return line
        raise KeyError(line_id)

    def has_event(self, event_id: UUID) -> bool:
        return any(event.id == event_id for event in self.events)

    @property
    def amount_paid(self) -> Money:
        return total([p.amount for p in self.payments], self.currency)

    @property
    def amount_due(self) -> Money:
        """Required deposit + unpaid carry-out − deposit already paid (negative: refund owed).

        A quote takes no payment (docs/rules.md §2.5, §8), so nothing is due on it; an invoiced or
        cancelled order was settled by its last invoice.
        """
        if self.is_quote or self.status in (OrderStatus.INVOICED, OrderStatus.CANCELLED):
            return self._zero()
        carry_out_unpaid = self.carry_out_total - self.paid_for(PaymentPurpose.CARRY_OUT)
        return self.required_deposit + carry_out_unpaid - self.deposit_paid

    # -- statuses (docs/rules.md §9) -------------------------------------------------------------

    @property
    def status(self) -> OrderStatus:
        return order_status(self.lines)

    def quote_status(self, today: date) -> QuoteStatus:
        return quote_status(self, today)

    def display_status(self, today: date) -> str:
        """The one status a person sees: a quote's (docs/rules.md §8, which needs the store's
        today to tell an expired quote) or an order's (§9)."""
        return self.quote_status(today).value if self.is_quote else self.status.value


def required_deposit(order_value: Money, percent: Decimal, override: Money | None) -> Money:
    """Deposit the customer must pay before the order is confirmed (docs/rules.md §2.5).

    round(order value × default deposit %), or the operator's override, which must lie
    between zero and the order value.
    """
    if override is not None:
        if not Money.zero(order_value.currency) <= override <= order_value:
            raise DepositOverrideOutOfRange(
                "deposit_override",
                f"The deposit override {override} must be between 0 and the order value "
                f"{order_value}.",
            )
        return override
    return order_value.percent(percent)


def order_status(lines: list[OrderLine]) -> OrderStatus:
    """The order status, derived from line quantities alone (docs/rules.md §9).

    Carry-out lines of a hybrid order are a sale completed at the till (docs/rules.md §2.4); the
    status speaks of the customer order, its ship and pickup lines, so a new hybrid order
    is open, not partially invoiced.
    """
    ordered = [line for line in lines if line.is_customer_order_line] or lines
    live = [line for line in ordered if line.quantity > line.cancelled_qty]
    if not live:
        return OrderStatus.CANCELLED
    to_invoice = sum(line.quantity - line.cancelled_qty for line in live)
    invoiced = sum(line.invoiced_qty for line in live)
    if invoiced >= to_invoice:
        return OrderStatus.INVOICED
    if invoiced > 0:
        return OrderStatus.PARTIALLY_INVOICED
    if any(line.picking_qty or line.picked_qty or line.packed_qty for line in live):
        return OrderStatus.PROCESSING
    return OrderStatus.OPEN


def quote_status(order: Order, today: date) -> QuoteStatus:
    """A quote's status, from its facts and the store's today (docs/rules.md §8–9)."""
    return quote_status_of(order.converted_at, order_status(order.lines), order.expires_on, today)


def quote_status_of(
    converted_at: datetime | None, status: OrderStatus, expires_on: date | None, today: date
) -> QuoteStatus:
    """A quote's status from the facts it depends on: shared by the whole order and its
    find-list summary (domain/summary.py), which has no lines but their status."""
    if converted_at is not None:
        return QuoteStatus.CONVERTED
    if status is OrderStatus.CANCELLED:
        return QuoteStatus.CANCELLED
    if expires_on is not None and expires_on < today:
        return QuoteStatus.EXPIRED
    return QuoteStatus.OPEN

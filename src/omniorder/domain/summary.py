"""An order's row in a find list: the list's columns, without lines, charges, payments or
history, so that a page of them is read in one query (docs/performance.md, "Find")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from omniorder.domain.money import Money
from omniorder.domain.order import Order, quote_status_of
from omniorder.domain.settlement import balance_of
from omniorder.domain.statuses import OrderStatus, OrderType, QuoteStatus, SyncStatus


@dataclass(frozen=True)
class OrderSummary:
    id: UUID
    order_type: OrderType
    status: OrderStatus
    channel_ref: str
    sales_order_number: str | None
    store_code: str
    customer_account: str
    customer_name: str
    created_at: datetime
    expires_on: date | None
    converted_at: datetime | None
    order_total: Money
    # Still to pay (negative: owed to the customer): `Balance.balance` of the whole order.
    balance: Money
    # When the order last changed (its latest history entry): a store's copy's `copy_as_of`.
    changed_at: datetime
    sync_status: SyncStatus | None = None

    @property
    def is_quote(self) -> bool:
        return self.order_type is OrderType.QUOTE

    def quote_status(self, today: date) -> QuoteStatus:
        return quote_status_of(self.converted_at, self.status, self.expires_on, today)

    def display_status(self, today: date) -> str:
        """As `Order.display_status`: a quote's status or the order's (docs/rules.md §8–9)."""
        return self.quote_status(today).value if self.is_quote else self.status.value


def summary_of(order: Order, *, sync_status: SyncStatus | None = None) -> OrderSummary:
    """The summary of a whole order: the figures a repository stores for listing (the total,
    the balance) come from here, so the list and the order page agree."""
    return OrderSummary(
        id=order.id,
        order_type=order.order_type,
        status=order.status,
        channel_ref=order.channel_ref,
        sales_order_number=order.sales_order_number,
        store_code=order.store_code,
        customer_account=order.customer_account,
        customer_name=order.customer_name,
        created_at=order.created_at,
        expires_on=order.expires_on,
        converted_at=order.converted_at,
        order_total=order.order_total,
        balance=balance_of(order).balance,
        changed_at=max([order.created_at, *(event.at for event in order.events)]),
        sync_status=sync_status,
    )

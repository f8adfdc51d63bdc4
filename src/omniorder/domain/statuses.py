"""Statuses, one StrEnum per independent axis (docs/rules.md §9). Derived, never set by hand."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class OrderType(StrEnum):
    CUSTOMER_ORDER = "customer_order"
    QUOTE = "quote"


class Fulfilment(StrEnum):
    SHIP = "ship"
    PICKUP = "pickup"
    CARRY_OUT = "carry_out"


class OrderStatus(StrEnum):
    OPEN = "open"
    PROCESSING = "processing"
    PARTIALLY_INVOICED = "partially_invoiced"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


class QuoteStatus(StrEnum):
    OPEN = "open"
    EXPIRED = "expired"
    CONVERTED = "converted"
    CANCELLED = "cancelled"


class SyncStatus(StrEnum):
    PENDING = "pending"
    SYNCHRONIZED = "synchronized"
    FAILED = "failed"

    @classmethod
    def of_entries(cls, statuses: Iterable[str]) -> SyncStatus | None:
        """An order's sync status from its journal entries' (docs/sync.md, *Statuses*):
        failed if any failed, pending if any waits, synchronized if all are; None for an
        order with no entries (made through the real-time service)."""
        found = set(statuses)
        if not found:
            return None
        for status in (cls.FAILED, cls.PENDING):
            if status.value in found:
                return status
        return cls.SYNCHRONIZED


class Tender(StrEnum):
    CASH = "cash"
    CARD = "card"
    CUSTOMER_ACCOUNT = "customer_account"


class PaymentPurpose(StrEnum):
    """What a payment (or refund, when negative) settles."""

    DEPOSIT = "deposit"
    CARRY_OUT = "carry_out"
    BALANCE = "balance"
    CANCELLATION_CHARGE = "cancellation_charge"
    REFUND = "refund"


class ChargeKind(StrEnum):
    SHIPPING = "shipping"
    CANCELLATION = "cancellation"


class OrderEventType(StrEnum):
    """What an entry of the order's history records (docs/rules.md §9)."""

    ORDER_CREATED = "order_created"
    QUOTE_CREATED = "quote_created"
    QUOTE_CONVERTED = "quote_converted"
    EDITED = "edited"
    PICK_LIST_CREATED = "pick_list_created"
    PICKED = "picked"
    PACKED = "packed"
    PICKED_UP = "picked_up"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    LINES_CANCELLED = "lines_cancelled"
    RETURNED = "returned"

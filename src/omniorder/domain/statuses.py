"""Statuses, one StrEnum per independent axis (docs/rules.md §9). Derived, never set by hand."""

from __future__ import annotations

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

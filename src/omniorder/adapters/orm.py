"""Database tables of HQ and of the store's channel database.

Both databases share the master-data and order tables (the store keeps a cache of HQ's
channel data and its own copy of each order it took); `__table_args__` info `roles` says
which database each table lives in, and each database has its own Alembic history.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    event,
    false,
    func,
    inspect,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from omniorder.adapters.text_search import MIRRORS, phone_digits
from omniorder.adapters.types import DecimalText, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BOTH = {"roles": ("hq", "store")}
HQ_ONLY = {"roles": ("hq",)}
STORE_ONLY = {"roles": ("store",)}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _trigram_index(table: str, column: Any) -> Index:
    """A pg_trgm index on lower(column): `lower(column) LIKE '%…%'` without reading every
    row (PostgreSQL only; SQLite has adapters/text_search.py's FTS5 tables)."""
    label = f"lower_{column.key}"
    return Index(
        f"ix_{table}_{column.key}_trgm",
        func.lower(column).label(label),
        postgresql_using="gin",
        postgresql_ops={label: "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql")


event.listen(
    Base.metadata,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]
)


# -- master data (owned by HQ, cached at the store) ------------------------------------------


class ParametersRow(Base):
    """Retail parameters, one row (docs/rules.md §1)."""

    __tablename__ = "retail_parameters"
    __table_args__ = {"info": BOTH}
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    default_deposit_percent: Mapped[Decimal] = mapped_column(DecimalText)
    cancellation_charge_percent: Mapped[Decimal] = mapped_column(DecimalText)
    cancellation_charge_code: Mapped[str | None] = mapped_column(String(20))
    shipping_charge_code: Mapped[str | None] = mapped_column(String(20))
    is_shipping_refund_allowed: Mapped[bool] = mapped_column(Boolean)
    max_shipping_refund_without_approval_amount: Mapped[int] = mapped_column(BigInteger)
    pickup_delivery_mode: Mapped[str] = mapped_column(String(20))
    carry_out_delivery_mode: Mapped[str] = mapped_column(String(20))
    quote_expiration_days: Mapped[int] = mapped_column(Integer)
    default_tax_rate: Mapped[Decimal] = mapped_column(DecimalText)


class DeliveryModeRow(Base):
    __tablename__ = "delivery_modes"
    __table_args__ = {"info": BOTH}
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    rate_amount: Mapped[int] = mapped_column(BigInteger, default=0)


class ChargeCodeRow(Base):
    __tablename__ = "charge_codes"
    __table_args__ = {"info": BOTH}
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    description: Mapped[str] = mapped_column(String(100))
    tax_group: Mapped[str] = mapped_column(String(20))


class FunctionalityProfileRow(Base):
    __tablename__ = "functionality_profiles"
    __table_args__ = {"info": BOTH}
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    is_async: Mapped[bool] = mapped_column(Boolean, default=False)
    is_async_backup: Mapped[bool] = mapped_column(Boolean, default=False)
    async_backup_timeout_ms: Mapped[int] = mapped_column(Integer, default=5000)


class StoreRow(Base):
    __tablename__ = "stores"
    __table_args__ = {"info": BOTH}
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    time_zone: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(20))
    # The postal address and phone printed on receipts and documents (with `region`).
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(40))
    is_pickup_location: Mapped[bool] = mapped_column(Boolean, default=True)
    warehouse: Mapped[str] = mapped_column(String(20))
    shipping_warehouse: Mapped[str] = mapped_column(String(20))
    profile_code: Mapped[str] = mapped_column(String(20))
    # Where HQ's jobs reach this store's server (async mode: the P-job pulls its journal).
    server_url: Mapped[str | None] = mapped_column(String(200))
    # Only HQ fills this in; the store's copy never holds another store's secret. Indexed:
    # HQ finds the calling store by it on every store → HQ call.
    token_hash: Mapped[str | None] = mapped_column(String(200), index=True)


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = {"info": BOTH}
    sku: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    barcode: Mapped[str | None] = mapped_column(String(40), unique=True)
    price_amount: Mapped[int] = mapped_column(BigInteger)
    tax_group: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # When HQ last changed the price: the version of this price that a store's channel data
    # carries, so HQ can tell a price changed since the store's download from a wrong one.
    price_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@event.listens_for(ProductRow, "before_insert")
def _stamp_new_price(_mapper: object, _connection: object, row: ProductRow) -> None:
    if row.price_changed_at is None:
        row.price_changed_at = datetime.now(UTC)


@event.listens_for(ProductRow, "before_update")
def _stamp_changed_price(_mapper: object, _connection: object, row: ProductRow) -> None:
    price = inspect(row).attrs.price_amount.history
    if price.has_changes() and price.deleted and price.deleted[0] != row.price_amount:
        row.price_changed_at = datetime.now(UTC)


class TaxRateRow(Base):
    __tablename__ = "tax_rates"
    __table_args__ = {"info": BOTH}
    tax_group: Mapped[str] = mapped_column(String(20), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(20), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(DecimalText)


class CustomerRow(Base):
    __tablename__ = "customers"
    __table_args__ = {"info": BOTH}
    account: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    addresses: Mapped[list[CustomerAddressRow]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        order_by="CustomerAddressRow.position",
        lazy="selectin",
    )


# Find order (OrderRepository.search, docs/performance.md "Find"): a phone by its digits, an
# e-mail or a name exactly (any case), on both databases; a substring of a phone or e-mail
# through pg_trgm on PostgreSQL (adapters/text_search.py's FTS5 tables on SQLite).
Index("ix_customers_lower_phone", func.lower(CustomerRow.phone)).ddl_if(dialect="postgresql")
Index("ix_customers_lower_email", func.lower(CustomerRow.email))
Index("ix_customers_phone_digits", phone_digits(CustomerRow.phone, in_index=True))
Index("ix_customers_lower_name", func.lower(CustomerRow.name))
for _column in (CustomerRow.phone, CustomerRow.email):
    _trigram_index("customers", _column)


class CustomerAddressRow(Base):
    __tablename__ = "customer_addresses"
    __table_args__ = {"info": BOTH}
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_account: Mapped[str] = mapped_column(
        ForeignKey("customers.account", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(20))
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    customer: Mapped[CustomerRow] = relationship(back_populates="addresses")


class StaffRow(Base):
    __tablename__ = "staff"
    __table_args__ = {"info": BOTH}
    operator_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    store_code: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    # An inactive staff member cannot sign in, and their sessions end (docs/security.md).
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Raised when the password changes or the staff member is deactivated: every session
    # opened under an older epoch ends at its next request.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class InventoryRow(Base):
    """Stock on hand and reserved per location (a store's warehouse or a shipping warehouse)."""

    __tablename__ = "inventory"
    __table_args__ = {"info": BOTH}
    location: Mapped[str] = mapped_column(String(20), primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), primary_key=True)
    on_hand_qty: Mapped[int] = mapped_column(Integer, default=0)
    reserved_qty: Mapped[int] = mapped_column(Integer, default=0)


class CounterRow(Base):
    """Gap-tolerant number sequences (SO-000123, S001-000042)."""

    __tablename__ = "counters"
    __table_args__ = {"info": BOTH}
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class AuthSessionRow(Base):
    """A signed-in operator's bearer token (only its hash is stored)."""

    __tablename__ = "auth_sessions"
    __table_args__ = {"info": BOTH}
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The last request seen (updated at most once a minute): the idle timeout counts from it.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The staff member's `session_epoch` when the session opened.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SignInFailureRow(Base):
    """Recent failed sign-ins (and manager overrides) per operator id or client address, so
    that every worker process of a server throttles the same guesses (docs/security.md)."""

    __tablename__ = "sign_in_failures"
    __table_args__ = {"info": BOTH}
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


# -- customer orders (sales orders at HQ, the store's own copy at the store) -----------------


class OrderRow(Base):
    __tablename__ = "customer_orders"
    __table_args__ = (
        # A customer's, a store's, a status's orders, newest first (find order's filters).
        Index("ix_customer_orders_customer_account_created_at", "customer_account", "created_at"),
        Index("ix_customer_orders_store_code_created_at", "store_code", "created_at"),
        Index("ix_customer_orders_status_created_at", "status", "created_at"),
        {"info": BOTH},
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_type: Mapped[str] = mapped_column(String(20))
    store_code: Mapped[str] = mapped_column(String(20))
    channel_ref: Mapped[str] = mapped_column(String(40), unique=True)
    sales_order_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    customer_account: Mapped[str] = mapped_column(String(20), index=True)
    customer_name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_by: Mapped[str] = mapped_column(String(20))
    deposit_percent: Mapped[Decimal] = mapped_column(DecimalText)
    deposit_override_amount: Mapped[int | None] = mapped_column(BigInteger)
    expires_on: Mapped[date | None] = mapped_column(Date)
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)
    # Derived from the lines on every save, kept for searching and listing only.
    status: Mapped[str] = mapped_column(String(30))
    total_amount: Mapped[int] = mapped_column(BigInteger)
    # The domain's balance (`settlement.balance_of`), stored on every save for the find list's
    # summary rows (docs/performance.md, "Find"); migrations hq_0012 / store_0010.
    balance_amount: Mapped[int] = mapped_column(BigInteger, server_default="0")
    lines: Mapped[list[OrderLineRow]] = relationship(
        cascade="all, delete-orphan", order_by="OrderLineRow.line_number", lazy="selectin"
    )
    charges: Mapped[list[OrderChargeRow]] = relationship(
        cascade="all, delete-orphan", order_by="OrderChargeRow.position", lazy="selectin"
    )
    payments: Mapped[list[PaymentRow]] = relationship(
        cascade="all, delete-orphan", order_by="PaymentRow.position", lazy="selectin"
    )
    invoices: Mapped[list[InvoiceRow]] = relationship(
        cascade="all, delete-orphan", order_by="InvoiceRow.position", lazy="selectin"
    )
    events: Mapped[list[OrderEventRow]] = relationship(
        cascade="all, delete-orphan", order_by="OrderEventRow.position", lazy="selectin"
    )
    documents: Mapped[list[FulfilmentDocumentRow]] = relationship(
        cascade="all, delete-orphan", order_by="FulfilmentDocumentRow.position", lazy="selectin"
    )
    returns: Mapped[list[ReturnRow]] = relationship(
        cascade="all, delete-orphan", order_by="ReturnRow.position", lazy="selectin"
    )


for _column in (
    OrderRow.sales_order_number,
    OrderRow.channel_ref,
    OrderRow.customer_name,
    OrderRow.customer_account,
):
    _trigram_index("customer_orders", _column)


class OrderLineRow(Base):
    __tablename__ = "order_lines"
    __table_args__ = {"info": BOTH}
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customer_orders.id", ondelete="CASCADE"), index=True
    )
    line_number: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_amount: Mapped[int] = mapped_column(BigInteger)
    tax_rate: Mapped[Decimal] = mapped_column(DecimalText)
    fulfilment: Mapped[str] = mapped_column(String(20))
    delivery_mode: Mapped[str] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(String(20))
    requested_date: Mapped[date | None] = mapped_column(Date)
    ship_to_name: Mapped[str | None] = mapped_column(String(200))
    ship_to_street: Mapped[str | None] = mapped_column(String(200))
    ship_to_city: Mapped[str | None] = mapped_column(String(100))
    ship_to_region: Mapped[str | None] = mapped_column(String(20))
    ship_to_postal_code: Mapped[str | None] = mapped_column(String(20))
    ship_to_country: Mapped[str | None] = mapped_column(String(2))
    pickup_by: Mapped[str | None] = mapped_column(String(200))
    picking_qty: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    picked_qty: Mapped[int] = mapped_column(Integer, default=0)
    packed_qty: Mapped[int] = mapped_column(Integer, default=0)
    invoiced_qty: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_qty: Mapped[int] = mapped_column(Integer, default=0)
    returned_qty: Mapped[int] = mapped_column(Integer, default=0)


class OrderChargeRow(Base):
    __tablename__ = "order_charges"
    __table_args__ = {"info": BOTH}
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customer_orders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)
    tax_rate: Mapped[Decimal] = mapped_column(DecimalText)
    is_cancelled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PaymentRow(Base):
    __tablename__ = "order_payments"
    __table_args__ = {"info": BOTH}
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customer_orders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    tender: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    card_last4: Mapped[str | None] = mapped_column(String(4))
    authorization_code: Mapped[str | None] = mapped_column(String(40))
    card_token: Mapped[str | None] = mapped_column(String(80))


class InvoiceRow(Base):
    __tablename__ = "order_invoices"
    __table_args__ = {"info": BOTH}
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customer_orders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    charges_amount: Mapped[int] = mapped_column(BigInteger)
    deposit_applied_amount: Mapped[int] = mapped_column(BigInteger)
    # Ids of the order charges this invoice bills (shipping, cancellation).
    charge_ids: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    lines: Mapped[list[InvoiceLineRow]] = relationship(
        cascade="all, delete-orphan", order_by="InvoiceLineRow.position", lazy="selectin"
    )


_trigram_index("order_invoices", InvoiceRow.number)
# SQLite's substring search (adapters/text_search.py), created with the tables it indexes.
for _mirror in MIRRORS:
    _table = Base.metadata.tables[_mirror.table]
    for _statement in _mirror.ddl():
        _ddl = DDL(_statement).execute_if(dialect="sqlite")  # type: ignore[no-untyped-call]
        event.listen(_table, "after_create", _ddl)


class InvoiceLineRow(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = {"info": BOTH}
    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("order_invoices.id", ondelete="CASCADE"), primary_key=True
    )
    line_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    net_amount: Mapped[int] = mapped_column(BigInteger)
    tax_amount: Mapped[int] = mapped_column(BigInteger)


class OrderEventRow(Base):
    __tablename__ = "order_events"
    __table_args__ = {"info": BOTH}
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customer_orders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(40))
    operator_id: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    override_by: Mapped[str | None] = mapped_column(String(20))
    # What the event changed, as data (adapters/order_mapping.py, `event_params`).
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class FulfilmentDocumentRow(Base):
    """Pick lists and packing slips; their lines are [{line_id, quantity}]."""

    __tablename__ = "fulfilment_documents"
    __table_args__ = {"info": BOTH}
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customer_orders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lines: Mapped[list[dict[str, object]]] = mapped_column(JSON)


class ReturnRow(Base):
    """A return order; its lines are [{invoice_id, line_id, quantity, reason_code,
    net_amount, tax_amount}] with amounts in minor units."""

    __tablename__ = "order_returns"
    __table_args__ = {"info": BOTH}
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customer_orders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    store_code: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shipping_refund_amount: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[list[dict[str, object]]] = mapped_column(JSON)


# -- asynchronous mode (docs/rules.md §10) ---------------------------------------------------------


class JournalEntryRow(Base):
    """The store's append-only journal of async orders and operations.

    `seq` is allocated under the journal counter's row lock, so entries commit in `seq`
    order and the P-job's watermark can never skip one.
    """

    __tablename__ = "journal_entries"
    __table_args__ = {"info": STORE_ONLY}
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    document: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What HQ last told the store about this entry.
    sync_status: Mapped[str] = mapped_column(String(20), default="pending")
    sales_order_number: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)


class StoreTransactionRow(Base):
    """An entry pulled from a store's journal into HQ staging, with its sync status."""

    __tablename__ = "store_transactions"
    __table_args__ = (
        UniqueConstraint("store_code", "entry_id"),
        Index("ix_store_transactions_status_seq", "status", "store_code", "seq"),
        {"info": HQ_ONLY},
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_code: Mapped[str] = mapped_column(String(20))
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seq: Mapped[int] = mapped_column(BigInteger)
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    document: Mapped[dict[str, object]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    retry_count: Mapped[int] = mapped_column(Integer, default=0)
    pulled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    synchronized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sales_order_number: Mapped[str | None] = mapped_column(String(40))
    is_acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)


class PullWatermarkRow(Base):
    """The last journal sequence HQ holds for each store."""

    __tablename__ = "pull_watermarks"
    __table_args__ = {"info": HQ_ONLY}
    store_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class OutboxMessageRow(Base):
    """A message to send after the transaction that decided it committed (STYLE habit 6).
    The id is derived from what it announces, so the same news is never queued twice."""

    __tablename__ = "outbox_messages"
    __table_args__ = {"info": HQ_ONLY}
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class JobRunRow(Base):
    """One row per background job ("pull", "synchronize", "acknowledge", "mail"): how often it
    ran and how its last run went, across every job worker process (read by /metrics)."""

    __tablename__ = "job_runs"
    __table_args__ = {"info": HQ_ONLY}
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    runs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_duration_ms: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)


def tables_for(role: str) -> list[str]:
    """Names of the tables that live in the HQ ("hq") or channel ("store") database."""
    return [t.name for t in Base.metadata.sorted_tables if role in t.info.get("roles", ())]

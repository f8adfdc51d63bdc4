"""The unit of work the use cases run in, and the repositories it offers, as protocols.

A use case is handed a unit of work it has not entered yet; `with uow:` opens one database
transaction that rolls back unless the use case calls `uow.commit()`. The SQLAlchemy
implementation lives in `adapters/unit_of_work.py`; tests have an in-memory one
(`tests/fakes.py`). Master-data records are the adapters' row types, read and written whole
(docs/architecture.md, *Layers*).
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Literal, Protocol, Self, TypeVar

from omniorder.adapters.orm import (
    AuthSessionRow,
    Base,
    ChargeCodeRow,
    CustomerRow,
    DeliveryModeRow,
    FunctionalityProfileRow,
    InventoryRow,
    JobRunRow,
    JournalEntryRow,
    OutboxMessageRow,
    ParametersRow,
    ProductRow,
    SignInFailureRow,
    StaffRow,
    StoreRow,
    StoreTransactionRow,
    TaxRateRow,
)
from omniorder.domain.order import Order
from omniorder.domain.stock import Position
from omniorder.domain.summary import OrderSummary

RowT = TypeVar("RowT", bound=Base)


@dataclass(frozen=True)
class TakenIds:
    """What a new order's ids already name: whether its order id is taken, and the order
    each of its payment ids belongs to (payment ids are unique everywhere)."""

    order: bool
    payments: dict[uuid.UUID, uuid.UUID]


# Where an order's sync statuses are (docs/sync.md, *Statuses*): a store's journal entries,
# HQ's staged copies of them.
SyncSource = Literal["journal", "staging"]


class Orders(Protocol):
    """Orders, loaded and saved whole as the domain's `Order`."""

    def add(self, order: Order) -> None:
        """A new order; an order or payment id already taken raises the domain's `IdInUse`."""
        ...

    def get(self, order_id: uuid.UUID, *, for_update: bool = False) -> Order | None: ...

    def get_many(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Order]:
        """The orders found among these ids, by id, in one read."""
        ...

    def get_by_ref(self, ref: str, *, for_update: bool = False) -> Order | None:
        """By sales-order number or channel reference."""
        ...

    def order_of_payment(self, payment_id: uuid.UUID) -> uuid.UUID | None: ...

    def taken_ids(self, order_id: uuid.UUID, payment_ids: Sequence[uuid.UUID]) -> TakenIds:
        """Both checks of a new order's ids in one read."""
        ...

    def put(self, order: Order) -> None:
        """Replace a copy whole, whatever its version (the store's cache of HQ's orders)."""
        ...

    def save(self, order: Order, *, expected_version: int) -> None:
        """Save a change; another writer since `expected_version` raises `StaleVersion`."""
        ...

    def summaries(
        self,
        *,
        text: str | None = None,
        customer_account: str | None = None,
        store_code: str | None = None,
        status: str | None = None,
        sku: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
        sync_from: SyncSource | None = None,
    ) -> list[OrderSummary]:
        """Find order's page (docs/rules.md §3): the summaries of the matching orders, newest
        first, each with its sync status from `sync_from` (else None), in one query."""
        ...


class Records(Protocol):
    """Master-data records (stores, products, customers, …), read and written whole."""

    def get(self, row_type: type[RowT], key: Any) -> RowT | None: ...

    def list(self, row_type: type[RowT], *order_by: Any) -> Sequence[RowT]: ...

    def put(self, row: RowT) -> RowT: ...

    def delete(self, row: Base) -> None: ...

    def clear(self, row_type: type[Base]) -> None: ...

    def export(
        self, row_type: type[Base], *, exclude: frozenset[str] = frozenset()
    ) -> builtins.list[dict[str, Any]]:
        """Every record of a type as JSON-ready dicts in key order (customers with their
        addresses), for the channel-data download."""
        ...

    def replace_all(self, row_type: type[Base], items: Sequence[dict[str, Any]]) -> int:
        """Replace a whole cached table with exported dicts (the store's download)."""
        ...

    def parameters(self) -> ParametersRow | None: ...

    def store(self, code: str) -> StoreRow | None: ...

    def store_by_token_hash(self, token_hash: str) -> StoreRow | None:
        """The store whose HQ token has this hash (HQ's own stores only hold one)."""
        ...

    def profile(self, code: str) -> FunctionalityProfileRow | None: ...

    def product(self, sku: str) -> ProductRow | None: ...

    def delivery_mode(self, code: str) -> DeliveryModeRow | None: ...

    def charge_code(self, code: str) -> ChargeCodeRow | None: ...

    def customer(self, account: str) -> CustomerRow | None: ...

    def staff(self, operator_id: str) -> StaffRow | None: ...

    def tax_rates(self) -> Sequence[TaxRateRow]: ...

    def search_customers(self, text: str, limit: int = 25) -> Sequence[CustomerRow]: ...

    def search_products(self, text: str, limit: int = 25) -> Sequence[ProductRow]: ...

    def inventory(self, sku: str) -> Sequence[InventoryRow]: ...

    def inventory_of(self, skus: Sequence[str]) -> Sequence[InventoryRow]:
        """The rows of these SKUs in one read: by SKU in the order given, then location."""
        ...

    def adjust_stock(
        self, location: str, sku: str, *, on_hand: int = 0, reserved: int = 0
    ) -> None: ...

    def adjust_stocks(self, changes: Position) -> Sequence[InventoryRow]:
        """Add (reserved, on hand) to each (location, sku)'s stock, all in one write; the
        changed rows as they are now (by location, then SKU)."""
        ...


class Counters(Protocol):
    def next(self, name: str) -> int:
        """The next number of a named sequence; concurrent callers never get the same one."""
        ...


class AuthSessions(Protocol):
    def add(self, row: AuthSessionRow) -> None: ...

    def get(self, token_hash: str) -> AuthSessionRow | None:
        """The session with this token hash, if any."""
        ...

    def delete(self, token_hash: str) -> None: ...


class SignInFailures(Protocol):
    """Recent failed sign-ins per throttle key (an operator id or a client address)."""

    def get(self, key: str) -> SignInFailureRow | None: ...

    def claim(self, key: str, now: datetime) -> SignInFailureRow:
        """The key's row, created with no failures if missing, locked until the transaction
        ends: concurrent failures are all counted."""
        ...

    def clear(self, key: str) -> None: ...


class Journal(Protocol):
    """The store's append-only journal (docs/rules.md §10)."""

    def append(self, row: JournalEntryRow) -> None: ...

    def after(self, seq: int, limit: int) -> Sequence[JournalEntryRow]: ...

    def get(self, entry_id: uuid.UUID) -> JournalEntryRow | None: ...

    def for_order(self, order_id: uuid.UUID) -> Sequence[JournalEntryRow]: ...

    def statuses_of(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        """The sync statuses of each order's entries, in one query (orders without entries
        are absent)."""
        ...

    def counts(self) -> dict[str, int]: ...

    def mark(
        self,
        entry_id: uuid.UUID,
        *,
        sync_status: str,
        sales_order_number: str | None,
        error: str | None,
    ) -> bool:
        """Record HQ's acknowledgement of an entry; False when the entry is unknown."""
        ...


class Staging(Protocol):
    """HQ staging of pulled store transactions, and the pull watermarks."""

    def watermark(self, store_code: str) -> int: ...

    def stage(self, rows: Sequence[dict[str, Any]], store_code: str, last_seq: int) -> int: ...

    def claim_pending(self, limit: int) -> Sequence[StoreTransactionRow]: ...

    def blocked(self, rows: Sequence[StoreTransactionRow]) -> set[int]:
        """The ids of those rows with an earlier entry of their order not synchronized yet
        (failed, or pending), in one read."""
        ...

    def get(self, transaction_id: int) -> StoreTransactionRow | None: ...

    def search(
        self, *, status: str | None, store_code: str | None, limit: int, offset: int = 0
    ) -> Sequence[StoreTransactionRow]: ...

    def failed(self) -> Sequence[StoreTransactionRow]: ...

    def unacknowledged(self, store_code: str, limit: int) -> Sequence[StoreTransactionRow]: ...

    def statuses_of(self, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[str]]: ...

    def mark_acknowledged(self, sent: list[tuple[int, str, int]]) -> int: ...

    def counts(self) -> dict[str, int]: ...

    def job_finished(
        self, name: str, *, started_at: datetime, at: datetime, duration_ms: int, error: str | None
    ) -> None: ...

    def job_runs(self) -> Sequence[JobRunRow]: ...


class Outbox(Protocol):
    """E-mails waiting to be sent (docs/operations.md)."""

    def add(self, row: OutboxMessageRow) -> None: ...

    def get(self, message_id: uuid.UUID) -> OutboxMessageRow | None: ...

    def unsent(self, limit: int) -> Sequence[OutboxMessageRow]: ...

    def for_order(self, order_id: uuid.UUID) -> Sequence[OutboxMessageRow]: ...


@dataclass(frozen=True)
class LineToHandle:
    """One order line on a store's work list (the POS home): enough to show it and open
    its order, read without loading the order."""

    order_id: uuid.UUID
    channel_ref: str
    sales_order_number: str | None
    customer_name: str
    line_number: int
    sku: str
    description: str
    fulfilment: str
    requested_date: date | None
    pickup_by: str | None
    open_qty: int
    picked_qty: int


@dataclass(frozen=True)
class OrderToSync:
    """An order of this store with journal entries HQ has not synchronized yet."""

    order_id: uuid.UUID
    channel_ref: str
    customer_name: str
    created_at: datetime
    sync_statuses: tuple[str, ...]


class WorkLists(Protocol):
    """What waits for a store's associates, each list read in one query."""

    def to_collect(self, store_code: str, *, due_by: date, limit: int) -> Sequence[LineToHandle]:
        """Open pickup lines at the store that are picked, or due by `due_by` (or overdue)."""
        ...

    def to_pick(self, warehouse: str, *, limit: int) -> Sequence[LineToHandle]:
        """Open ship and pickup lines fulfilled from `warehouse` with units not picked yet."""
        ...

    def waiting_to_sync(self, store_code: str, *, limit: int) -> Sequence[OrderToSync]: ...


class UnitOfWork(Protocol):
    """One transaction: entered with `with`, rolled back on leaving unless committed."""

    @property
    def orders(self) -> Orders: ...

    @property
    def records(self) -> Records: ...

    @property
    def counters(self) -> Counters: ...

    @property
    def auth_sessions(self) -> AuthSessions: ...

    @property
    def sign_in_failures(self) -> SignInFailures: ...

    @property
    def journal(self) -> Journal: ...

    @property
    def staging(self) -> Staging: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def work_lists(self) -> WorkLists: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: what runs inside is undone alone if it raises."""
        ...

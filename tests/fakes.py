"""An in-memory unit of work for the fast tier of service tests (tests/fast/).

It keeps the promises of `service_layer/unit_of_work.py` that the use cases rely on: nothing is
seen by the next unit of work unless committed; a savepoint undoes only what ran inside it;
an order saved over a newer version is `StaleVersion`; an order or payment id taken twice is
`IdInUse`; records read in one unit of work are the same objects until it ends (so a change to
one is saved with the commit, as with a database session). Queries the fake cannot answer
honestly (HQ's staging of pulled journals) raise; synchronization is tested on databases.
"""

from __future__ import annotations

import builtins
import copy
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import inspect

from omniorder.adapters.orm import (
    AuthSessionRow,
    Base,
    ChargeCodeRow,
    CustomerRow,
    DeliveryModeRow,
    FunctionalityProfileRow,
    InventoryRow,
    JournalEntryRow,
    OutboxMessageRow,
    ParametersRow,
    ProductRow,
    SignInFailureRow,
    StaffRow,
    StoreRow,
    TaxRateRow,
)
from omniorder.adapters.records_codec import record_from_dict, record_to_dict
from omniorder.domain.errors import IdInUse, StaleVersion
from omniorder.domain.order import Order, OrderLine
from omniorder.domain.statuses import Fulfilment, SyncStatus
from omniorder.domain.stock import Position
from omniorder.domain.summary import OrderSummary, summary_of
from omniorder.service_layer.unit_of_work import (
    LineToHandle,
    OrderToSync,
    SyncSource,
    TakenIds,
    UnitOfWork,
)

RowT = TypeVar("RowT", bound=Base)
Key = tuple[type[Base], Any]


def _key(row: Base) -> Key:
    values = tuple(getattr(row, str(column.key)) for column in inspect(type(row)).primary_key)
    return type(row), values[0] if len(values) == 1 else values


def _clone(row: RowT) -> RowT:
    clone = record_from_dict(type(row), copy.deepcopy(record_to_dict(row)))
    assert isinstance(clone, type(row))
    return clone


class FakeDatabase:
    """What has been committed: orders as domain objects, records as rows, counters."""

    def __init__(self) -> None:
        self.orders: dict[uuid.UUID, Order] = {}
        self.rows: dict[Key, Base] = {}
        self.counters: dict[str, int] = {}
        self.commits = 0

    def load(self, rows: Sequence[Base]) -> None:
        """Seed records (e.g. `adapters.demo_data.demo_rows`), as if committed."""
        for row in rows:
            self.rows[_key(row)] = _clone(row)


class _State:
    """One unit of work's view: a copy of the committed state, changed in place."""

    def __init__(self, db: FakeDatabase) -> None:
        self.orders = copy.deepcopy(db.orders)
        self.rows = {key: _clone(row) for key, row in db.rows.items()}
        self.counters = dict(db.counters)

    def snapshot(self) -> tuple[dict[uuid.UUID, Order], dict[Key, dict[str, Any]], dict[str, int]]:
        return (
            copy.deepcopy(self.orders),
            {key: record_to_dict(row) for key, row in self.rows.items()},
            dict(self.counters),
        )

    def restore(
        self, saved: tuple[dict[uuid.UUID, Order], dict[Key, dict[str, Any]], dict[str, int]]
    ) -> None:
        orders, rows, counters = saved
        self.orders = orders
        self.rows = {key: record_from_dict(key[0], data) for key, data in rows.items()}
        self.counters = counters

    def of_type(self, row_type: type[RowT]) -> list[RowT]:
        return [
            row
            for (kind, _), row in self.rows.items()
            if kind is row_type and isinstance(row, row_type)
        ]


class FakeOrders:
    def __init__(self, state: _State) -> None:
        self.state = state

    def _payment_ids(self, except_order: uuid.UUID) -> set[uuid.UUID]:
        return {
            payment.id
            for order in self.state.orders.values()
            if order.id != except_order
            for payment in order.payments
        }

    def add(self, order: Order) -> None:
        taken = self._payment_ids(order.id)
        if order.id in self.state.orders or any(p.id in taken for p in order.payments):
            raise IdInUse(
                "id", f"Order {order.channel_ref} ({order.id}) was saved by another request."
            )
        self.state.orders[order.id] = copy.deepcopy(order)

    def get(self, order_id: uuid.UUID, *, for_update: bool = False) -> Order | None:
        order = self.state.orders.get(order_id)
        return copy.deepcopy(order)

    def get_many(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Order]:
        return {i: copy.deepcopy(self.state.orders[i]) for i in order_ids if i in self.state.orders}

    def get_by_ref(self, ref: str, *, for_update: bool = False) -> Order | None:
        for order in self.state.orders.values():
            if ref in (order.sales_order_number, order.channel_ref, str(order.id)):
                return copy.deepcopy(order)
        return None

    def order_of_payment(self, payment_id: uuid.UUID) -> uuid.UUID | None:
        for order in self.state.orders.values():
            if any(payment.id == payment_id for payment in order.payments):
                found: uuid.UUID = order.id
                return found
        return None

    def taken_ids(self, order_id: uuid.UUID, payment_ids: Sequence[uuid.UUID]) -> TakenIds:
        owners = {p: o for p in payment_ids if (o := self.order_of_payment(p)) is not None}
        return TakenIds(order=order_id in self.state.orders, payments=owners)

    def put(self, order: Order) -> None:
        self.state.orders[order.id] = copy.deepcopy(order)

    def save(self, order: Order, *, expected_version: int) -> None:
        current = self.state.orders.get(order.id)
        if current is None or current.version != expected_version:
            raise StaleVersion(
                f"Order {order.channel_ref} was changed by someone else; reload it and try again.",
                current_version=None if current is None else current.version,
            )
        if any(p.id in self._payment_ids(order.id) for p in order.payments):
            raise IdInUse("payment id", "A payment id of this change is already in use.")
        self.state.orders[order.id] = copy.deepcopy(order)

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
        def numbers(order: Order) -> list[str | None]:
            invoices = [invoice.number for invoice in order.invoices]
            return [order.sales_order_number, order.channel_ref, *invoices]

        # As the SQL search: an exact number finds its order, before the substring search.
        exact = bool(text) and any(text in numbers(o) for o in self.state.orders.values())

        def matches(order: Order) -> bool:
            words = [order.sales_order_number, order.channel_ref, order.customer_name]
            found = (
                text in numbers(order)
                if exact
                else any((text or "").lower() in (w or "").lower() for w in words)
            )
            return (
                (not text or found)
                and (not customer_account or order.customer_account == customer_account)
                and (not store_code or order.store_code == store_code)
                and (not status or order.status.value == status)
                and (not sku or any(line.sku == sku for line in order.lines))
                and (not created_from or order.created_at >= created_from)
                and (not created_to or order.created_at < created_to)
            )

        found = sorted(
            (o for o in self.state.orders.values() if matches(o)),
            key=lambda o: (-o.created_at.timestamp(), str(o.id)),
        )
        if sync_from == "staging":
            raise NotImplementedError("The fake unit of work has no staging.")
        entries = self.state.of_type(JournalEntryRow) if sync_from == "journal" else []

        def synced(order: Order) -> SyncStatus | None:
            return SyncStatus.of_entries(e.sync_status for e in entries if e.order_id == order.id)

        return [summary_of(o, sync_status=synced(o)) for o in found[offset : offset + limit]]


class FakeRecords:
    def __init__(self, state: _State) -> None:
        self.state = state

    def get(self, row_type: type[RowT], key: Any) -> RowT | None:
        row = self.state.rows.get((row_type, key))
        return row if isinstance(row, row_type) else None

    def list(self, row_type: type[RowT], *order_by: Any) -> Sequence[RowT]:
        keys = [column.key for column in order_by] or [
            column.key for column in inspect(row_type).primary_key
        ]
        return sorted(
            self.state.of_type(row_type), key=lambda r: tuple(getattr(r, k) for k in keys)
        )

    def put(self, row: RowT) -> RowT:
        self.state.rows[_key(row)] = row
        return row

    def delete(self, row: Base) -> None:
        del self.state.rows[_key(row)]

    def clear(self, row_type: type[Base]) -> None:
        for row in self.state.of_type(row_type):
            del self.state.rows[_key(row)]

    def export(
        self, row_type: type[Base], *, exclude: frozenset[str] = frozenset()
    ) -> builtins.list[dict[str, Any]]:
        return [record_to_dict(row, exclude=exclude) for row in self.list(row_type)]

    def replace_all(self, row_type: type[Base], items: Sequence[dict[str, Any]]) -> int:
        self.clear(row_type)
        for item in items:
            self.put(record_from_dict(row_type, item))
        return len(items)

    def parameters(self) -> ParametersRow | None:
        return self.get(ParametersRow, 1)

    def store(self, code: str) -> StoreRow | None:
        return self.get(StoreRow, code)

    def store_by_token_hash(self, token_hash: str) -> StoreRow | None:
        return next((s for s in self.list(StoreRow) if s.token_hash == token_hash), None)

    def profile(self, code: str) -> FunctionalityProfileRow | None:
        return self.get(FunctionalityProfileRow, code)

    def product(self, sku: str) -> ProductRow | None:
        return self.get(ProductRow, sku)

    def delivery_mode(self, code: str) -> DeliveryModeRow | None:
        return self.get(DeliveryModeRow, code)

    def charge_code(self, code: str) -> ChargeCodeRow | None:
        return self.get(ChargeCodeRow, code)

    def customer(self, account: str) -> CustomerRow | None:
        return self.get(CustomerRow, account)

    def staff(self, operator_id: str) -> StaffRow | None:
        return self.get(StaffRow, operator_id)

    def tax_rates(self) -> Sequence[TaxRateRow]:
        return self.state.of_type(TaxRateRow)

    def search_customers(self, text: str, limit: int = 25) -> Sequence[CustomerRow]:
        text = text.lower()
        found = [
            c
            for c in self.list(CustomerRow, CustomerRow.name)
            if any(text in (v or "").lower() for v in (c.account, c.name, c.phone, c.email))
        ]
        return found[:limit]

    def search_products(self, text: str, limit: int = 25) -> Sequence[ProductRow]:
        found = [
            p
            for p in self.list(ProductRow, ProductRow.name)
            if text.lower() in p.sku.lower() or text.lower() in p.name.lower() or p.barcode == text
        ]
        return found[:limit]

    def inventory(self, sku: str) -> Sequence[InventoryRow]:
        return [r for r in self.list(InventoryRow, InventoryRow.location) if r.sku == sku]

    def inventory_of(self, skus: Sequence[str]) -> Sequence[InventoryRow]:
        return [row for sku in skus for row in self.inventory(sku)]

    def adjust_stock(self, location: str, sku: str, *, on_hand: int = 0, reserved: int = 0) -> None:
        row = self.get(InventoryRow, (location, sku))
        if row is None:
            row = self.put(InventoryRow(location=location, sku=sku, on_hand_qty=0, reserved_qty=0))
        row.on_hand_qty += on_hand
        row.reserved_qty += reserved

    def adjust_stocks(self, changes: Position) -> builtins.list[InventoryRow]:
        for (location, sku), (reserved, on_hand) in changes.items():
            self.adjust_stock(location, sku, on_hand=on_hand, reserved=reserved)
        changed = (self.get(InventoryRow, key) for key in sorted(changes))
        return [
            InventoryRow(
                location=row.location,
                sku=row.sku,
                on_hand_qty=row.on_hand_qty,
                reserved_qty=row.reserved_qty,
            )
            for row in changed
            if row is not None
        ]


class FakeCounters:
    def __init__(self, state: _State) -> None:
        self.state = state

    def next(self, name: str) -> int:
        self.state.counters[name] = self.state.counters.get(name, 0) + 1
        return self.state.counters[name]


class FakeAuthSessions:
    def __init__(self, records: FakeRecords) -> None:
        self.records = records

    def add(self, row: AuthSessionRow) -> None:
        self.records.put(row)

    def get(self, token_hash: str) -> AuthSessionRow | None:
        return self.records.get(AuthSessionRow, token_hash)

    def delete(self, token_hash: str) -> None:
        row = self.get(token_hash)
        if row is not None:
            self.records.delete(row)


class FakeSignInFailures:
    def __init__(self, records: FakeRecords) -> None:
        self.records = records

    def get(self, key: str) -> SignInFailureRow | None:
        return self.records.get(SignInFailureRow, key)

    def claim(self, key: str, now: datetime) -> SignInFailureRow:
        row = self.get(key)
        if row is None:
            row = SignInFailureRow(
                key=key, failures=0, first_failed_at=now, last_failed_at=now, locked_until=None
            )
            self.records.put(row)
        return row

    def clear(self, key: str) -> None:
        row = self.get(key)
        if row is not None:
            self.records.delete(row)


class FakeJournal:
    def __init__(self, records: FakeRecords) -> None:
        self.records = records

    def _entries(self) -> list[JournalEntryRow]:
        return sorted(self.records.state.of_type(JournalEntryRow), key=lambda r: r.seq)

    def append(self, row: JournalEntryRow) -> None:
        self.records.put(row)

    def after(self, seq: int, limit: int) -> Sequence[JournalEntryRow]:
        return [r for r in self._entries() if r.seq > seq][:limit]

    def get(self, entry_id: uuid.UUID) -> JournalEntryRow | None:
        return next((r for r in self._entries() if r.id == entry_id), None)

    def for_order(self, order_id: uuid.UUID) -> Sequence[JournalEntryRow]:
        return [r for r in self._entries() if r.order_id == order_id]

    def statuses_of(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        result: dict[uuid.UUID, list[str]] = {}
        for row in self._entries():
            if row.order_id in order_ids:
                result.setdefault(row.order_id, []).append(row.sync_status)
        return result

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self._entries():
            counts[row.sync_status] = counts.get(row.sync_status, 0) + 1
        return counts

    def mark(
        self,
        entry_id: uuid.UUID,
        *,
        sync_status: str,
        sales_order_number: str | None,
        error: str | None,
    ) -> bool:
        row = self.get(entry_id)
        if row is None:
            return False
        row.sync_status = sync_status
        row.sales_order_number = sales_order_number
        row.error = error
        return True


class NoStaging:
    """HQ's staging needs SQL (claims, watermarks): synchronization runs on databases."""

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"The fake unit of work has no staging ({name}).")


class FakeOutbox:
    def __init__(self, records: FakeRecords) -> None:
        self.records = records

    def add(self, row: OutboxMessageRow) -> None:
        self.records.put(row)

    def get(self, message_id: uuid.UUID) -> OutboxMessageRow | None:
        return self.records.get(OutboxMessageRow, message_id)

    def unsent(self, limit: int) -> Sequence[OutboxMessageRow]:
        rows = [r for r in self.records.state.of_type(OutboxMessageRow) if r.sent_at is None]
        return sorted(rows, key=lambda r: r.created_at)[:limit]

    def for_order(self, order_id: uuid.UUID) -> Sequence[OutboxMessageRow]:
        return [r for r in self.records.state.of_type(OutboxMessageRow) if r.order_id == order_id]


def conforms(db: FakeDatabase) -> UnitOfWork:
    """mypy checks here that the fake keeps the protocol (./scripts/test runs it)."""
    return FakeUnitOfWork(db)


class FakeWorkLists:
    """The work lists over the fake's orders and journal, as `WorkListRepository` reads them."""

    def __init__(self, state: _State, journal: FakeJournal) -> None:
        self.state, self.journal = state, journal

    def _lines(self, keep: Callable[[OrderLine], bool]) -> list[LineToHandle]:
        found = [
            LineToHandle(
                order.id,
                order.channel_ref,
                order.sales_order_number,
                order.customer_name,
                line.line_number,
                line.sku,
                line.description,
                line.fulfilment.value,
                line.requested_date,
                line.pickup_by,
                line.open_qty,
                line.picked_qty,
            )
            for order in self.state.orders.values()
            if not order.is_quote
            for line in order.lines
            if keep(line)
        ]
        return sorted(
            found, key=lambda x: (x.requested_date or date.min, x.channel_ref, x.line_number)
        )

    def to_collect(self, store_code: str, *, due_by: date, limit: int) -> Sequence[LineToHandle]:
        return self._lines(
            lambda line: (
                line.fulfilment is Fulfilment.PICKUP
                and line.location == store_code
                and line.open_qty > 0
                and (line.picked_qty > 0 or (line.requested_date or due_by) <= due_by)
            )
        )[:limit]

    def to_pick(self, warehouse: str, *, limit: int) -> Sequence[LineToHandle]:
        return self._lines(
            lambda line: (
                line.fulfilment is not Fulfilment.CARRY_OUT
                and line.location == warehouse
                and line.open_qty - line.picked_qty > 0
            )
        )[:limit]

    def waiting_to_sync(self, store_code: str, *, limit: int) -> Sequence[OrderToSync]:
        found: list[OrderToSync] = []
        for order in sorted(self.state.orders.values(), key=lambda o: (o.created_at, o.id)):
            statuses = tuple(row.sync_status for row in self.journal.for_order(order.id))
            if order.store_code == store_code and any(s != "synchronized" for s in statuses):
                found.append(
                    OrderToSync(
                        order.id, order.channel_ref, order.customer_name, order.created_at, statuses
                    )
                )
        return found[:limit]


class FakeUnitOfWork:
    """One unit of work over a `FakeDatabase`; hand a fresh one to each use case call."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    def __enter__(self) -> Self:
        self.state = _State(self.db)
        self.orders = FakeOrders(self.state)
        self.records = FakeRecords(self.state)
        self.counters = FakeCounters(self.state)
        self.auth_sessions = FakeAuthSessions(self.records)
        self.sign_in_failures = FakeSignInFailures(self.records)
        self.journal = FakeJournal(self.records)
        self.staging: Any = NoStaging()
        self.outbox = FakeOutbox(self.records)
        self.work_lists = FakeWorkLists(self.state, self.journal)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        del self.state  # whatever was not committed is gone

    def commit(self) -> None:
        self.db.orders = copy.deepcopy(self.state.orders)
        self.db.rows = {key: _clone(row) for key, row in self.state.rows.items()}
        self.db.counters = dict(self.state.counters)
        self.db.commits += 1

    def rollback(self) -> None:
        self.state.restore(_State(self.db).snapshot())

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        saved = self.state.snapshot()
        try:
            yield
        except BaseException:
            self.state.restore(saved)
            raise

"""Repositories: the only code that queries the database."""

from __future__ import annotations

import builtins
import contextlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, delete, func, inspect, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from omniorder.adapters import records_codec
from omniorder.adapters.order_mapping import order_from_row, order_to_row
from omniorder.adapters.orm import (
    AuthSessionRow,
    Base,
    ChargeCodeRow,
    CounterRow,
    CustomerRow,
    DeliveryModeRow,
    FunctionalityProfileRow,
    InventoryRow,
    InvoiceRow,
    JournalEntryRow,
    OrderLineRow,
    OrderRow,
    OutboxMessageRow,
    ParametersRow,
    PaymentRow,
    ProductRow,
    PullWatermarkRow,
    SignInFailureRow,
    StaffRow,
    StoreRow,
    StoreTransactionRow,
    TaxRateRow,
)
from omniorder.domain.errors import IdInUse, StaleVersion
from omniorder.domain.order import Order

RowT = TypeVar("RowT", bound=Base)

# The longest sales order number, channel reference or invoice number a column holds.
MAX_NUMBER_LENGTH = 40


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, order: Order) -> None:
        self.session.add(order_to_row(order))
        self._flush(order)

    def _flush(self, order: Order) -> None:
        """Flush; a unique key taken meanwhile (another request with the same order or
        payment id, committed first) is the domain's `IdInUse`, for the caller to settle."""
        try:
            self.session.flush()
        except IntegrityError as error:
            raise IdInUse(
                "id", f"Order {order.channel_ref} ({order.id}) was saved by another request."
            ) from error

    def get(self, order_id: uuid.UUID, *, for_update: bool = False) -> Order | None:
        """The order; `for_update` locks its row until the transaction ends (PostgreSQL's
        `SELECT … FOR UPDATE`; on SQLite every transaction is already the only writer)."""
        row = self.session.get(OrderRow, order_id, with_for_update=for_update or None)
        return None if row is None else order_from_row(row)

    def get_by_ref(self, ref: str, *, for_update: bool = False) -> Order | None:
        """By sales order number, channel reference id or id (docs/rules.md §3)."""
        conditions = [OrderRow.sales_order_number == ref, OrderRow.channel_ref == ref]
        with contextlib.suppress(ValueError):
            conditions.append(OrderRow.id == uuid.UUID(ref))
        query = select(OrderRow).where(or_(*conditions))
        if for_update:
            query = query.with_for_update(of=OrderRow)
        row = self.session.scalars(query).first()
        return None if row is None else order_from_row(row)

    def order_of_payment(self, payment_id: uuid.UUID) -> uuid.UUID | None:
        """The order a payment id belongs to, if any (payment ids are unique everywhere)."""
        return self.session.scalar(select(PaymentRow.order_id).where(PaymentRow.id == payment_id))

    def put(self, order: Order) -> None:
        """Store a copy of the order as another system of record has it (HQ's, at a store)."""
        self.session.merge(order_to_row(order))
        self._flush(order)

    def save(self, order: Order, *, expected_version: int) -> None:
        """Store a changed order; refuses when someone else saved a newer version first."""
        result = self.session.execute(
            update(OrderRow)
            .where(OrderRow.id == order.id, OrderRow.version == expected_version)
            .values(version=order.version)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion(
                f"Order {order.channel_ref} was changed by someone else; reload it and try again."
            )
        self.session.merge(order_to_row(order))
        self.session.flush()

    def search(
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
    ) -> list[Order]:
        query: Select[tuple[OrderRow]] = select(OrderRow)
        exact = self._exactly_numbered(text) if text else []
        if exact:
            query = query.where(OrderRow.id.in_(exact))
        elif text:
            like = f"%{text.lower()}%"
            query = query.where(
                or_(
                    func.lower(OrderRow.sales_order_number).like(like),
                    func.lower(OrderRow.channel_ref).like(like),
                    func.lower(OrderRow.customer_name).like(like),
                    func.lower(OrderRow.customer_account).like(like),
                    OrderRow.customer_account.in_(
                        select(CustomerRow.account).where(
                            or_(
                                func.lower(CustomerRow.phone).like(like),
                                func.lower(CustomerRow.email).like(like),
                            )
                        )
                    ),
                    OrderRow.id.in_(
                        select(InvoiceRow.order_id).where(func.lower(InvoiceRow.number).like(like))
                    ),
                )
            )
        if customer_account:
            query = query.where(OrderRow.customer_account == customer_account)
        if store_code:
            query = query.where(OrderRow.store_code == store_code)
        if status:
            query = query.where(OrderRow.status == status)
        if sku:
            query = query.where(
                OrderRow.id.in_(select(OrderLineRow.order_id).where(OrderLineRow.sku == sku))
            )
        if created_from:
            query = query.where(OrderRow.created_at >= created_from)
        if created_to:
            query = query.where(OrderRow.created_at < created_to)
        query = query.order_by(OrderRow.created_at.desc(), OrderRow.id).limit(limit).offset(offset)
        return [order_from_row(row) for row in self.session.scalars(query)]

    def _exactly_numbered(self, text: str) -> list[uuid.UUID]:
        """The orders whose sales order number, channel reference or an invoice number is
        exactly `text`, looked up by their unique indexes: find order's fast path, before
        the substring scan (which answers when nothing is numbered so)."""
        if len(text) > MAX_NUMBER_LENGTH:
            return []
        numbered = select(OrderRow.id).where(
            or_(OrderRow.sales_order_number == text, OrderRow.channel_ref == text)
        )
        invoiced = select(InvoiceRow.order_id).where(InvoiceRow.number == text)
        return list(self.session.scalars(numbered.union(invoiced)))


class RecordRepository:
    """Master data records (stores, products, customers, …): plain rows, read and written whole."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, row_type: type[RowT], key: Any) -> RowT | None:
        return self.session.get(row_type, key)

    def list(self, row_type: type[RowT], *order_by: Any) -> Sequence[RowT]:
        return self.session.scalars(select(row_type).order_by(*order_by)).all()

    def put(self, row: RowT) -> RowT:
        merged = self.session.merge(row)
        self.session.flush()
        return merged

    def delete(self, row: Base) -> None:
        self.session.delete(row)
        self.session.flush()

    def clear(self, row_type: type[Base]) -> None:
        self.session.execute(delete(row_type))

    def export(
        self, row_type: type[Base], *, exclude: frozenset[str] = frozenset()
    ) -> builtins.list[dict[str, Any]]:
        rows = self.list(row_type, *inspect(row_type).primary_key)
        return [records_codec.record_to_dict(row, exclude=exclude) for row in rows]

    def replace_all(self, row_type: type[Base], items: Sequence[dict[str, Any]]) -> int:
        """Replace a whole cached table in one go (channel-data download at the store)."""
        self.clear(row_type)
        self.session.add_all(records_codec.record_from_dict(row_type, item) for item in items)
        self.session.flush()
        return len(items)

    def parameters(self) -> ParametersRow | None:
        return self.session.get(ParametersRow, 1)

    def store(self, code: str) -> StoreRow | None:
        return self.session.get(StoreRow, code)

    def store_by_token_hash(self, token_hash: str) -> StoreRow | None:
        return self.session.scalars(
            select(StoreRow).where(StoreRow.token_hash == token_hash).order_by(StoreRow.code)
        ).first()

    def profile(self, code: str) -> FunctionalityProfileRow | None:
        return self.session.get(FunctionalityProfileRow, code)

    def product(self, sku: str) -> ProductRow | None:
        return self.session.get(ProductRow, sku)

    def delivery_mode(self, code: str) -> DeliveryModeRow | None:
        return self.session.get(DeliveryModeRow, code)

    def charge_code(self, code: str) -> ChargeCodeRow | None:
        return self.session.get(ChargeCodeRow, code)

    def customer(self, account: str) -> CustomerRow | None:
        return self.session.get(CustomerRow, account)

    def staff(self, operator_id: str) -> StaffRow | None:
        return self.session.get(StaffRow, operator_id)

    def tax_rates(self) -> Sequence[TaxRateRow]:
        return self.session.scalars(select(TaxRateRow)).all()

    def search_customers(self, text: str, limit: int = 25) -> Sequence[CustomerRow]:
        like = f"%{text.lower()}%"
        return self.session.scalars(
            select(CustomerRow)
            .where(
                or_(
                    func.lower(CustomerRow.account).like(like),
                    func.lower(CustomerRow.name).like(like),
                    func.lower(CustomerRow.phone).like(like),
                    func.lower(CustomerRow.email).like(like),
                )
            )
            .order_by(CustomerRow.name)
            .limit(limit)
        ).all()

    def search_products(self, text: str, limit: int = 25) -> Sequence[ProductRow]:
        like = f"%{text.lower()}%"
        return self.session.scalars(
            select(ProductRow)
            .where(
                or_(
                    func.lower(ProductRow.sku).like(like),
                    func.lower(ProductRow.name).like(like),
                    ProductRow.barcode == text,
                )
            )
            .order_by(ProductRow.name)
            .limit(limit)
        ).all()

    def inventory(self, sku: str) -> Sequence[InventoryRow]:
        return self.session.scalars(
            select(InventoryRow).where(InventoryRow.sku == sku).order_by(InventoryRow.location)
        ).all()

    def adjust_stock(self, location: str, sku: str, *, on_hand: int = 0, reserved: int = 0) -> None:
        """Change stock at a location; a location without a row starts with none."""
        row = self.session.get(InventoryRow, (location, sku), with_for_update=True)
        if row is None:
            row = InventoryRow(location=location, sku=sku, on_hand_qty=0, reserved_qty=0)
            self.session.add(row)
        row.on_hand_qty += on_hand
        row.reserved_qty += reserved
        self.session.flush()


class CounterRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next(self, name: str) -> int:
        """The next number of a named sequence; concurrent callers never get the same one."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(CounterRow)
            .values(name=name, value=1)
            .on_conflict_do_update(
                index_elements=[CounterRow.name], set_={"value": CounterRow.value + 1}
            )
            .returning(CounterRow.value)
        )
        return int(self.session.execute(statement).scalar_one())


class AuthSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: AuthSessionRow) -> None:
        self.session.add(row)
        self.session.flush()

    def get(self, token_hash: str) -> AuthSessionRow | None:
        return self.session.get(AuthSessionRow, token_hash)

    def delete(self, token_hash: str) -> None:
        self.session.execute(delete(AuthSessionRow).where(AuthSessionRow.token_hash == token_hash))


class SignInFailureRepository:
    """Failed sign-ins per throttle key, shared by every worker process of a server."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> SignInFailureRow | None:
        return self.session.get(SignInFailureRow, key)

    def claim(self, key: str, now: datetime) -> SignInFailureRow:
        """The key's row, created empty if missing and locked until the transaction ends, so
        that two failures at once are both counted."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.session.execute(
            insert(SignInFailureRow)
            .values(key=key, failures=0, first_failed_at=now, last_failed_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        row = self.session.get(SignInFailureRow, key, with_for_update=True, populate_existing=True)
        assert row is not None
        return row

    def clear(self, key: str) -> None:
        self.session.execute(delete(SignInFailureRow).where(SignInFailureRow.key == key))


class JournalRepository:
    """The store's append-only journal (docs/rules.md §10)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, row: JournalEntryRow) -> None:
        self.session.add(row)
        self.session.flush()

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
        self.session.flush()
        return True

    def after(self, seq: int, limit: int) -> Sequence[JournalEntryRow]:
        return self.session.scalars(
            select(JournalEntryRow)
            .where(JournalEntryRow.seq > seq)
            .order_by(JournalEntryRow.seq)
            .limit(limit)
        ).all()

    def get(self, entry_id: uuid.UUID) -> JournalEntryRow | None:
        return self.session.scalars(
            select(JournalEntryRow).where(JournalEntryRow.id == entry_id)
        ).first()

    def for_order(self, order_id: uuid.UUID) -> Sequence[JournalEntryRow]:
        return self.session.scalars(
            select(JournalEntryRow)
            .where(JournalEntryRow.order_id == order_id)
            .order_by(JournalEntryRow.seq)
        ).all()

    def statuses_of(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        result: dict[uuid.UUID, list[str]] = {}
        if not order_ids:
            return result
        rows = self.session.execute(
            select(JournalEntryRow.order_id, JournalEntryRow.sync_status)
            .where(JournalEntryRow.order_id.in_(list(order_ids)))
            .order_by(JournalEntryRow.seq)
        ).all()
        for order_id, status in rows:
            result.setdefault(order_id, []).append(status)
        return result

    def counts(self) -> dict[str, int]:
        rows = self.session.execute(
            select(JournalEntryRow.sync_status, func.count()).group_by(JournalEntryRow.sync_status)
        ).all()
        return {row[0]: row[1] for row in rows}


class StagingRepository:
    """HQ staging of pulled store transactions, and the pull watermarks."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def watermark(self, store_code: str) -> int:
        row = self.session.get(PullWatermarkRow, store_code)
        return row.last_seq if row else 0

    def stage(self, rows: Sequence[dict[str, Any]], store_code: str, last_seq: int) -> int:
        """Insert pulled entries, ignoring ones already staged, and advance the watermark —
        in the caller's transaction, so both happen or neither does."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        inserted = 0
        if rows:
            statement = (
                insert(StoreTransactionRow)
                .values(list(rows))
                .on_conflict_do_nothing(index_elements=["store_code", "entry_id"])
                .returning(StoreTransactionRow.id)
            )
            inserted = len(self.session.execute(statement).all())
        watermark = (
            insert(PullWatermarkRow)
            .values(store_code=store_code, last_seq=last_seq)
            .on_conflict_do_update(
                index_elements=["store_code"],
                set_={"last_seq": func.max(PullWatermarkRow.last_seq, last_seq)}
                if dialect == "sqlite"
                else {"last_seq": func.greatest(PullWatermarkRow.last_seq, last_seq)},
            )
        )
        self.session.execute(watermark)
        return inserted

    def claim_pending(self, limit: int) -> Sequence[StoreTransactionRow]:
        """Pending entries in journal order whose earlier entries (same store and order) are
        all synchronized; on PostgreSQL, rows another worker holds are skipped
        (FOR UPDATE SKIP LOCKED)."""
        earlier = aliased(StoreTransactionRow)
        blocked = (
            select(earlier.id)
            .where(
                earlier.store_code == StoreTransactionRow.store_code,
                earlier.order_id == StoreTransactionRow.order_id,
                earlier.seq < StoreTransactionRow.seq,
                earlier.status != "synchronized",
            )
            .exists()
        )
        query = (
            select(StoreTransactionRow)
            .where(StoreTransactionRow.status == "pending", ~blocked)
            .order_by(StoreTransactionRow.store_code, StoreTransactionRow.seq)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=StoreTransactionRow)
        return self.session.scalars(query).all()

    def is_blocked(self, row: StoreTransactionRow) -> bool:
        """An earlier entry of the same order is not synchronized yet (failed, or pending)."""
        earlier = self.session.scalars(
            select(StoreTransactionRow.id)
            .where(
                StoreTransactionRow.store_code == row.store_code,
                StoreTransactionRow.order_id == row.order_id,
                StoreTransactionRow.seq < row.seq,
                StoreTransactionRow.status != "synchronized",
            )
            .limit(1)
        ).first()
        return earlier is not None

    def get(self, transaction_id: int) -> StoreTransactionRow | None:
        return self.session.get(StoreTransactionRow, transaction_id)

    def search(
        self, *, status: str | None, store_code: str | None, limit: int, offset: int = 0
    ) -> Sequence[StoreTransactionRow]:
        query = select(StoreTransactionRow)
        if status:
            query = query.where(StoreTransactionRow.status == status)
        if store_code:
            query = query.where(StoreTransactionRow.store_code == store_code)
        query = query.order_by(StoreTransactionRow.store_code, StoreTransactionRow.seq)
        return self.session.scalars(query.limit(limit).offset(offset)).all()

    def failed(self) -> Sequence[StoreTransactionRow]:
        return self.search(status="failed", store_code=None, limit=100_000)

    def unacknowledged(self, store_code: str, limit: int) -> Sequence[StoreTransactionRow]:
        return self.session.scalars(
            select(StoreTransactionRow)
            .where(
                StoreTransactionRow.store_code == store_code,
                StoreTransactionRow.status != "pending",
                StoreTransactionRow.is_acknowledged.is_(False),
            )
            .order_by(StoreTransactionRow.seq)
            .limit(limit)
        ).all()

    def statuses_of(self, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
        """The statuses of each order's staged entries (orders made in sync mode have none)."""
        result: dict[uuid.UUID, set[str]] = {}
        if not order_ids:
            return result
        rows = self.session.execute(
            select(StoreTransactionRow.order_id, StoreTransactionRow.status)
            .where(StoreTransactionRow.order_id.in_(order_ids))
            .distinct()
        ).all()
        for order_id, status in rows:
            result.setdefault(order_id, set()).add(status)
        return result

    def mark_acknowledged(self, sent: list[tuple[int, str, int]]) -> int:
        """Mark rows acknowledged, each only if it is still as it was when it was sent."""
        marked = 0
        for row_id, status, retry_count in sent:
            result = self.session.execute(
                update(StoreTransactionRow)
                .where(
                    StoreTransactionRow.id == row_id,
                    StoreTransactionRow.status == status,
                    StoreTransactionRow.retry_count == retry_count,
                )
                .values(is_acknowledged=True)
            )
            marked += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return marked

    def counts(self) -> dict[str, int]:
        rows = self.session.execute(
            select(StoreTransactionRow.status, func.count()).group_by(StoreTransactionRow.status)
        ).all()
        return {row[0]: row[1] for row in rows}


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: OutboxMessageRow) -> None:
        self.session.add(row)
        self.session.flush()

    def get(self, message_id: uuid.UUID) -> OutboxMessageRow | None:
        return self.session.get(OutboxMessageRow, message_id)

    def unsent(self, limit: int) -> Sequence[OutboxMessageRow]:
        query = (
            select(OutboxMessageRow)
            .where(OutboxMessageRow.sent_at.is_(None))
            .order_by(OutboxMessageRow.created_at)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return self.session.scalars(query).all()

    def for_order(self, order_id: uuid.UUID) -> Sequence[OutboxMessageRow]:
        return self.session.scalars(
            select(OutboxMessageRow).where(OutboxMessageRow.order_id == order_id)
        ).all()

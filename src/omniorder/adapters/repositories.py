"""Repositories: the only code that queries the database."""

from __future__ import annotations

import builtins
import contextlib
import functools
import uuid
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    String,
    TextClause,
    Uuid,
    any_,
    bindparam,
    cast,
    column,
    delete,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, joinedload

from omniorder.adapters import master_cache, records_codec
from omniorder.adapters.order_mapping import order_from_row, order_to_row, order_values
from omniorder.adapters.orm import (
    AuthSessionRow,
    Base,
    ChargeCodeRow,
    CustomerRow,
    DeliveryModeRow,
    FunctionalityProfileRow,
    InventoryRow,
    InvoiceRow,
    JobRunRow,
    JournalEntryRow,
    OrderEventRow,
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
from omniorder.adapters.text_search import (
    CUSTOMER_TEXT,
    INVOICE_TEXT,
    MIN_TRIGRAM_TEXT,
    ORDER_TEXT,
    Mirror,
    digits_of_phone,
    fts_phrase,
    phone_digits,
)
from omniorder.domain.errors import IdInUse, StaleVersion
from omniorder.domain.money import Money
from omniorder.domain.order import Order
from omniorder.domain.statuses import OrderStatus, OrderType, SyncStatus
from omniorder.domain.stock import Position
from omniorder.domain.summary import OrderSummary
from omniorder.service_layer.unit_of_work import SyncSource, TakenIds

RowT = TypeVar("RowT", bound=Base)

# The longest sales order number, channel reference or invoice number a column holds.
MAX_NUMBER_LENGTH = 40
# Find order takes the orders by the rows a text index lists when it lists at most this many;
# else it reads the newest orders in turn (OrderRepository._containing).
FEW_MATCHES = 1000


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, order: Order) -> None:
        """Insert a new order: one Core `INSERT` per table of its rows (executemany), none
        for an empty table, and nothing read back. The rows are not in the session's
        identity map: whatever reads the order later in the transaction gets it from the
        database (`get`, `put` and `save` all do). What the caller changed in the session
        before (a customer's new address) is flushed first, under the same `IdInUse`."""
        connection = self.session.connection()
        with self._id_in_use(order):
            self.session.flush()
            for row_type, rows in order_values(order).items():
                if rows:
                    connection.execute(_insert_into(row_type), rows)

    def taken_ids(self, order_id: uuid.UUID, payment_ids: Sequence[uuid.UUID]) -> TakenIds:
        """Whether the order id is taken, and which payment ids belong to which order, in one
        query — which also reads the master-data stamp (adapters/master_cache.py; kept when
        the transaction has none yet), sparing the statement a create's next read spends."""
        rows = self.session.execute(
            _TAKEN_IDS, {"order_id": order_id, "payment_ids": list(payment_ids)}
        ).all()
        master_cache.note_stamp(self.session, rows[0][3])
        return TakenIds(
            order=bool(rows[0][2]),
            payments={row[0]: row[1] for row in rows if row[0] is not None},
        )

    def _flush(self, order: Order) -> None:
        with self._id_in_use(order):
            self.session.flush()

    @contextlib.contextmanager
    def _id_in_use(self, order: Order) -> Iterator[None]:
        """A unique key taken meanwhile (another request with the same order or payment id,
        committed first) is the domain's `IdInUse`, for the caller to settle."""
        try:
            yield
        except IntegrityError as error:
            raise IdInUse(
                "id", f"Order {order.channel_ref} ({order.id}) was saved by another request."
            ) from error

    def get(self, order_id: uuid.UUID, *, for_update: bool = False) -> Order | None:
        """The order; `for_update` locks its row until the transaction ends (PostgreSQL's
        `SELECT … FOR UPDATE`; on SQLite every transaction is already the only writer)."""
        row = self.session.get(OrderRow, order_id, with_for_update=for_update or None)
        return None if row is None else order_from_row(row)

    def get_many(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Order]:
        """Whole orders by id, one query per table however many they are."""
        if not order_ids:
            return {}
        rows = self.session.scalars(select(OrderRow).where(OrderRow.id.in_(set(order_ids))))
        return {row.id: order_from_row(row) for row in rows}

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
        """The summaries of the orders matching every filter given, newest first
        (docs/rules.md §3), found through an index whatever the filters, in one query for
        the page (docs/performance.md, "Find"): the page's ids and sort keys first, then
        their columns, the time of their latest history entry and, with `sync_from`, the
        statuses of their journal entries (a store) or staged copies (HQ), per row of the
        page only."""
        page: Select[tuple[uuid.UUID, datetime]] = select(OrderRow.id, OrderRow.created_at)
        if text:
            page = page.where(self._matching_text(text))
        if customer_account:
            page = page.where(OrderRow.customer_account == customer_account)
        if store_code:
            page = page.where(OrderRow.store_code == store_code)
        if status:
            page = page.where(OrderRow.status == status)
        if sku:
            page = page.where(
                OrderRow.id.in_(select(OrderLineRow.order_id).where(OrderLineRow.sku == sku))
            )
        if created_from:
            page = page.where(OrderRow.created_at >= created_from)
        if created_to:
            page = page.where(OrderRow.created_at < created_to)
        keys = (
            page.order_by(OrderRow.created_at.desc(), OrderRow.id)
            .limit(limit)
            .offset(offset)
            .subquery()
        )
        changed_at = (
            select(func.max(OrderEventRow.at))
            .where(OrderEventRow.order_id == OrderRow.id)
            .scalar_subquery()
        )
        synced: Any = literal_column("NULL")
        if sync_from is not None:
            entry_order, entry_status = SYNC_SOURCES[sync_from]
            synced = (
                select(func.aggregate_strings(entry_status, ","))
                .where(entry_order == OrderRow.id)
                .scalar_subquery()
            )
        query = (
            select(
                OrderRow.id,
                OrderRow.order_type,
                OrderRow.status,
                OrderRow.channel_ref,
                OrderRow.sales_order_number,
                OrderRow.store_code,
                OrderRow.customer_account,
                OrderRow.customer_name,
                OrderRow.currency,
                OrderRow.created_at,
                OrderRow.expires_on,
                OrderRow.converted_at,
                OrderRow.total_amount,
                OrderRow.balance_amount,
                changed_at,
                synced,
            )
            .join(keys, keys.c.id == OrderRow.id)
            .order_by(keys.c.created_at.desc(), keys.c.id)
        )
        return [_summary(*row) for row in self.session.execute(query)]

    def _matching_text(self, text: str) -> ColumnElement[bool]:
        """Find order's free text, tried in this order, each by an index: an exact sales
        order number, channel reference or invoice number; a phone (its digits, exactly); an
        e-mail or a customer's name (exactly, any case); else a substring of any of those, of
        the customer's account, or of a phone or e-mail (pg_trgm on PostgreSQL, FTS5 on
        SQLite). The first kind that finds something answers alone. One query asks every
        exact kind at once; on SQLite, when none answers, a second asks the FTS5 indexes
        for the substring."""
        lowered = text.lower()
        asked: list[Select[tuple[str, str]]] = []
        if len(text) <= MAX_NUMBER_LENGTH:
            numbered = or_(OrderRow.sales_order_number == text, OrderRow.channel_ref == text)
            asked += [
                select(_kind("order"), cast(OrderRow.id, String)).where(numbered),
                select(_kind("order"), cast(InvoiceRow.order_id, String)).where(
                    InvoiceRow.number == text
                ),
            ]
        digits = digits_of_phone(text)
        if digits:
            asked.append(_accounts_where("phone", phone_digits(CustomerRow.phone) == digits))
        if "@" in text:
            asked.append(_accounts_where("e-mail", func.lower(CustomerRow.email) == lowered))
        asked.append(_accounts_where("name", func.lower(CustomerRow.name) == lowered))
        sqlite = self.session.get_bind().dialect.name == "sqlite"
        found = self._found(asked)
        if not found and sqlite and len(text) >= MIN_TRIGRAM_TEXT:
            # The FTS5 indexes read one posting list per trigram of the text, long for a
            # common one (a name shared by many orders): asked only when no exact kind
            # answered, in a second query.
            found = self._found(_fts_matches(text))
        if "order" in found:
            return OrderRow.id.in_(sorted({uuid.UUID(value) for value in found["order"]}))
        for kind in ("phone", "e-mail", "name"):
            if kind in found:
                return OrderRow.customer_account.in_(found[kind])
        like = f"%{lowered}%"
        in_order = or_(
            func.lower(OrderRow.sales_order_number).like(like),
            func.lower(OrderRow.channel_ref).like(like),
            func.lower(OrderRow.customer_name).like(like),
            func.lower(OrderRow.customer_account).like(like),
        )
        accounts = select(CustomerRow.account).where(
            or_(func.lower(CustomerRow.phone).like(like), func.lower(CustomerRow.email).like(like))
        )
        invoiced = select(InvoiceRow.order_id).where(func.lower(InvoiceRow.number).like(like))
        if len(text) >= MIN_TRIGRAM_TEXT and sqlite:
            return self._fts_matching(found, in_order, accounts, invoiced)
        if len(text) >= MIN_TRIGRAM_TEXT:
            # PostgreSQL: every arm by a pg_trgm index; the customers' and invoices' matches
            # as arrays computed once (InitPlans), which keeps each arm an index condition.
            return or_(
                in_order,
                OrderRow.customer_account == any_(_array_of(accounts, String)),
                OrderRow.id == any_(_array_of(invoiced, Uuid)),
            )
        # Too short for a trigram: the newest orders are read in turn and tested (so many
        # match a text this short that the first page comes early).
        return or_(in_order, OrderRow.customer_account.in_(accounts), OrderRow.id.in_(invoiced))

    def _found(self, asked: list[Select[tuple[str, str]]]) -> dict[str, list[str]]:
        """The values each kind of a classifying query's union found."""
        found: dict[str, list[str]] = {}
        for kind, value in self.session.execute(union_all(*asked)):
            found.setdefault(kind, []).append(value)
        return found

    def _fts_matching(
        self,
        found: dict[str, list[str]],
        in_order: ColumnElement[bool],
        accounts: Select[tuple[str]],
        invoiced: Select[tuple[uuid.UUID]],
    ) -> ColumnElement[bool]:
        """SQLite: each FTS5 index's matches, where it listed at most FEW_MATCHES; where it
        listed more, the newest orders are read in turn and tested (so many match that the
        first page comes early)."""

        def few(kind: str) -> list[str] | None:
            values = found.get(kind, [])
            return values if len(values) <= FEW_MATCHES else None

        rowids, customer_accounts, invoice_orders = few("in order"), few("customer"), few("invoice")
        return or_(
            in_order
            if rowids is None
            else literal_column("customer_orders.rowid").in_([int(r) for r in rowids]),
            OrderRow.customer_account.in_(
                accounts if customer_accounts is None else customer_accounts
            ),
            OrderRow.id.in_(
                invoiced
                if invoice_orders is None
                else sorted({uuid.UUID(value) for value in invoice_orders})
            ),
        )


def _fts_matches(text: str) -> list[Select[tuple[str, str]]]:
    """SQLite: the rows each FTS5 index finds `text` in, FEW_MATCHES + 1 at most each."""
    customers = select(CustomerRow.account).where(
        literal_column("customers.rowid").in_(_fts_rowids(CUSTOMER_TEXT, text))
    )
    invoices = select(cast(InvoiceRow.order_id, String)).where(
        literal_column("order_invoices.rowid").in_(_fts_rowids(INVOICE_TEXT, text))
    )
    orders = select(cast(_fts_rowids(ORDER_TEXT, text).subquery().c.rowid, String))
    return [
        select(_kind(kind), query.limit(FEW_MATCHES + 1).subquery().c[0])
        for kind, query in (("in order", orders), ("customer", customers), ("invoice", invoices))
    ]


def _array_of(query: Select[Any], item: Any) -> Any:
    """PostgreSQL: the query's values as one array, e.g. for `column = ANY(…)`."""
    values = query.subquery().c[0]
    return cast(select(func.array_agg(values)).scalar_subquery(), postgresql.ARRAY(item))


def _kind(name: str) -> Any:
    """A constant naming what a row of a find query's union found."""
    return literal_column(f"'{name}'", String)


def _accounts_where(kind: str, condition: ColumnElement[bool]) -> Select[tuple[str, str]]:
    return select(_kind(kind), CustomerRow.account).where(condition)


def _fts_rowids(mirror: Mirror, text: str) -> Select[tuple[Any]]:
    """The rowids of `mirror`'s table rows containing `text` (SQLite's FTS5 trigram index)."""
    fts = table(mirror.name, column("rowid"))
    return select(fts.c.rowid).where(literal_column(mirror.name).op("MATCH")(fts_phrase(text)))


# The tables `SyncSource` names: their order id and status columns.
SYNC_SOURCES = {
    "journal": (JournalEntryRow.order_id, JournalEntryRow.sync_status),
    "staging": (StoreTransactionRow.order_id, StoreTransactionRow.status),
}


def _summary(
    order_id: uuid.UUID,
    order_type: str,
    status: str,
    channel_ref: str,
    sales_order_number: str | None,
    store_code: str,
    customer_account: str,
    customer_name: str,
    currency: str,
    created_at: datetime,
    expires_on: date | None,
    converted_at: datetime | None,
    total_amount: int,
    balance_amount: int,
    changed_at: datetime | None,
    synced: str | None,
) -> OrderSummary:
    """A summary row as `OrderRepository.summaries` reads it."""
    return OrderSummary(
        id=order_id,
        order_type=OrderType(order_type),
        status=OrderStatus(status),
        channel_ref=channel_ref,
        sales_order_number=sales_order_number,
        store_code=store_code,
        customer_account=customer_account,
        customer_name=customer_name,
        created_at=created_at,
        expires_on=expires_on,
        converted_at=converted_at,
        order_total=Money(total_amount, currency),
        balance=Money(balance_amount, currency),
        changed_at=max(created_at, changed_at or created_at),
        sync_status=SyncStatus.of_entries(synced.split(",") if synced else ()),
    )


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
        if issubclass(row_type, master_cache.CACHED_TYPES):
            master_cache.mark_changed(self.session)

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
        return self._kept(ParametersRow, 1)

    def store(self, code: str) -> StoreRow | None:
        return self._kept(StoreRow, code)

    def store_by_token_hash(self, token_hash: str) -> StoreRow | None:
        version = master_cache.stamp(self.session)
        cache = master_cache.cache_for(self.session)
        key = ("store-token", token_hash)
        code = cache.get(version, key) if version is not None else None
        if code is not None:
            store = self.store(code)
            if store is not None and store.token_hash == token_hash:
                return store
        store = self.session.scalars(
            select(StoreRow).where(StoreRow.token_hash == token_hash).order_by(StoreRow.code)
        ).first()
        if store is not None and version is not None:
            cache.put(version, key, store.code)
        return store

    def profile(self, code: str) -> FunctionalityProfileRow | None:
        return self._kept(FunctionalityProfileRow, code)

    def product(self, sku: str) -> ProductRow | None:
        return self._kept(ProductRow, sku)

    def delivery_mode(self, code: str) -> DeliveryModeRow | None:
        return self._kept(DeliveryModeRow, code)

    def charge_code(self, code: str) -> ChargeCodeRow | None:
        return self._kept(ChargeCodeRow, code)

    def _kept(self, row_type: type[RowT], key: Any) -> RowT | None:
        """A master-data row by primary key: the session's own, else the process's copy read
        at the stamp this transaction sees (adapters/master_cache.py), else the database's
        (then kept). A kept row joins the session as if loaded: changing it is saved."""
        in_session = self._in_session(row_type, key)
        if in_session is not None:
            return in_session
        version = master_cache.stamp(self.session)
        if version is None:
            return self.session.get(row_type, key)
        cache = master_cache.cache_for(self.session)
        values = cache.get(version, (row_type, key))
        if values is None:
            row = self.session.get(row_type, key)
            if row is not None:
                cache.put(version, (row_type, key), master_cache.values_of(row))
            return row
        kept: RowT = master_cache.detached(row_type, values)
        self.session.add(kept)
        return kept

    def customer(self, account: str) -> CustomerRow | None:
        """The customer with its addresses, in one query (none when the session has it)."""
        in_session = self._in_session(CustomerRow, account)
        if in_session is not None:
            return in_session
        return (
            self.session.execute(_CUSTOMER_WITH_ADDRESSES, {"account": account})
            .unique()
            .scalar_one_or_none()
        )

    def _in_session(self, row_type: type[RowT], *key: Any) -> RowT | None:
        """The row with this primary key that the session holds already, if any (no query)."""
        identity = inspect(row_type).identity_key_from_primary_key(key)
        held: RowT | None = self.session.identity_map.get(identity)  # type: ignore[assignment]
        return held

    def staff(self, operator_id: str) -> StaffRow | None:
        return self._kept(StaffRow, operator_id)

    def tax_rates(self) -> Sequence[TaxRateRow]:
        version = master_cache.stamp(self.session)
        if version is None:
            return self.session.scalars(select(TaxRateRow)).all()
        cache = master_cache.cache_for(self.session)
        kept = cache.get(version, (TaxRateRow, "all"))
        if kept is None:
            rows = self.session.scalars(select(TaxRateRow)).all()
            cache.put(version, (TaxRateRow, "all"), [master_cache.values_of(r) for r in rows])
            return rows
        return [master_cache.detached(TaxRateRow, values) for values in kept]

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

    def inventory_of(self, skus: Sequence[str]) -> Sequence[InventoryRow]:
        wanted = list(dict.fromkeys(skus))
        if not wanted:
            return []
        rows = self.session.scalars(
            select(InventoryRow).where(InventoryRow.sku.in_(wanted)).order_by(InventoryRow.location)
        ).all()
        rank = {sku: index for index, sku in enumerate(wanted)}
        return sorted(rows, key=lambda row: rank[row.sku])  # stable: by location within a SKU

    def adjust_stock(self, location: str, sku: str, *, on_hand: int = 0, reserved: int = 0) -> None:
        """Change stock at a location (`adjust_stocks` for one)."""
        self.adjust_stocks({(location, sku): (reserved, on_hand)})

    def adjust_stocks(self, changes: Position) -> builtins.list[InventoryRow]:
        """Add (reserved, on hand) to the stock of each (location, sku); a location without a
        row starts with none. One multi-row `INSERT … ON CONFLICT DO UPDATE` adding to what is
        stored (so concurrent changes all count), its rows sorted by key so that concurrent
        writers lock shared rows in the same order; it answers the changed rows as they are
        now (`RETURNING`), as new rows outside the session."""
        if not changes:
            return []
        params: dict[str, Any] = {}
        for n, ((location, sku), (reserved, on_hand)) in enumerate(sorted(changes.items())):
            params |= {f"l{n}": location, f"s{n}": sku, f"h{n}": on_hand, f"r{n}": reserved}
        after = self.session.execute(_stock_upsert(len(changes)), params).all()
        for key in changes:
            loaded = self._in_session(InventoryRow, *key)
            if loaded is not None:
                self.session.expire(loaded)
        return [
            InventoryRow(location=location, sku=sku, on_hand_qty=on_hand, reserved_qty=reserved)
            for location, sku, on_hand, reserved in sorted(after)
        ]


# Statements of every order, built once with bound parameters: building a statement costs
# more than running it through SQLAlchemy's compiled cache, and a statement object computes
# its cache key once.
_TAKEN_IDS = select(
    PaymentRow.id,
    PaymentRow.order_id,
    select(OrderRow.id).where(OrderRow.id == bindparam("order_id")).exists(),
    master_cache.stamp_query().scalar_subquery(),
).select_from(
    select(literal(1).label("one"))
    .subquery()
    .outerjoin(PaymentRow, PaymentRow.id.in_(bindparam("payment_ids", expanding=True)))
)
_SESSION_WITH_STAMP = select(AuthSessionRow, master_cache.stamp_query().scalar_subquery()).where(
    AuthSessionRow.token_hash == bindparam("token_hash")
)
_CUSTOMER_WITH_ADDRESSES = (
    select(CustomerRow)
    .options(joinedload(CustomerRow.addresses))
    .where(CustomerRow.account == bindparam("account"))
)


@functools.cache
def _insert_into(row_type: type[Base]) -> Insert:
    return insert(row_type)


class CounterRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next(self, name: str) -> int:
        """The next number of a named sequence; concurrent callers never get the same one."""
        return int(self.session.execute(_NEXT_NUMBER, {"name": name}).scalar_one())


# SQLAlchemy 2.0 compiles its `INSERT … ON CONFLICT` constructs anew on every execution (they
# have no cache key). These two upserts run for every order, so they are written as text,
# compiled once and alike on SQLite (3.35 or later, for RETURNING) and PostgreSQL.
_NEXT_NUMBER = text(
    "INSERT INTO counters (name, value) VALUES (:name, 1) "
    "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value"
)


@functools.lru_cache(maxsize=64)
def _stock_upsert(rows: int) -> TextClause:
    """Add to the stock of `rows` (location, sku) rows: parameters l<n>, s<n> (the row's key),
    h<n> (on hand), r<n> (reserved) for n in 0 … rows − 1; the rows come back as they are
    after the change."""
    values = ", ".join(f"(:l{n}, :s{n}, :h{n}, :r{n})" for n in range(rows))
    return text(
        f"INSERT INTO inventory (location, sku, on_hand_qty, reserved_qty) VALUES {values} "
        "ON CONFLICT (location, sku) DO UPDATE SET "
        "on_hand_qty = inventory.on_hand_qty + excluded.on_hand_qty, "
        "reserved_qty = inventory.reserved_qty + excluded.reserved_qty "
        "RETURNING location, sku, on_hand_qty, reserved_qty"
    )


class AuthSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: AuthSessionRow) -> None:
        self.session.add(row)
        self.session.flush()

    def get(self, token_hash: str) -> AuthSessionRow | None:
        """The session, in one query that also reads the master-data stamp (kept when the
        transaction has none yet): the staff member is read next, from master data."""
        found = self.session.execute(_SESSION_WITH_STAMP, {"token_hash": token_hash}).first()
        if found is None:
            return None
        row: AuthSessionRow = found[0]
        master_cache.note_stamp(self.session, found[1])
        return row

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

    def blocked(self, rows: Sequence[StoreTransactionRow]) -> set[int]:
        """The ids of those rows with an earlier entry of their order not synchronized yet
        (failed, or pending), in one query."""
        if not rows:
            return set()
        earlier = aliased(StoreTransactionRow)
        waiting = (
            select(earlier.id)
            .where(
                earlier.store_code == StoreTransactionRow.store_code,
                earlier.order_id == StoreTransactionRow.order_id,
                earlier.seq < StoreTransactionRow.seq,
                earlier.status != "synchronized",
            )
            .exists()
        )
        return set(
            self.session.scalars(
                select(StoreTransactionRow.id).where(
                    StoreTransactionRow.id.in_([row.id for row in rows]), waiting
                )
            )
        )

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
        """Mark rows acknowledged, each only if it is still as it was when it was sent (one
        statement: row values `(id, status, retry_count) IN (…)`)."""
        if not sent:
            return 0
        result = self.session.execute(
            update(StoreTransactionRow)
            .where(
                tuple_(
                    StoreTransactionRow.id,
                    StoreTransactionRow.status,
                    StoreTransactionRow.retry_count,
                ).in_(sent)
            )
            .values(is_acknowledged=True)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def counts(self) -> dict[str, int]:
        rows = self.session.execute(
            select(StoreTransactionRow.status, func.count()).group_by(StoreTransactionRow.status)
        ).all()
        return {row[0]: row[1] for row in rows}

    def job_finished(
        self, name: str, *, started_at: datetime, at: datetime, duration_ms: int, error: str | None
    ) -> None:
        """Count a finished run of job `name` (a failure when `error` is given) in its row,
        one row per job shared by every worker."""
        values: dict[str, Any] = {
            "runs": JobRunRow.runs + 1,
            "last_started_at": started_at,
            "last_finished_at": at,
            "last_duration_ms": duration_ms,
            "last_error": error,
        }
        if error is None:
            values["last_success_at"] = at
        else:
            values["failures"] = JobRunRow.failures + 1
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        first = {
            "name": name,
            "runs": 1,
            "failures": int(error is not None),
            "last_started_at": started_at,
            "last_finished_at": at,
            "last_success_at": at if error is None else None,
            "last_duration_ms": duration_ms,
            "last_error": error,
        }
        self.session.execute(
            insert(JobRunRow)
            .values(first)
            .on_conflict_do_update(index_elements=["name"], set_=values)
        )

    def job_runs(self) -> Sequence[JobRunRow]:
        return self.session.scalars(select(JobRunRow).order_by(JobRunRow.name)).all()


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

"""Store use cases for customer orders: create (sync mode, through HQ's real-time service), find."""

from __future__ import annotations

import contextvars
import dataclasses
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from omniorder.domain.creation import NewOrder, check_payment_ids, create_order, differing_field
from omniorder.domain.errors import IdInUse, NotFound, OmniorderError, Unavailable
from omniorder.domain.order import Order
from omniorder.domain.staff import Authorization, Permission
from omniorder.domain.statuses import SyncStatus, Tender
from omniorder.domain.summary import OrderSummary
from omniorder.service_layer import journal
from omniorder.service_layer.cards import authorize_cards, void_cards
from omniorder.service_layer.cart import (
    OrderInput,
    price_cart,
    require_parameters,
    require_store,
    store_today,
)
from omniorder.service_layer.catalogue import StockFigures, stock_from_answer, warehouses_of
from omniorder.service_layer.documents import (
    new_order_to_document,
    order_from_document,
    order_to_document,
    summary_from_document,
)
from omniorder.service_layer.ports import HQ, PaymentConnector
from omniorder.service_layer.unit_of_work import UnitOfWork

PENDING_REF = "pending"


@dataclass(frozen=True)
class Created:
    """A created (or repeated) order, with what the store learnt while creating it, so that
    answering the request takes no other transaction and no other call to HQ.

    `mode`: how the order reached HQ — "sync" (HQ created the sales order just now),
    "async" (journaled), "async_backup" (journaled because HQ did not answer in time) —, or
    None for a repeated request (`is_repeat`). `sync_status`: its journal's word (None for
    an order made through the real-time service). `stock`: HQ's stock of the order's SKUs,
    sent with its answer. `warehouses`: the warehouse of each store the order's lines name.
    """

    order: Order
    today: date
    mode: str | None
    sync_status: SyncStatus | None = None
    stock: StockFigures | None = None
    warehouses: dict[str, str] = field(default_factory=dict)

    @property
    def is_repeat(self) -> bool:
        return self.mode is None


# The order input, given the currency the store sells in (its amounts are parsed in it, in
# the transaction that reads it).
InputFor = Callable[[str], OrderInput]
# Who acts, checked in the create's first transaction (e.g. the sign-in session).
AuthorizationIn = Callable[[UnitOfWork], Authorization]
T = TypeVar("T")


def create_customer_order(
    uow: UnitOfWork,
    *,
    hq: HQ,
    payments: PaymentConnector,
    request: OrderInput,
    auth: Authorization,
    store_code: str,
    now: datetime,
) -> Order:
    """Create a customer order or quote (`create()`), the order alone."""
    return create(
        uow,
        hq=hq,
        payments=payments,
        request=lambda _currency: request,
        auth=lambda _uow: auth,
        store_code=store_code,
        now=now,
    ).order


def create(
    uow: UnitOfWork,
    *,
    hq: HQ,
    payments: PaymentConnector,
    request: InputFor,
    auth: AuthorizationIn,
    store_code: str,
    now: datetime,
) -> Created:
    """Create a customer order or quote (docs/rules.md §2, §2.8, §10).

    Price and validate from channel data, authorize cards, then, in sync mode, have HQ
    create the sales order at once; in async mode save the order with its journal entry.
    Repeating the call with the same order id returns the first order. In sync mode nothing
    is stored at the store unless HQ confirmed the order.

    Without cards to authorize, the reads, the checks, the channel reference number and (in
    async mode) the order and its journal entry are one transaction; with cards, the
    authorizations come between two. `auth` is asked first, in that first transaction.
    """
    with uow:
        acting = auth(uow)
        store = require_store(uow.records, store_code)
        today = store_today(store, now)
        given = request(require_parameters(uow.records).currency)
        new = price_cart(uow.records, given, store_code=store_code, channel_ref=PENDING_REF)
        warehouses = warehouses_of(uow.records, {line.location for line in new.lines})
        taken = uow.orders.taken_ids(given.id, [tender.id for tender in new.tenders])
        existing = uow.orders.get(given.id) if taken.order else None
        if existing is not None:
            status = SyncStatus.of_entries(r.sync_status for r in uow.journal.for_order(given.id))
            return Created(_repeated(existing, new), today, None, status, warehouses=warehouses)
        check_payment_ids(new, taken.payments)
        price_versions = {
            line.sku: changed.isoformat()
            for line in new.lines
            if (product := uow.records.product(line.sku)) is not None
            and (changed := product.price_changed_at) is not None
        }
        mode = journal.mode_of(uow.records, store_code)
        # Every rule is checked before money moves.
        create_order(new, auth=acting, today=today, now=now)
        has_cards = any(tender.tender is Tender.CARD for tender in new.tenders)
        if not has_cards:
            new, document, journaled = _number(uow, new, mode, acting, today, now, price_versions)

    if has_cards:
        tenders = authorize_cards(payments, new.tenders, _card_numbers(new, given))
        with uow:
            new = dataclasses.replace(new, tenders=tenders)
            new, document, journaled = _number(uow, new, mode, acting, today, now, price_versions)
    if isinstance(journaled, IdInUse):
        return Created(_settle_repeat(uow, new, journaled), today, None, warehouses=warehouses)
    if journaled is not None:
        return Created(journaled, today, "async", SyncStatus.PENDING, warehouses=warehouses)
    tenders = new.tenders
    try:
        timeout = mode.backup_timeout_seconds if mode.is_async_backup else None
        answer = hq.create_sales_order(document, timeout=timeout)
        stock = stock_from_answer(answer.pop("inventory", None))
        confirmed = order_from_document(answer)
    except Unavailable:
        if mode.is_async_backup:
            # Async backup: HQ did not answer in time, so the order goes through the journal.
            # If HQ did commit it, synchronization finds the same order id and adds nothing.
            order = _create_async(uow, new, document, auth=acting, today=today, now=now)
            status = journal.sync_status(uow, order.id)
            return Created(order, today, "async_backup", status, warehouses=warehouses)
        # HQ may have committed before the answer was lost: keep the authorizations so that
        # a retry with the same order id finds the same order and the same card payments.
        raise
    except OmniorderError:
        void_cards(payments, tenders)
        raise

    copy = keep_new_copy(uow, confirmed)
    return Created(copy, today, "sync", None, stock, warehouses)


def _number(
    uow: UnitOfWork,
    new: NewOrder,
    mode: journal.Mode,
    auth: Authorization,
    today: date,
    now: datetime,
    price_versions: dict[str, str],
) -> tuple[NewOrder, dict[str, Any], Order | IdInUse | None]:
    """In the caller's open transaction, which this commits: the channel reference number
    and the document for HQ; in async mode also the order and its journal entry, saved
    together (docs/rules.md §10). The third value is the journaled order, or the `IdInUse`
    of a request with the same order id (or a payment id) that committed first."""
    new = _numbered(uow, new, new.store_code)
    document = _document(new, auth, now, price_versions)
    journaled: Order | IdInUse | None = None
    if mode.is_async:
        order = create_order(new, auth=auth, today=today, now=now)
        try:
            _journal(uow, order, document, now)
        except IdInUse as conflict:
            return new, document, conflict  # the caller's `with` rolls back
        journaled = order
    uow.commit()
    return new, document, journaled


def _card_numbers(new: NewOrder, request: OrderInput) -> dict[uuid.UUID, str]:
    """The card numbers typed, by the id of the tender they pay."""
    return {
        tender.id: given.card_number
        for tender, given in zip(new.tenders, request.payments, strict=True)
        if given.card_number
    }


def _numbered(uow: UnitOfWork, new: NewOrder, store_code: str) -> NewOrder:
    """The order with its channel reference id, the next of this store's, in the caller's
    transaction."""
    number = uow.counters.next(f"channel_ref:{store_code}")
    return dataclasses.replace(new, channel_ref=f"{store_code}-{number:06d}")


def _document(
    new: NewOrder, auth: Authorization, now: datetime, price_versions: dict[str, str]
) -> dict[str, Any]:
    return new_order_to_document(
        new,
        created_at=now,
        operator_id=auth.staff.operator_id,
        override_by=auth.override_by.operator_id if auth.override_by else None,
        price_versions=price_versions,
    )


def _repeated(existing: Order, new: NewOrder) -> Order:
    """A create repeated with an id this store already holds: the first answer, when it is
    the same request; a 409 naming the field when the id is another store's or the body
    differs (order ids are scoped to the store that made them)."""
    field = differing_field(existing, new)
    if field is None:
        return existing
    raise IdInUse(
        field,
        f"Order id {new.id} is already used"
        + (" by another store's order" if field == "id" else f" with a different {field}")
        + "; send a new id.",
    )


def _create_async(
    uow: UnitOfWork,
    new: NewOrder,
    document: dict[str, Any],
    *,
    auth: Authorization,
    today: date,
    now: datetime,
) -> Order:
    """Async mode: the order and its journal entry are committed together, then the POS
    gets its channel reference id; HQ creates the sales order later (docs/rules.md §10)."""
    order = create_order(new, auth=auth, today=today, now=now)
    try:
        return _journal_new_order(uow, order, document, now)
    except IdInUse as conflict:
        return _settle_repeat(uow, new, conflict)


def _settle_repeat(uow: UnitOfWork, new: NewOrder, conflict: IdInUse) -> Order:
    """Adding the order hit a unique key: a request with the same order id committed first
    (then its order, if it is the same request), or a payment id taken meanwhile."""
    with uow:
        existing = uow.orders.get(new.id)
    if existing is None:
        raise conflict
    return _repeated(existing, new)


def _journal_new_order(
    uow: UnitOfWork, order: Order, document: dict[str, Any], now: datetime
) -> Order:
    with uow:
        existing = uow.orders.get(order.id)
        if existing is not None:
            return existing
        _journal(uow, order, document, now)
        uow.commit()
    return order


def _journal(uow: UnitOfWork, order: Order, document: dict[str, Any], now: datetime) -> None:
    """The new order and its journal entry, in the caller's transaction."""
    uow.orders.add(order)
    journal.record(
        uow,
        order=order,
        kind="create",
        document=document,
        entry_id=journal.entry_id_for(order.id, "create"),
        now=now,
    )


@dataclass(frozen=True)
class OrderView:
    """An order as the store shows it, and how current it is.

    `is_from_hq`: HQ answered just now (or the order is this store's own, not yet at HQ, so
    the store's copy is the newest there is). Otherwise it is the store's copy, kept from
    HQ's last answer, and `hq_unreachable` says why HQ's was not used.
    """

    order: Order
    is_from_hq: bool = True
    hq_unreachable: bool = False

    @property
    def as_of(self) -> datetime:
        """When the copy last changed: its latest history entry."""
        return max([self.order.created_at, *(e.at for e in self.order.events)])


def read_order(
    uow: UnitOfWork, *, ref: str, auth: Authorization, hq: HQ | None, store_code: str
) -> OrderView:
    """Find one order by sales order number, channel reference id or id (docs/rules.md §3).

    Reads go through to HQ, the system of record, for the orders of every store (so an order
    taken elsewhere can be picked up here); HQ's answer replaces the store's copy when it
    differs. When HQ is away the store's copy is shown, marked as such. An order this store
    created and HQ does not hold yet is read from the store: its copy is the newest.
    """
    auth.require(Permission.RECALL_ORDER, "recall orders")
    with uow:
        local = uow.orders.get_by_ref(ref)
        if (
            local is not None
            and local.store_code == store_code
            and journal.is_waiting(uow, local.id)
        ):
            return OrderView(local)
    if hq is None:
        if local is None:
            raise NotFound(f"No order {ref}.")
        return OrderView(local, is_from_hq=False)
    try:
        fresh = order_from_document(hq.get_order(ref))
    except NotFound:
        if local is None:
            raise NotFound(f"No order {ref}.") from None
        return OrderView(local, is_from_hq=False)
    except Unavailable:
        if local is None:
            raise Unavailable(
                f"HQ cannot be reached and this store has no copy of order {ref}; "
                "try again in a moment."
            ) from None
        return OrderView(local, is_from_hq=False, hq_unreachable=True)
    return OrderView(keep_copy(uow, fresh))


def get_order(
    uow: UnitOfWork, *, ref: str, auth: Authorization, hq: HQ | None = None, store_code: str = ""
) -> Order:
    return read_order(uow, ref=ref, auth=auth, hq=hq, store_code=store_code).order


def keep_new_copy(uow: UnitOfWork, fresh: Order) -> Order:
    """Keep HQ's answer to a create as the store's copy: the store held no copy of the order
    a moment ago, so it is added without reading first; when another request kept one
    meanwhile, `keep_copy` compares with that one."""
    with uow:
        try:
            uow.orders.add(fresh)
        except IdInUse:
            pass
        else:
            uow.commit()
            return fresh
    return keep_copy(uow, fresh)


def keep_copy(uow: UnitOfWork, fresh: Order) -> Order:
    """Keep HQ's answer as the store's copy of the order, and say which copy is current.

    Written only when it differs from the copy held (so reading a current order writes
    nothing), never over a newer version, and never over this store's own changes that HQ
    has not synchronized yet (then the store's copy is the current one)."""
    for attempt in (1, 2):
        try:
            with uow:
                local = uow.orders.get(fresh.id)
                if local is not None and journal.is_waiting(uow, fresh.id):
                    return local
                if local is not None and (
                    local.version > fresh.version
                    or order_to_document(local) == order_to_document(fresh)
                ):
                    return local if local.version > fresh.version else fresh
                uow.orders.put(fresh)
                uow.commit()
        except IdInUse:
            if attempt == 2:
                raise
            continue  # another request kept a copy first: compare with that one
        break
    return fresh


@dataclass(frozen=True)
class FoundOrders:
    # Summary rows; the sync status of each is this store's journal's word on its own order
    # (docs/sync.md), None for an order made in real time and for other stores' orders.
    orders: list[OrderSummary]
    is_from_hq: bool = True
    hq_unreachable: bool = False
    # The store's date, when the caller gave the time (read in the find's transaction).
    today: date | None = None


def find_orders(
    uow: UnitOfWork,
    *,
    auth: Authorization | AuthorizationIn,
    hq: HQ | None = None,
    store_code: str = "",
    text: str | None = None,
    customer_account: str | None = None,
    status: str | None = None,
    sku: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> FoundOrders:
    """Search orders of every store at HQ (docs/rules.md §3), with this store's own orders that
    HQ does not hold yet; the store's copies alone when HQ is away. The caller gives the
    date range (default: last 90 days). Nothing is written but the sign-in's last-seen time.

    One transaction checks who asks (`auth`, when it is a function of the transaction: the
    sign-in), then reads the summaries of the store's copies, with their journal's sync
    status in the same query (and, given `now`, the store's date), while HQ is asked on a
    thread of its own; the journal is asked once more only about this store's orders in
    HQ's list that are not in its own."""
    filters: dict[str, Any] = {
        "text": text,
        "customer_account": customer_account,
        "status": status,
        "sku": sku,
        "created_from": created_from,
        "created_to": created_to,
        "limit": limit,
    }
    today = None
    with uow:
        acting = auth if isinstance(auth, Authorization) else auth(uow)
        acting.require(Permission.RECALL_ORDER, "recall orders")
        asked = _asking_hq(hq.search_orders, _query(filters)) if hq is not None else None
        local = uow.orders.summaries(**filters, sync_from="journal")
        if now is not None:
            today = store_today(require_store(uow.records, store_code), now)
        uow.commit()
    if asked is None:
        return FoundOrders(local, is_from_hq=False, today=today)
    try:
        found = [summary_from_document(d) for d in asked.result()]
    except Unavailable:
        return FoundOrders(local, is_from_hq=False, hq_unreachable=True, today=today)
    listed = {s.id for s in local}
    unlisted = sorted(s.id for s in found if s.store_code == store_code and s.id not in listed)
    entries: dict[uuid.UUID, list[str]] = {}
    if unlisted:
        with uow:
            entries = uow.journal.statuses_of(unlisted)
    journaled = {s.id: s.sync_status for s in local} | {
        order_id: SyncStatus.of_entries(entries.get(order_id, [])) for order_id in unlisted
    }
    waiting = {s.id: s for s in local if s.sync_status in (SyncStatus.PENDING, SyncStatus.FAILED)}
    merged = [
        waiting.pop(s.id)
        if s.id in waiting
        else dataclasses.replace(s, sync_status=journaled.get(s.id))
        for s in found
    ] + list(waiting.values())
    merged.sort(key=lambda s: (s.created_at, str(s.id)), reverse=True)
    return FoundOrders(merged[:limit], today=today)


# A find asks HQ on one of these threads while the request's own thread reads the store's
# copies, so that neither waits for the other; the call runs in a copy of the request's
# context (its request id goes to HQ with it). As many as the server's own request threads
# (AnyIO's 40), so that finds never queue here for one another; made as they are needed.
_HQ_CALLS = ThreadPoolExecutor(max_workers=40, thread_name_prefix="omniorder-find-hq")


def _asking_hq(call: Callable[[dict[str, Any]], T], argument: dict[str, Any]) -> Future[T]:
    return _HQ_CALLS.submit(contextvars.copy_context().run, call, argument)


def _query(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as HQ's search takes them (query parameters)."""
    names = {"text": "q", "customer_account": "customer"}
    return {
        names.get(k, k): v.isoformat() if isinstance(v, datetime) else v
        for k, v in filters.items()
        if v is not None
    }


def new_order_id() -> uuid.UUID:
    return uuid.uuid4()


def order_id_for_key(store_code: str, idempotency_key: str) -> uuid.UUID:
    """The order id that an Idempotency-Key stands for at this store."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"omniorder:{store_code}:{idempotency_key}")

"""Asynchronous mode at HQ (docs/rules.md §10): the P-job pulls store journals into staging,
Synchronize orders turns staged entries into sales orders, and stores are told the outcome.

Guarantees, each backed by the database:
- a journal entry is staged once: unique (store, entry id); the watermark advances in the
  same commit as the staged rows, so a killed pull is simply repeated;
- an entry is applied once: its sales-order write and its "synchronized" mark share one
  transaction; sales orders are unique per order id, operations per operation id;
- entries of one order apply in journal order; a failed entry holds back the later entries
  of its order only; on PostgreSQL several workers claim entries with SKIP LOCKED;
- with `locks` (job workers, docs/sync.md *Job workers*), one worker at a time pulls and
  acknowledges a given store; the others skip that store for this run.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from omniorder.adapters.orm import StoreRow, StoreTransactionRow
from omniorder.domain.errors import NotFound, OmniorderError, Unavailable
from omniorder.domain.statuses import SyncStatus
from omniorder.service_layer import sales_orders
from omniorder.service_layer.documents import order_to_document
from omniorder.service_layer.notifications import Mailer, send_outbox
from omniorder.service_layer.ports import StoreGateway
from omniorder.service_layer.unit_of_work import UnitOfWork

log = logging.getLogger("omniorder.sync")
# One line per store a worker pulls or acknowledges, with the monotonic times (system-wide
# on Linux) it held the store's lock: DEBUG, shown by `omniorder jobs worker --verbose`.
lock_log = logging.getLogger("omniorder.sync.locks")
UowFactory = Callable[[], UnitOfWork]
Progress = Callable[[int], None]
ACK_PAGE_SIZE = 100  # entries per acknowledgement request (whole orders ride along)


class StoreLocks(Protocol):
    """Who pulls and acknowledges a store when several job workers run (docs/sync.md)."""

    def store(self, store_code: str) -> AbstractContextManager[bool]:
        """Held for the block: True when this worker has the store, False when another has."""
        ...


def _store_lock(locks: StoreLocks | None, store_code: str) -> AbstractContextManager[bool]:
    return locks.store(store_code) if locks is not None else nullcontext(True)


# A card token, or anything that looks like a card number (12 to 19 digits, maybe spaced).
_CARD_DATA = re.compile(r"tok_[0-9A-Za-z]+|(?<![0-9])[0-9](?:[ -]?[0-9]){11,18}(?![0-9])")


def safe_error_text(text: str) -> str:
    """Error text as HQ keeps, shows and sends it: never a card token or a card number."""
    return _CARD_DATA.sub("[card data removed]", text)


def safe_traceback(error: BaseException) -> str:
    """An error for HQ's log: each exception of the chain (its causes first, as Python prints
    them) as its type, its text through `safe_error_text()` and its stack frames — not
    `log.exception()`, whose last line is the raw text, which can quote card data."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts = []
    for n, exception in enumerate(reversed(chain)):
        if n:
            parts.append("Which led to:\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(exception.__traceback__))
        parts.append(f"{type(exception).__qualname__}: {safe_error_text(str(exception))}\n")
    return safe_error_text("".join(parts)).rstrip("\n")


@dataclass
class JobResult:
    pulled: int = 0
    synchronized: int = 0
    failed: int = 0
    skipped: int = 0
    acknowledged: int = 0
    unreachable: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "pulled": self.pulled,
            "synchronized": self.synchronized,
            "failed": self.failed,
            "skipped": self.skipped,
            "acknowledged": self.acknowledged,
            "unreachable": self.unreachable,
        }


def async_stores(uow: UnitOfWork, store_code: str | None = None) -> list[StoreRow]:
    """Stores whose journal the P-job pulls: async or async-backup profiles, with a URL."""
    with uow:
        stores = []
        for store in uow.records.list(StoreRow, StoreRow.code):
            if store_code and store.code != store_code:
                continue
            profile = uow.records.profile(store.profile_code)
            if store.server_url and profile and (profile.is_async or profile.is_async_backup):
                stores.append(store)
        if store_code and not stores:
            raise NotFound(f"Store {store_code} is not an async store with a server URL.")
        return stores


def pull(
    new_uow: UowFactory,
    gateway: StoreGateway,
    *,
    now: datetime,
    store_code: str | None = None,
    page_size: int = 200,
    progress: Progress | None = None,
    locks: StoreLocks | None = None,
) -> JobResult:
    """The P-job: stage every journal entry after each store's watermark (a store another
    worker is pulling right now is skipped: that worker stages its entries)."""
    result = JobResult()
    for store in async_stores(new_uow(), store_code):
        with _store_lock(locks, store.code) as ours:
            if not ours:
                continue
            held_from = time.monotonic()
            staged = _pull_store(new_uow, gateway, store, now, page_size, progress, result)
            lock_log.debug(
                "pull %s: %d staged; lock held from %.6f to %.6f",
                store.code,
                staged,
                held_from,
                time.monotonic(),
            )
    return result


def _pull_store(
    new_uow: UowFactory,
    gateway: StoreGateway,
    store: StoreRow,
    now: datetime,
    page_size: int,
    progress: Progress | None,
    result: JobResult,
) -> int:
    url = store.server_url or ""
    staged_here = 0
    while True:
        with new_uow() as uow:
            after = uow.staging.watermark(store.code)
        try:
            entries = gateway.journal(url, store_code=store.code, after=after, limit=page_size)
        except Unavailable as error:
            result.unreachable.append(f"{store.code} ({error.message})")
            break
        if not entries:
            break
        rows = [_staged(store.code, entry, now) for entry in entries]
        with new_uow() as uow:
            staged = uow.staging.stage(rows, store.code, max(r["seq"] for r in rows))
            uow.commit()
        result.pulled += staged
        staged_here += staged
        if progress:
            progress(len(rows))
        if len(entries) < page_size:
            break
    return staged_here


def _staged(store_code: str, entry: dict[str, Any], now: datetime) -> dict[str, Any]:
    import uuid

    return {
        "store_code": store_code,
        "entry_id": uuid.UUID(str(entry["id"])),
        "seq": int(entry["seq"]),
        "order_id": uuid.UUID(str(entry["order_id"])),
        "kind": str(entry["kind"]),
        "document": entry["document"],
        "status": SyncStatus.PENDING.value,
        "retry_count": 0,
        "pulled_at": now,
        "is_acknowledged": False,
    }


def synchronize(
    new_uow: UowFactory,
    *,
    now: datetime,
    batch_size: int = 20,
    progress: Progress | None = None,
) -> JobResult:
    """Synchronize orders: apply pending staged entries in journal order, each at most once.

    A batch of up to `batch_size` claimed entries — each of a different order, as an entry
    waiting behind an earlier one of its order is not claimed — is one transaction; each
    entry is applied in its own savepoint, so an entry HQ refuses rolls back alone and is
    marked failed; the marks are written together when the batch commits."""
    result = JobResult()
    while True:
        with new_uow() as uow:
            claimed = list(uow.staging.claim_pending(batch_size))
            if not claimed:
                break
            blocked = uow.staging.blocked(claimed)
            outcomes = []
            for row in claimed:
                if row.id in blocked:
                    result.skipped += 1
                    continue
                outcomes.append((row, _apply_one(uow, row, result)))
            for row, outcome in outcomes:
                _mark(row, outcome, now)
            uow.commit()
        if progress:
            progress(len(claimed))
        if not outcomes:
            break  # everything left waits behind a failed (or in-progress) entry
    return result


@dataclass(frozen=True)
class _Outcome:
    sales_order_number: str | None = None  # synchronized with this number
    error: str | None = None  # failed with this text


def _apply_one(uow: UnitOfWork, row: StoreTransactionRow, result: JobResult) -> _Outcome:
    try:
        with uow.savepoint():
            if row.kind == "create":
                order = sales_orders.create_in(
                    uow, document=row.document, store_code=row.store_code
                )
            else:
                order = sales_orders.apply_in(uow, document=row.document, store_code=row.store_code)
    except Exception as error:  # one bad entry must not stall every other order
        result.failed += 1
        if not isinstance(error, OmniorderError):
            # Never log.exception(): its text is the raw message (docs/security.md).
            log.error(
                "store transaction %s failed unexpectedly: %s",
                row.id,
                safe_traceback(error),
            )
        # An unexpected error's text may quote the entry's data (card tokens among it): only
        # its type is kept here, the details go to HQ's log.
        return _Outcome(
            error=safe_error_text(
                error.message
                if isinstance(error, OmniorderError)
                else f"Unexpected error ({type(error).__name__}); the details are in HQ's log."
            )
        )
    result.synchronized += 1
    return _Outcome(sales_order_number=order.sales_order_number)


def _mark(row: StoreTransactionRow, outcome: _Outcome, now: datetime) -> None:
    """The entry's status as HQ reports it to its store (unacknowledged until then)."""
    if outcome.error is not None:
        row.status = SyncStatus.FAILED.value
        row.error = outcome.error
    else:
        row.status = SyncStatus.SYNCHRONIZED.value
        row.error = None
        row.synchronized_at = now
        row.sales_order_number = outcome.sales_order_number
    row.is_acknowledged = False


def acknowledge(
    new_uow: UowFactory,
    gateway: StoreGateway,
    *,
    store_code: str | None = None,
    page_size: int = ACK_PAGE_SIZE,
    locks: StoreLocks | None = None,
) -> JobResult:
    """Tell each store how its entries went, with HQ's copy of each synchronized order, page
    after page until its backlog is empty (a store another worker holds is skipped).

    Rows are read in one short transaction and marked in another, with no transaction
    open while the store is called; a row whose status changed in between (retried,
    synchronized again) stays unacknowledged and is sent next time.
    """
    result = JobResult()
    for store in async_stores(new_uow(), store_code):
        with _store_lock(locks, store.code) as ours:
            if not ours:
                continue
            held_from = time.monotonic()
            acknowledged = result.acknowledged
            while _acknowledge_page(new_uow, gateway, store, page_size, result):
                pass
            lock_log.debug(
                "acknowledge %s: %d acknowledged; lock held from %.6f to %.6f",
                store.code,
                result.acknowledged - acknowledged,
                held_from,
                time.monotonic(),
            )
    return result


def _acknowledge_page(
    new_uow: UowFactory, gateway: StoreGateway, store: StoreRow, page_size: int, result: JobResult
) -> bool:
    """Send one page; True when a full page went through and more may be waiting."""
    with new_uow() as uow:
        rows = list(uow.staging.unacknowledged(store.code, page_size))
        sent = [(row.id, row.status, row.retry_count) for row in rows]
        orders = uow.orders.get_many(
            [row.order_id for row in rows if row.status == SyncStatus.SYNCHRONIZED.value]
        )
        acks = []
        for row in rows:
            ack: dict[str, Any] = {
                "entry_id": str(row.entry_id),
                "status": row.status,
                "sales_order_number": row.sales_order_number,
                "error": row.error,
            }
            if row.status == SyncStatus.SYNCHRONIZED.value:
                order = orders.get(row.order_id)
                ack["order"] = order_to_document(order) if order else None
            acks.append(ack)
    if not acks:
        return False
    try:
        gateway.acknowledge(store.server_url or "", acks, store_code=store.code)
    except Unavailable as error:
        result.unreachable.append(f"{store.code} ({error.message})")
        return False
    with new_uow() as uow:
        marked = uow.staging.mark_acknowledged(sent)
        uow.commit()
    result.acknowledged += marked
    # Nothing marked: every row changed while it travelled; the next run sends them again
    # rather than this loop sending the same page forever.
    return len(rows) == page_size and marked > 0


def retry(uow: UnitOfWork, *, transaction_id: int | None) -> int:
    """Put failed entries back in the queue (one, or all) after the data was fixed."""
    with uow:
        if transaction_id is not None:
            row = uow.staging.get(transaction_id)
            if row is None:
                raise NotFound(f"No store transaction {transaction_id}.")
            rows = [row] if row.status == SyncStatus.FAILED.value else []
        else:
            rows = list(uow.staging.failed())
        for row in rows:
            row.status = SyncStatus.PENDING.value
            row.retry_count += 1
        uow.commit()
        return len(rows)


def run_all(
    new_uow: UowFactory,
    gateway: StoreGateway,
    *,
    now: datetime,
    store_code: str | None = None,
    mailer: Mailer | None = None,
) -> JobResult:
    """The scheduled cycle: pull, synchronize, acknowledge, and send queued e-mail."""
    pulled = pull(new_uow, gateway, now=now, store_code=store_code)
    synced = synchronize(new_uow, now=now)
    acked = acknowledge(new_uow, gateway, store_code=store_code)
    if mailer is not None:
        send_outbox(new_uow, mailer, now=now)
    return JobResult(
        pulled=pulled.pulled,
        synchronized=synced.synchronized,
        failed=synced.failed,
        skipped=synced.skipped,
        acknowledged=acked.acknowledged,
        unreachable=sorted(set(pulled.unreachable + acked.unreachable)),
    )


def sync_statuses(uow: UnitOfWork, order_ids: list[Any]) -> dict[Any, SyncStatus]:
    """pending / synchronized / failed per async order at HQ (absent: made in sync mode)."""
    with uow:
        found = uow.staging.statuses_of(order_ids)
    result = {}
    for order_id, statuses in found.items():
        status = SyncStatus.of_entries(statuses)
        if status is not None:
            result[order_id] = status
    return result

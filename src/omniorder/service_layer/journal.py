"""Asynchronous mode at the store (docs/rules.md §10): orders and operations are saved with a
journal entry in one transaction and acknowledged at once; HQ pulls the journal later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from omniorder.adapters.orm import FunctionalityProfileRow, JournalEntryRow
from omniorder.domain.errors import OmniorderError
from omniorder.domain.order import Order
from omniorder.domain.statuses import SyncStatus
from omniorder.service_layer.cart import require_store
from omniorder.service_layer.documents import order_from_document
from omniorder.service_layer.unit_of_work import Records, UnitOfWork


@dataclass(frozen=True)
class Mode:
    """How this store reaches HQ, from its functionality profile (docs/rules.md §1)."""

    is_async: bool
    is_async_backup: bool
    backup_timeout_seconds: float


def store_mode(uow: UnitOfWork, store_code: str) -> Mode:
    with uow:
        return mode_of(uow.records, store_code)


def mode_of(records: Records, store_code: str) -> Mode:
    """The store's mode, read in the caller's transaction."""
    store = require_store(records, store_code)
    profile: FunctionalityProfileRow | None = records.profile(store.profile_code)
    if profile is None:
        return Mode(False, False, 5.0)
    return Mode(profile.is_async, profile.is_async_backup, profile.async_backup_timeout_ms / 1000)


def record(
    uow: UnitOfWork,
    *,
    order: Order,
    kind: str,
    document: dict[str, Any],
    entry_id: UUID,
    now: datetime,
) -> None:
    """Append the order's journal entry in the caller's transaction (the caller saves the
    order in the same one).

    The journal counter's row lock makes entries commit in sequence order.
    """
    seq = uow.counters.next("journal")
    uow.journal.append(
        JournalEntryRow(
            seq=seq,
            id=entry_id,
            order_id=order.id,
            kind=kind,
            document=document,
            created_at=now,
            sync_status=SyncStatus.PENDING.value,
        )
    )


def is_waiting(uow: UnitOfWork, order_id: UUID) -> bool:
    """In the caller's transaction: has the order journal entries HQ has not synchronized
    (not pulled, not applied, failed, or not yet acknowledged)? Then HQ does not hold the
    order as this store has it, and the store's copy is the newest there is."""
    return any(
        row.sync_status != SyncStatus.SYNCHRONIZED.value for row in uow.journal.for_order(order_id)
    )


def entry_id_for(order_or_operation_id: UUID, kind: str) -> UUID:
    return uuid5(order_or_operation_id, f"journal-{kind}")


def entries_after(uow: UnitOfWork, *, after: int, limit: int) -> list[dict[str, Any]]:
    """Journal entries after a sequence number, for HQ's P-job."""
    with uow:
        return [
            {
                "seq": row.seq,
                "id": str(row.id),
                "order_id": str(row.order_id),
                "kind": row.kind,
                "document": row.document,
                "created_at": row.created_at.isoformat(),
            }
            for row in uow.journal.after(after, limit)
        ]


def acknowledge(uow: UnitOfWork, acknowledgements: list[dict[str, Any]]) -> int:
    """Record what HQ did with each entry; adopt HQ's copy of an order once nothing of it
    is still waiting here (so a local change not yet synchronized is never overwritten).

    Each acknowledgement is checked against this store's journal first: one naming an entry
    the store does not have, with an unknown status, or carrying the document of another
    order than its entry's (or an order document without `synchronized`) changes nothing.
    """
    count = 0
    with uow:
        adopted: list[Order] = []
        for ack in acknowledgements:
            checked = _checked(uow, ack)
            if checked is None:
                continue
            entry_id, status, hq_copy = checked
            marked = uow.journal.mark(
                entry_id,
                sync_status=status.value,
                sales_order_number=ack.get("sales_order_number"),
                error=ack.get("error"),
            )
            count += marked
            if marked and hq_copy is not None:
                adopted.append(hq_copy)
        for hq_copy in adopted:
            local = uow.orders.get(hq_copy.id)
            if local is None or (
                not is_waiting(uow, hq_copy.id) and hq_copy.version >= local.version
            ):
                uow.orders.put(hq_copy)
            elif local.sales_order_number is None:
                local.sales_order_number = hq_copy.sales_order_number
                uow.orders.put(local)
        uow.commit()
    return count


def _checked(uow: UnitOfWork, ack: dict[str, Any]) -> tuple[UUID, SyncStatus, Order | None] | None:
    """The acknowledgement's entry id, status and order, or None when it does not hold
    against this store's journal."""
    try:
        entry_id = UUID(str(ack["entry_id"]))
        status = SyncStatus(str(ack["status"]))
    except (KeyError, ValueError):
        return None
    document = ack.get("order")
    if not document:
        return entry_id, status, None
    if status is not SyncStatus.SYNCHRONIZED:
        return None
    try:
        hq_copy = order_from_document(document)
    except (KeyError, TypeError, ValueError, OmniorderError):
        return None  # not an order document
    if not any(row.id == entry_id for row in uow.journal.for_order(hq_copy.id)):
        return None  # not an entry of this order at this store
    return entry_id, status, hq_copy


def sync_statuses(uow: UnitOfWork, order_ids: Sequence[UUID]) -> dict[UUID, SyncStatus | None]:
    """`sync_status` of several orders in one query (a find list)."""
    with uow:
        found = uow.journal.statuses_of(order_ids)
    return {order_id: SyncStatus.of_entries(found.get(order_id, [])) for order_id in order_ids}


def sync_status(uow: UnitOfWork, order_id: UUID) -> SyncStatus | None:
    """pending / synchronized / failed for an async order; None for one made in sync mode."""
    with uow:
        return SyncStatus.of_entries(row.sync_status for row in uow.journal.for_order(order_id))

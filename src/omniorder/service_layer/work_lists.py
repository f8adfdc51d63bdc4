"""What waits for a store's associates (the POS home): pickup lines to hand over, lines to
pick, and at an async store the orders HQ has not synchronized yet (docs/rules.md §5, §10).
Each list is one query; nothing is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from omniorder.service_layer.cart import require_store, store_today
from omniorder.service_layer.unit_of_work import LineToHandle, OrderToSync, UnitOfWork

LIST_LIMIT = 25


@dataclass(frozen=True)
class StoreWork:
    today: date
    time_zone: str
    to_collect: Sequence[LineToHandle]
    to_pick: Sequence[LineToHandle]
    # None at a store that works in sync mode: HQ has every order at once.
    waiting_to_sync: Sequence[OrderToSync] | None


def store_work(uow: UnitOfWork, *, store_code: str, now: datetime) -> StoreWork:
    """Pickup lines at this store that are picked or due by the store's today (overdue
    included); open lines its warehouse still has to pick; orders waiting for HQ."""
    with uow:
        store = require_store(uow.records, store_code)
        profile = uow.records.profile(store.profile_code)
        is_async = profile is not None and (profile.is_async or profile.is_async_backup)
        today = store_today(store, now)
        return StoreWork(
            today=today,
            time_zone=store.time_zone,
            to_collect=uow.work_lists.to_collect(store_code, due_by=today, limit=LIST_LIMIT),
            to_pick=uow.work_lists.to_pick(store.warehouse, limit=LIST_LIMIT),
            waiting_to_sync=uow.work_lists.waiting_to_sync(store_code, limit=LIST_LIMIT)
            if is_async
            else None,
        )

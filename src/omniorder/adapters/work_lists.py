"""The POS home's work lists, each one query over the order tables (no order loaded whole).

The store reads its own database: its orders, and the copies it keeps of other stores'
orders it has read (docs/sync.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from omniorder.adapters.orm import JournalEntryRow, OrderLineRow, OrderRow
from omniorder.domain.statuses import Fulfilment, OrderType, SyncStatus
from omniorder.service_layer.unit_of_work import LineToHandle, OrderToSync

_OPEN_QTY = OrderLineRow.quantity - OrderLineRow.cancelled_qty - OrderLineRow.invoiced_qty


class WorkListRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def to_collect(self, store_code: str, *, due_by: date, limit: int) -> Sequence[LineToHandle]:
        query = self._lines().where(
            OrderLineRow.location == store_code,
            OrderLineRow.fulfilment == Fulfilment.PICKUP.value,
            _OPEN_QTY > 0,
            or_(OrderLineRow.picked_qty > 0, OrderLineRow.requested_date <= due_by),
        )
        return self._read(query, limit)

    def to_pick(self, warehouse: str, *, limit: int) -> Sequence[LineToHandle]:
        query = self._lines().where(
            OrderLineRow.location == warehouse,
            OrderLineRow.fulfilment.in_([Fulfilment.SHIP.value, Fulfilment.PICKUP.value]),
            _OPEN_QTY - OrderLineRow.picked_qty > 0,
        )
        return self._read(query, limit)

    def waiting_to_sync(self, store_code: str, *, limit: int) -> Sequence[OrderToSync]:
        waiting = select(JournalEntryRow.order_id).where(
            JournalEntryRow.sync_status != SyncStatus.SYNCHRONIZED.value
        )
        query = (
            select(
                OrderRow.id,
                OrderRow.channel_ref,
                OrderRow.customer_name,
                OrderRow.created_at,
                JournalEntryRow.sync_status,
            )
            .join(JournalEntryRow, JournalEntryRow.order_id == OrderRow.id)
            .where(OrderRow.store_code == store_code, OrderRow.id.in_(waiting))
            .order_by(OrderRow.created_at, OrderRow.id, JournalEntryRow.seq)
        )
        found: dict[uuid.UUID, OrderToSync] = {}
        for order_id, ref, name, created_at, status in self.session.execute(query):
            known = found.get(order_id)
            statuses = (known.sync_statuses if known else ()) + (status,)
            found[order_id] = OrderToSync(order_id, ref, name, created_at, statuses)
        return list(found.values())[:limit]

    @staticmethod
    def _lines() -> Select[Any]:
        """The columns a `LineToHandle` shows, of customer orders' lines (not quotes'),
        earliest date first."""
        return (
            select(
                OrderRow.id,
                OrderRow.channel_ref,
                OrderRow.sales_order_number,
                OrderRow.customer_name,
                OrderLineRow.line_number,
                OrderLineRow.sku,
                OrderLineRow.description,
                OrderLineRow.fulfilment,
                OrderLineRow.requested_date,
                OrderLineRow.pickup_by,
                _OPEN_QTY,
                OrderLineRow.picked_qty,
            )
            .join(OrderLineRow, OrderLineRow.order_id == OrderRow.id)
            .where(OrderRow.order_type == OrderType.CUSTOMER_ORDER.value)
            .order_by(OrderLineRow.requested_date, OrderRow.channel_ref, OrderLineRow.line_number)
        )

    def _read(self, query: Select[Any], limit: int) -> list[LineToHandle]:
        return [LineToHandle(*row) for row in self.session.execute(query.limit(limit))]

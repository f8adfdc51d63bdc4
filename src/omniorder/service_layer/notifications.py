"""Telling customers their pickup is ready (docs/rules.md §5, beyond the reference product).

The message is written to the outbox in the transaction that made the order ready, and a
job sends it afterwards: nothing is sent for a change that rolled back, and a message is
queued once per order and store however often the job or the operation runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import uuid5

from omniorder.adapters.orm import OutboxMessageRow
from omniorder.domain.fulfilment import ready_for_pickup
from omniorder.domain.order import Order
from omniorder.service_layer.unit_of_work import UnitOfWork


class Mailer(Protocol):
    def send(self, *, recipient: str, subject: str, body: str, barcode: str | None = None) -> None:
        """`barcode`: an order's reference, shown as its QR code (the customer shows it when
        collecting, the associate scans it)."""
        ...


@dataclass
class MailResult:
    sent: int = 0
    failed: int = 0


def queue_pickup_ready(uow: UnitOfWork, *, before: Order, after: Order, now: datetime) -> int:
    """Queue a pickup-ready e-mail for each store the order just became ready at."""
    newly_ready = ready_for_pickup(after) - ready_for_pickup(before)
    customer = uow.records.customer(after.customer_account)
    if not newly_ready or customer is None or not customer.email:
        return 0
    queued = 0
    for location in sorted(newly_ready):
        message_id = uuid5(after.id, f"pickup-ready:{location}")
        if uow.outbox.get(message_id) is not None:
            continue
        store = uow.records.store(location)
        where = f"{store.name} ({location})" if store else location
        items = ", ".join(
            f"{line.open_qty} × {line.description}"
            for line in after.lines
            if line.location == location and line.open_qty
        )
        uow.outbox.add(
            OutboxMessageRow(
                id=message_id,
                kind="pickup_ready",
                order_id=after.id,
                recipient=customer.email,
                subject=f"Your order {after.sales_order_number or after.channel_ref} is ready",
                body=(
                    f"Hello {customer.name},\n\nyour order {after.channel_ref} is ready to pick "
                    f"up at {where}: {items}.\n\nBring this e-mail or your receipt: "
                    f"the code {after.channel_ref} opens your order at the till.\n"
                ),
                created_at=now,
                attempts=0,
            )
        )
        queued += 1
    return queued


def send_outbox(
    new_uow: Callable[[], UnitOfWork], mailer: Mailer, *, now: datetime, batch_size: int = 50
) -> MailResult:
    """Send what the outbox holds; a message that fails stays queued with its error."""
    result = MailResult()
    with new_uow() as uow:
        messages = list(uow.outbox.unsent(batch_size))
        for message in messages:
            message.attempts += 1
            order = uow.orders.get(message.order_id) if message.kind == "pickup_ready" else None
            try:
                mailer.send(
                    recipient=message.recipient,
                    subject=message.subject,
                    body=message.body,
                    barcode=order.channel_ref if order else None,
                )
            except OSError as error:
                message.last_error = f"{type(error).__name__}: {error}"
                result.failed += 1
                continue
            message.sent_at = now
            message.last_error = None
            result.sent += 1
        uow.commit()
    return result

"""What an operation would do, before the associate confirms it: the order after it and the
amount to pay (or refund), computed by the very use case that will perform it.

The use case runs against an HQ stand-in that forwards reads and stops at the write, so
nothing is applied, no card is touched (previews take cash stand-ins only), and the figures
are the domain's own. When money is due, the use case refuses an operation without
payment and names the amount due; the preview reads it and runs again with a stand-in cash
tender of that amount to get the order as it would be.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from omniorder.adapters.documents import order_from_document
from omniorder.domain.errors import InvalidInput, PaymentMismatch
from omniorder.domain.money import Money
from omniorder.domain.order import Order
from omniorder.domain.statuses import Tender
from omniorder.service_layer import commands
from omniorder.service_layer.cart import PaymentInput
from omniorder.service_layer.order_operations import Context
from omniorder.service_layer.ports import HQ


class _Stopped(Exception):
    def __init__(self, document: dict[str, Any]) -> None:
        super().__init__("preview")
        self.document = document


class _ReadOnlyHQ:
    """HQ for a preview: reads go through, the write is caught and never sent."""

    def __init__(self, hq: HQ) -> None:
        self._hq = hq
        self.order_document: dict[str, Any] | None = None

    def create_sales_order(
        self, document: dict[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]:
        raise _Stopped(document)

    def apply_operation(self, document: dict[str, Any]) -> dict[str, Any]:
        raise _Stopped(document)

    def get_order(self, ref: str) -> dict[str, Any]:
        self.order_document = self._hq.get_order(ref)
        return self.order_document

    def channel_data(self) -> dict[str, Any]:
        return self._hq.channel_data()


@dataclass(frozen=True)
class Preview:
    """The order as it would be after the operation, and what the customer pays now
    (positive) or gets back (negative)."""

    order: Order
    due: Money


Run = Callable[[Context, tuple[PaymentInput, ...]], object]


def preview(context: Context, run: Run, *, currency: str) -> Preview:
    """Run `run(context, payments)` without applying it; domain errors propagate."""
    try:
        return _trial(context, run, ())
    except InvalidInput as error:
        due = _amount_due(error, currency)
        if due is None:
            raise
    stand_in = (PaymentInput(tender=Tender.CASH, amount=due),)
    result = _trial(context, run, stand_in)
    return dataclasses.replace(result, due=due)


def _trial(context: Context, run: Run, payments: tuple[PaymentInput, ...]) -> Preview:
    hq = _ReadOnlyHQ(context.hq)
    try:
        run(dataclasses.replace(context, hq=hq), payments)
    except _Stopped as stopped:
        assert hq.order_document is not None
        before = order_from_document(hq.order_document)
        command = commands.command_from_document(stopped.document)
        after = commands.dry_run(before, command, context.auth)
        paid_now = sum(
            (
                p.amount.amount
                for p in after.payments
                if p.id not in {q.id for q in before.payments}
            ),
            0,
        )
        return Preview(order=after, due=Money(paid_now, before.currency))
    raise AssertionError("the use case finished without writing to HQ")


def _amount_due(error: InvalidInput, currency: str) -> Money | None:
    """The amount a refusal for missing payment says is due."""
    if isinstance(error, PaymentMismatch) and isinstance(error.due, Money):
        return error.due if error.due.currency == currency else None
    return None

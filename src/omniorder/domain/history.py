"""Operations on an order, and the history entry each one writes (docs/rules.md §9)."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Concatenate, ParamSpec, TypeVar
from uuid import UUID, uuid5

from omniorder.domain.errors import OmniorderError, OrderCancelled, OrderIsAQuote
from omniorder.domain.money import Money
from omniorder.domain.order import LineCount, Order, OrderEvent
from omniorder.domain.staff import Authorization
from omniorder.domain.statuses import OrderEventType, OrderStatus


@dataclass(frozen=True)
class Operation:
    """One request to change an order: its client-generated id, when, and who (with any
    manager who approved it). Repeating the same id changes nothing (docs/api.md, *Idempotency*)."""

    id: UUID
    at: datetime
    auth: Authorization

    def child(self, name: str) -> UUID:
        return uuid5(self.id, name)

    @property
    def refund_id(self) -> UUID:
        return refund_payment_id(self.id)

    @property
    def event_id(self) -> UUID:
        return self.child("event")


def refund_payment_id(operation_id: UUID) -> UUID:
    """The id of the one refund an operation may record (see `settlement.settle`)."""
    return uuid5(operation_id, "refund")


def already_applied(order: Order, op: Operation) -> bool:
    return order.has_event(op.event_id)


def record(
    order: Order,
    op: Operation,
    action: OrderEventType,
    *,
    amounts: Mapping[str, Money] | None = None,
    lines: Mapping[UUID, int] | None = None,
    counts: Mapping[str, int] | None = None,
    flags: Iterable[str] = (),
    collected_by: str | None = None,
) -> None:
    """Append the history entry and bump the version: every change is one new version."""
    order.events.append(
        OrderEvent(
            id=op.event_id,
            at=op.at,
            action=action,
            operator_id=op.auth.staff.operator_id,
            override_by=op.auth.override_by.operator_id if op.auth.override_by else None,
            amounts=dict(amounts or {}),
            lines=moved(order, lines or {}),
            counts=dict(counts or {}),
            flags=tuple(flags),
            collected_by=collected_by,
        )
    )
    order.version += 1


def moved(order: Order, quantities: Mapping[UUID, int]) -> tuple[LineCount, ...]:
    return tuple(LineCount(order.line(lid).sku, qty) for lid, qty in quantities.items())


def require_live_order(order: Order, action: str) -> None:
    """Refuse changes to quotes (where the action is for orders) and to finished orders."""
    if order.is_quote:
        raise OrderIsAQuote(
            f"{order.channel_ref} is a quote: convert it to an order to {action} it."
        )
    if order.status is OrderStatus.CANCELLED:
        raise OrderCancelled(f"Order {order.channel_ref} is cancelled; it cannot be {action}.")


P = ParamSpec("P")
R = TypeVar("R")


def all_or_nothing(
    operation: Callable[Concatenate[Order, P], R],
) -> Callable[Concatenate[Order, P], R]:
    """A refused operation leaves the order exactly as it was, even if it had begun changing
    it: the rules are checked as the operation goes, and a late refusal undoes the early
    changes."""

    @functools.wraps(operation)
    def guarded(order: Order, /, *args: P.args, **kwargs: P.kwargs) -> R:
        saved = copy.deepcopy(order.__dict__)
        try:
            return operation(order, *args, **kwargs)
        except OmniorderError:
            order.__dict__.clear()
            order.__dict__.update(saved)
            raise

    return guarded

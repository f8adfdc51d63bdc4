"""Operations on an existing order, as data: what the store sends to HQ's real-time
service (and, in async mode, what it writes to its journal). Each is applied with the same
domain code wherever it runs.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, TypeAdapter

from omniorder.domain import cancellation, editing, fulfilment, returns
from omniorder.domain.editing import OrderEdit
from omniorder.domain.errors import StaleVersion
from omniorder.domain.history import Operation, already_applied
from omniorder.domain.money import Money
from omniorder.domain.order import Order
from omniorder.domain.returns import ReturnLineIn, ShippingRefundPolicy
from omniorder.domain.settlement import TenderIn
from omniorder.domain.staff import Authorization
from omniorder.domain.statuses import Tender
from omniorder.service_layer.documents import decode


@dataclass(frozen=True)
class Edit:
    edit: OrderEdit
    today: date
    kind: Literal["edit"] = "edit"


@dataclass(frozen=True)
class CreatePickList:
    store_warehouse: str
    kind: Literal["pick_list"] = "pick_list"


@dataclass(frozen=True)
class MarkPicked:
    quantities: dict[UUID, int]
    kind: Literal["pick"] = "pick"


@dataclass(frozen=True)
class Pack:
    quantities: dict[UUID, int]
    kind: Literal["pack"] = "pack"


@dataclass(frozen=True)
class PickUp:
    quantities: dict[UUID, int]
    collected_by: str
    tenders: tuple[TenderIn, ...] = ()
    refund_tender: Tender | None = None
    kind: Literal["pickup"] = "pickup"


@dataclass(frozen=True)
class Ship:
    quantities: dict[UUID, int]
    balance_tender: TenderIn | None = None
    kind: Literal["ship"] = "ship"


@dataclass(frozen=True)
class Cancel:
    charge: Money
    charge_code: str | None
    charge_tax_rate: Decimal
    tenders: tuple[TenderIn, ...] = ()
    refund_tender: Tender | None = None
    # The parameters' charge; a lower `charge` needs the waive_cancellation_charge permission.
    default_charge: Money | None = None
    kind: Literal["cancel"] = "cancel"


@dataclass(frozen=True)
class CancelLines:
    quantities: dict[UUID, int]
    refund_tender: Tender | None = None
    kind: Literal["cancel_lines"] = "cancel_lines"


@dataclass(frozen=True)
class Return:
    invoice_id: UUID
    lines: tuple[ReturnLineIn, ...]
    shipping_refund: Money
    policy: ShippingRefundPolicy
    refund_tender: Tender | None = None
    kind: Literal["return"] = "return"


@dataclass(frozen=True)
class ConvertQuote:
    today: date
    prices: dict[UUID, tuple[Money, Decimal]] | None = None
    tenders: tuple[TenderIn, ...] = ()
    kind: Literal["convert"] = "convert"


Action = (
    Edit
    | CreatePickList
    | MarkPicked
    | Pack
    | PickUp
    | Ship
    | Cancel
    | CancelLines
    | Return
    | ConvertQuote
)


@dataclass(frozen=True)
class Command:
    """One operation on one order, by one operator (and approving manager) at one store."""

    operation_id: UUID
    order_id: UUID
    store_code: str
    at: datetime
    operator_id: str
    override_by: str | None
    action: Annotated[Action, Field(discriminator="kind")]
    expected_version: int | None = None


_command = TypeAdapter(Command)


def command_to_document(command: Command) -> dict[str, Any]:
    return _command.dump_python(command, mode="json")  # type: ignore[no-any-return]


def command_from_document(document: dict[str, Any]) -> Command:
    return decode(_command, document)


def apply(order: Order, command: Command, auth: Authorization) -> bool:
    """Apply the command to the order; False when it was applied before (idempotent)."""
    op = Operation(command.operation_id, command.at, auth)
    if already_applied(order, op):
        return False
    if command.expected_version is not None and command.expected_version != order.version:
        raise StaleVersion(
            f"Order {order.channel_ref} changed since you opened it; reload it and try again."
        )
    action = command.action
    match action:
        case Edit():
            editing.edit_order(order, op, action.edit, today=action.today)
        case CreatePickList():
            fulfilment.create_pick_list(
                order, op, store_code=command.store_code, store_warehouse=action.store_warehouse
            )
        case MarkPicked():
            fulfilment.mark_picked(order, op, quantities=action.quantities)
        case Pack():
            fulfilment.pack(order, op, quantities=action.quantities)
        case PickUp():
            fulfilment.pick_up(
                order,
                op,
                store_code=command.store_code,
                quantities=action.quantities,
                collected_by=action.collected_by,
                tenders=action.tenders,
                refund_tender=action.refund_tender,
            )
        case Ship():
            fulfilment.ship(
                order, op, quantities=action.quantities, balance_tender=action.balance_tender
            )
        case Cancel():
            cancellation.cancel_order(
                order,
                op,
                charge=action.charge,
                charge_code=action.charge_code,
                charge_tax_rate=action.charge_tax_rate,
                tenders=action.tenders,
                refund_tender=action.refund_tender,
                default_charge=action.default_charge,
            )
        case CancelLines():
            cancellation.cancel_lines(
                order, op, quantities=action.quantities, refund_tender=action.refund_tender
            )
        case Return():
            returns.return_goods(
                order,
                op,
                invoice_id=action.invoice_id,
                lines=action.lines,
                shipping_refund=action.shipping_refund,
                policy=action.policy,
                store_code=command.store_code,
                refund_tender=action.refund_tender,
            )
        case ConvertQuote():
            editing.convert_quote(
                order, op, today=action.today, prices=action.prices, tenders=action.tenders
            )
    return True


def dry_run(order: Order, command: Command, auth: Authorization) -> Order:
    """The order as it would be after the command; the given order is left untouched."""
    trial = copy.deepcopy(order)
    apply(trial, command, auth)
    return trial

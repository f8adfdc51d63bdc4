"""What an associate asks of an existing order (docs/rules.md §4–§8), before any parameter or
master data is applied to it.

A store sends an `OperationRequest` to HQ's real-time service (or, for an order HQ does not
hold yet, journals it). Whoever applies it — HQ always, for an order HQ holds — resolves it
with **its own** parameters and master data into a `commands.Command` (the cancellation
charge and its tax, the shipping-refund policy, prices of added lines, today's date in the
store's time zone) and applies that with the domain. So a store's stale copy of the
parameters can show the associate what HQ will decide, but never overrules HQ.

`preview()` is the pure query behind every "amount due" shown before a confirmation: the
same resolution and domain command on a copy of the order; nothing is written anywhere.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid5

from pydantic import Field, TypeAdapter

from omniorder.domain import cancellation
from omniorder.domain.creation import ChargeRequest, LineRequest
from omniorder.domain.editing import LineChange, OrderEdit
from omniorder.domain.errors import IdInUse, InvalidInput, PaymentMismatch, StaleVersion
from omniorder.domain.history import Operation, already_applied
from omniorder.domain.money import Money, total
from omniorder.domain.order import Address, Order, OrderLine, Payment
from omniorder.domain.returns import ReturnLineIn, ShippingRefundPolicy
from omniorder.domain.settlement import TenderIn
from omniorder.domain.staff import Authorization
from omniorder.domain.statuses import Fulfilment, Tender
from omniorder.service_layer import commands
from omniorder.service_layer.cart import (
    LineInput,
    price_line,
    require_parameters,
    require_store,
    shipping_charge,
    store_today,
    tax_table,
)
from omniorder.service_layer.documents import decode
from omniorder.service_layer.unit_of_work import Orders, Records

# -- the requests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LineUpdate:
    """Fields of an existing line to change; None keeps the current value."""

    line_id: UUID
    quantity: int | None = None
    fulfilment: Fulfilment | None = None
    requested_date: date | None = None
    delivery_mode: str | None = None
    ship_to: Address | None = None
    ship_to_address_id: UUID | None = None
    pickup_store: str | None = None
    pickup_by: str | None = None


@dataclass(frozen=True)
class EditRequest:
    add: tuple[LineInput, ...] = ()
    change: tuple[LineUpdate, ...] = ()
    void: tuple[UUID, ...] = ()
    shipping_charge: Money | None = None
    is_shipping_changed: bool = False
    deposit_override: Money | None = None
    is_deposit_override_changed: bool = False
    is_recalculated: bool = False
    tenders: tuple[TenderIn, ...] = ()
    refund_tender: Tender | None = None
    expires_on: date | None = None
    is_expiry_changed: bool = False
    kind: Literal["edit"] = "edit"


@dataclass(frozen=True)
class PickListRequest:
    kind: Literal["pick_list"] = "pick_list"


# Picking, packing, pickup and line cancellation need no parameter or master data: the
# request is the command itself.
PickRequest = commands.MarkPicked
PackRequest = commands.Pack
PickUpRequest = commands.PickUp
CancelLinesRequest = commands.CancelLines


@dataclass(frozen=True)
class CancelRequest:
    """`charge` None: the default charge, from the parameters of whoever applies it."""

    charge: Money | None = None
    tenders: tuple[TenderIn, ...] = ()
    refund_tender: Tender | None = None
    kind: Literal["cancel"] = "cancel"


@dataclass(frozen=True)
class ReturnRequest:
    invoice: str
    lines: tuple[ReturnLineIn, ...]
    shipping_refund: Money
    refund_tender: Tender | None = None
    kind: Literal["return"] = "return"


@dataclass(frozen=True)
class ConvertRequest:
    tenders: tuple[TenderIn, ...] = ()
    kind: Literal["convert"] = "convert"


Request = (
    EditRequest
    | PickListRequest
    | PickRequest
    | PackRequest
    | PickUpRequest
    | CancelRequest
    | CancelLinesRequest
    | ReturnRequest
    | ConvertRequest
)


@dataclass(frozen=True)
class OperationRequest:
    """One operation on one order, by one operator (and approving manager) at one store.

    `expected_version`: the version the associate saw; a newer one at HQ is a 409.
    `settled_amount`: on a journaled (offline) operation, the money that changed hands at the
    store (positive paid, negative refunded); HQ refuses the entry when its own rules would
    settle a different amount, so a cash refund already paid is never silently re-counted.
    """

    operation_id: UUID
    order_ref: str
    store_code: str
    at: datetime
    operator_id: str
    override_by: str | None
    request: Annotated[Request, Field(discriminator="kind")]
    expected_version: int | None = None
    settled_amount: Money | None = None


_adapter = TypeAdapter(OperationRequest)


def to_document(operation: OperationRequest) -> dict[str, Any]:
    return _adapter.dump_python(operation, mode="json")  # type: ignore[no-any-return]


def from_document(document: dict[str, Any]) -> OperationRequest:
    return decode(_adapter, document)


def is_request_document(document: dict[str, Any]) -> bool:
    """Journal entries written before HQ resolved requests itself carry a resolved command."""
    return isinstance(document, dict) and "request" in document


def tenders_of(request: Request) -> tuple[TenderIn, ...]:
    return getattr(request, "tenders", ())


def check_tender_ids(orders: Orders, order: Order, request: Request) -> None:
    """Payment ids are the client's: one already used by another order is a 409 naming it,
    never a database error."""
    for index, tender in enumerate(tenders_of(request)):
        owner = orders.order_of_payment(tender.id)
        if owner is not None and owner != order.id:
            raise IdInUse(
                f"payments[{index}].id",
                f"Payment id {tender.id} already belongs to another order; send a new id.",
            )


def with_tenders(request: Request, tenders: tuple[TenderIn, ...]) -> Request:
    if isinstance(request, EditRequest | PickUpRequest | CancelRequest | ConvertRequest):
        return dataclasses.replace(request, tenders=tenders)
    return request


# -- applying a request with the applier's own master data -----------------------------------


def perform(
    order: Order, operation: OperationRequest, records: Records, auth: Authorization
) -> bool:
    """Resolve the request with `records` (the applier's parameters and master data) and
    apply it to the order; False when this operation was applied before (idempotent).

    A stale `expected_version` is refused with `StaleVersion` naming the current version.
    """
    if already_applied(order, Operation(operation.operation_id, operation.at, auth)):
        return False
    if operation.expected_version is not None and operation.expected_version != order.version:
        raise StaleVersion(
            f"Order {order.channel_ref} changed since you opened it (it is now at version "
            f"{order.version}); reload it and try again.",
            current_version=order.version,
        )
    before = {p.id for p in order.payments}
    command = resolve(order, operation, records)
    commands.apply(order, command, auth)
    if operation.settled_amount is not None:
        settled = settled_by(order, before)
        if settled != operation.settled_amount:
            raise InvalidInput(
                "settled_amount",
                f"The store settled {operation.settled_amount} for this operation, but HQ's "
                f"rules settle {settled}; fix the parameters or the order at HQ and retry.",
            )
    return True


def settled_by(order: Order, known_payment_ids: set[UUID]) -> Money:
    """The money an operation moved: its new payments (negative for refunds)."""
    return total(
        [p.amount for p in order.payments if p.id not in known_payment_ids], order.currency
    )


def new_payments(before: Order, after: Order) -> list[Payment]:
    known = {p.id for p in before.payments}
    return [p for p in after.payments if p.id not in known]


@dataclass(frozen=True)
class Preview:
    """The order as it would be after the operation, and what the customer pays now
    (positive) or gets back (negative)."""

    order: Order
    due: Money


def preview(
    order: Order, operation: OperationRequest, records: Records, auth: Authorization
) -> Preview:
    """What the operation would do, computed on a copy of the order: nothing is written.

    With no payment offered, the domain names the amount due; the figures are then those of
    the operation settled with that amount in cash (a stand-in that is never recorded).
    """
    trial = copy.deepcopy(order)
    try:
        perform(trial, operation, records, auth)
    except PaymentMismatch as mismatch:
        if tenders_of(operation.request) or not isinstance(mismatch.due, Money):
            raise
        stand_in = TenderIn(uuid5(operation.operation_id, "preview"), Tender.CASH, mismatch.due)
        operation = dataclasses.replace(
            operation, request=with_tenders(operation.request, (stand_in,))
        )
        trial = copy.deepcopy(order)
        perform(trial, operation, records, auth)
    return Preview(order=trial, due=settled_by(trial, {p.id for p in order.payments}))


def resolve(order: Order, operation: OperationRequest, records: Records) -> commands.Command:
    """The command the request stands for, under `records`' parameters and master data."""
    return commands.Command(
        operation_id=operation.operation_id,
        order_id=order.id,
        store_code=operation.store_code,
        at=operation.at,
        operator_id=operation.operator_id,
        override_by=operation.override_by,
        action=_action(order, operation, records),
        expected_version=operation.expected_version,
    )


def _action(order: Order, operation: OperationRequest, records: Records) -> commands.Action:
    request = operation.request
    match request:
        case PickListRequest():
            store = require_store(records, operation.store_code)
            return commands.CreatePickList(store_warehouse=store.warehouse)
        case commands.MarkPicked() | commands.Pack() | commands.PickUp() | commands.CancelLines():
            return request
        case CancelRequest():
            return _cancel(order, operation, request, records)
        case ReturnRequest():
            return _return(order, request, records)
        case EditRequest():
            return _edit(order, operation, request, records)
        case ConvertRequest():
            return _convert(order, operation, request, records)


def default_cancellation_charge(order: Order, records: Records) -> Money:
    """The charge shown to the associate, who may change it (docs/rules.md §6)."""
    params = require_parameters(records)
    return cancellation.cancellation_charge(order, params.cancellation_charge_percent)


def _cancel(
    order: Order, operation: OperationRequest, request: CancelRequest, records: Records
) -> commands.Cancel:
    params = require_parameters(records)
    default = cancellation.cancellation_charge(order, params.cancellation_charge_percent)
    amount = request.charge if request.charge is not None else default
    code = params.cancellation_charge_code
    charge_code = records.charge_code(code) if code else None
    store = require_store(records, operation.store_code)
    rate = (
        tax_table(records, params).rate(charge_code.tax_group, store.code)
        if charge_code
        else params.default_tax_rate
    )
    return commands.Cancel(
        charge=amount,
        charge_code=charge_code.code if charge_code else None,
        charge_tax_rate=rate,
        tenders=request.tenders,
        refund_tender=request.refund_tender,
        default_charge=default,
    )


def _return(order: Order, request: ReturnRequest, records: Records) -> commands.Return:
    params = require_parameters(records)
    matches = [i for i in order.invoices if request.invoice in (i.number, str(i.id))]
    if not matches:
        raise InvalidInput("invoice", f"Invoice {request.invoice} is not on this order.")
    return commands.Return(
        invoice_id=matches[0].id,
        lines=request.lines,
        shipping_refund=request.shipping_refund,
        policy=ShippingRefundPolicy(
            is_allowed=params.is_shipping_refund_allowed,
            max_without_approval=Money(
                params.max_shipping_refund_without_approval_amount, params.currency
            ),
        ),
        refund_tender=request.refund_tender,
    )


def _edit(
    order: Order, operation: OperationRequest, request: EditRequest, records: Records
) -> commands.Edit:
    """Edit lines, dates and charges; prices stay locked unless recalculated (docs/rules.md §4)."""
    params = require_parameters(records)
    taxes = tax_table(records, params)
    store = require_store(records, operation.store_code)

    def priced(line: LineInput, where: str) -> LineRequest:
        return price_line(
            records,
            line,
            where,
            params=params,
            taxes=taxes,
            store=store,
            customer_account=order.customer_account,
        )

    changes = []
    for index, update in enumerate(request.change):
        try:
            current = order.line(update.line_id)
        except KeyError:
            raise InvalidInput(
                f"change[{index}].line_id", "That line is not on this order."
            ) from None
        new = priced(merged(current, update), f"change[{index}]")
        if not request.is_recalculated:
            new = dataclasses.replace(new, unit_price=current.unit_price)
        changes.append(LineChange(update.line_id, new))
    if request.is_recalculated:
        changed = {c.line_id for c in changes}
        for line in order.lines:
            if line.id in changed or line.invoiced_qty or not line.live_qty:
                continue
            if not line.is_customer_order_line:
                continue
            fresh = priced(merged(line, LineUpdate(line.id)), f"lines[{line.line_number - 1}]")
            changes.append(LineChange(line.id, fresh))
    added = tuple(priced(line, f"add[{i}]") for i, line in enumerate(request.add))
    shipping: ChargeRequest | None = None
    if request.is_shipping_changed:
        ship_lines = [
            LineRequest(
                sku=line.sku,
                description=line.description,
                quantity=line.live_qty,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                fulfilment=line.fulfilment,
                delivery_mode=line.delivery_mode,
                location=line.location,
                ship_to=line.ship_to,
            )
            for line in order.lines
            if line.fulfilment is Fulfilment.SHIP and line.live_qty
        ] + [line for line in added if line.fulfilment is Fulfilment.SHIP]
        amount = request.shipping_charge or Money.zero(params.currency)
        shipping = shipping_charge(records, amount, ship_lines, params, taxes)
    return commands.Edit(
        edit=OrderEdit(
            expected_version=(
                operation.expected_version
                if operation.expected_version is not None
                else order.version
            ),
            add=added,
            change=tuple(changes),
            void=request.void,
            shipping=shipping,
            is_shipping_changed=request.is_shipping_changed,
            deposit_override=request.deposit_override,
            is_deposit_override_changed=request.is_deposit_override_changed,
            tenders=request.tenders,
            refund_tender=request.refund_tender,
            is_recalculated=request.is_recalculated,
            expires_on=request.expires_on,
            is_expiry_changed=request.is_expiry_changed,
        ),
        today=store_today(store, operation.at),
    )


def merged(line: OrderLine, update: LineUpdate) -> LineInput:
    """The line as the associate wants it: the update over the line's current values."""
    fulfilment_ = update.fulfilment or line.fulfilment
    same = fulfilment_ is line.fulfilment
    return LineInput(
        sku=line.sku,
        quantity=update.quantity if update.quantity is not None else line.live_qty,
        fulfilment=fulfilment_,
        requested_date=update.requested_date or line.requested_date,
        delivery_mode=update.delivery_mode or (line.delivery_mode if same else None),
        ship_to=update.ship_to
        or (line.ship_to if same and not update.ship_to_address_id else None),
        ship_to_address_id=update.ship_to_address_id,
        pickup_store=update.pickup_store or (line.location if same else None),
        pickup_by=update.pickup_by if update.pickup_by is not None else line.pickup_by,
    )


def _convert(
    order: Order, operation: OperationRequest, request: ConvertRequest, records: Records
) -> commands.ConvertQuote:
    """Convert a quote to a customer order; an expired quote is re-priced (docs/rules.md §8)."""
    params = require_parameters(records)
    taxes = tax_table(records, params)
    store = require_store(records, operation.store_code)
    today = store_today(store, operation.at)
    prices = None
    if order.is_quote and order.quote_status(today).value == "expired":
        prices = {}
        for index, line in enumerate(order.lines):
            fresh = price_line(
                records,
                merged(line, LineUpdate(line.id)),
                f"lines[{index}]",
                params=params,
                taxes=taxes,
                store=store,
                customer_account=order.customer_account,
            )
            prices[line.id] = (fresh.unit_price, fresh.tax_rate)
    return commands.ConvertQuote(today=today, prices=prices, tenders=request.tenders)

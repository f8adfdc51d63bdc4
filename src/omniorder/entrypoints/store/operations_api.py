"""Store API for operations on existing orders (docs/rules.md §4–§8): edit, picking and packing,
pickup, cancel, return, convert quote. Each is idempotent on its operation id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header

from omniorder.domain.errors import InvalidInput
from omniorder.domain.order import Address, Order
from omniorder.domain.returns import ReturnLineIn
from omniorder.domain.staff import Staff
from omniorder.entrypoints.deps import (
    ClientDep,
    CurrentStaff,
    NowDep,
    UowDep,
    operation_id_for,
    parse_amount,
)
from omniorder.entrypoints.http_errors import ERROR_RESPONSES
from omniorder.entrypoints.schemas import (
    AddressIn,
    AmountDuePublic,
    CancellationIn,
    CancellationPreview,
    ConversionIn,
    CustomerOrderPublic,
    LineCancellationIn,
    LinesIn,
    OperationIn,
    OrderEditIn,
    PaymentCreate,
    PickListIn,
    PickupIn,
    ReturnIn,
    amount_str,
)
from omniorder.entrypoints.store.context import StoreContext, StoreCtx
from omniorder.service_layer import auth, journal, operation_requests, order_operations
from omniorder.service_layer.cart import (
    PaymentInput,
    require_parameters,
    require_store,
    store_today,
)
from omniorder.service_layer.order_operations import Context, EditInput, LineUpdate
from omniorder.service_layer.unit_of_work import UnitOfWork

router = APIRouter(
    prefix="/api/v1/customer-orders", tags=["order operations"], responses=ERROR_RESPONSES
)
IdempotencyKey = Annotated[str | None, Header(max_length=200)]


def _context(
    ctx: StoreContext,
    uow: UnitOfWork,
    staff: Staff,
    body: OperationIn | None,
    now: datetime,
    ref: str,
    key: str | None,
    client: str | None,
) -> Context:
    override = body.manager_override if body else None
    authorization = auth.authorize(
        uow,
        staff,
        manager_id=override.operator_id if override else None,
        manager_password=override.password if override else None,
        store_code=ctx.store_code,
        now=now,
        client=client,
    )
    operation_id = (body.operation_id if body else None) or operation_id_for(
        f"{ctx.store_code}:{ref}", key
    )
    return Context(
        uow=uow,
        hq=ctx.hq,
        payments=ctx.payments,
        auth=authorization,
        store_code=ctx.store_code,
        now=now,
        operation_id=operation_id,
    )


def _currency(uow: UnitOfWork) -> str:
    with uow:
        return require_parameters(uow.records).currency


def _payments(items: list[PaymentCreate], currency: str) -> tuple[PaymentInput, ...]:
    result = []
    for index, p in enumerate(items):
        amount = parse_amount(p.amount, currency, f"payments[{index}].amount")
        assert amount is not None
        result.append(
            PaymentInput(tender=p.tender, amount=amount, card_number=p.card_number, id=p.id)
        )
    return tuple(result)


def _public(order: Order, uow: UnitOfWork, ctx: StoreContext, now: datetime) -> CustomerOrderPublic:
    """The order as answered, with its sync status like every other order answer."""
    with uow:
        today = store_today(require_store(uow.records, ctx.store_code), now)
    return CustomerOrderPublic.of(
        order, today=today, sync_status=journal.sync_status(uow, order.id)
    )


@router.patch("/{ref}", response_model=CustomerOrderPublic)
def edit_order(
    ref: str,
    body: OrderEditIn,
    ctx: StoreCtx,
    uow: UowDep,
    staff: CurrentStaff,
    now: NowDep,
    client: ClientDep,
    idempotency_key: IdempotencyKey = None,
) -> CustomerOrderPublic:
    """Edit lines, fulfilment, dates and the shipping charge (docs/rules.md §4). Send the version
    you saw; a stale one gets 409. The deposit is recomputed: pay what is due with
    `payments`, or the refund owed is paid out with `refund_tender`."""
    currency = _currency(uow)
    request = EditInput(
        expected_version=body.version,
        add=tuple(line.to_input() for line in body.add),
        change=tuple(
            LineUpdate(
                line_id=c.line_id,
                quantity=c.quantity,
                fulfilment=c.fulfilment,
                requested_date=c.requested_date,
                delivery_mode=c.delivery_mode,
                ship_to=_address(c.ship_to),
                ship_to_address_id=c.ship_to_address_id,
                pickup_store=c.pickup_store,
                pickup_by=c.pickup_by,
            )
            for c in body.change
        ),
        void=tuple(body.void),
        shipping_charge=parse_amount(body.shipping_charge, currency, "shipping_charge"),
        is_shipping_changed="shipping_charge" in body.model_fields_set,
        deposit_override=parse_amount(body.deposit_override, currency, "deposit_override"),
        is_deposit_override_changed="deposit_override" in body.model_fields_set,
        is_recalculated=body.recalculate,
        payments=_payments(body.payments, currency),
        refund_tender=body.refund_tender,
        expires_on=body.expires_on,
        is_expiry_changed="expires_on" in body.model_fields_set,
    )
    context = _context(ctx, uow, staff, body, now, ref, idempotency_key, client)
    order = order_operations.edit_order(context, ref=ref, request=request)
    return _public(order, uow, ctx, now)


def _address(address: AddressIn | None) -> Address | None:
    return address.to_domain() if address else None


@router.post("/{ref}/pick-lists", response_model=CustomerOrderPublic, status_code=201)
def create_pick_list(
    ref: str,
    body: PickListIn,
    ctx: StoreCtx,
    uow: UowDep,
    staff: CurrentStaff,
    now: NowDep,
    client: ClientDep,
    idempotency_key: IdempotencyKey = None,
) -> CustomerOrderPublic:
    """A pick list of this store's open lines (docs/rules.md §5)."""
    context = _context(ctx, uow, staff, body, now, ref, idempotency_key, client)
    order = order_operations.create_pick_list(context, ref=ref, expected_version=body.version)
    return _public(order, uow, ctx, now)


@router.post("/{ref}/picks", response_model=CustomerOrderPublic, status_code=201)
def mark_picked(
    ref: str,
    body: LinesIn,
    ctx: StoreCtx,
    uow: UowDep,
    staff: CurrentStaff,
    now: NowDep,
    client: ClientDep,
    idempotency_key: IdempotencyKey = None,
) -> CustomerOrderPublic:
    """Mark quantities picked; partial quantities are allowed."""
    context = _context(ctx, uow, staff, body, now, ref, idempotency_key, client)
    order = order_operations.mark_picked(
        context, ref=ref, quantities=body.lines, expected_version=body.version
    )
    return _public(order, uow, ctx, now)


@router.post("/{ref}/packing-slips", response_model=CustomerOrderPublic, status_code=201)
def pack(
    ref: str,
    body: LinesIn,
    ctx: StoreCtx,
    uow: UowDep,
    staff: CurrentStaff,
    now: NowDep,
    client: ClientDep,
    idempotency_key: IdempotencyKey = None,
) -> CustomerOrderPublic:
    """Pack picked ship lines onto a packing slip."""
    context = _context(ctx, uow, staff, body, now, ref, idempotency_key, client)
    order = order_operations.pack(
        context, ref=ref, quantities=body.lines, expected_version=body.version
    )
    return _public(order, uow, ctx, now)


@router.post("/{ref}/pickups/preview", response_model=AmountDuePublic)
def preview_pickup(
    ref: str,
    body: LinesIn,
    ctx: StoreCtx,
    uow: UowDep,
    staff: CurrentStaff,
    now: NowDep,
    client: ClientDep,
) -> AmountDuePublic:
    """What the customer pays (negative: gets back) to collect these quantities now. Refused
    (422 on `lines.<id>`, 409, 403) exactly as the pickup itself would be; nothing is written."""
    context = _context(ctx, uow, staff, body, now, ref, None, client)
    due = order_operations.amount_due_for_pickup(
        context, ref=ref, quantities=body.lines, expected_version=body.version
    )
    order = order_operations.latest(context, ref)
    return AmountDuePublic(amount_due=amount_str(due), deposit_held=amount_str(order.deposit_held))


@router.post("/{ref}/pickups", response_model=CustomerOrderPublic, status_code=201)
def pick_up(
    ref: str,
    body: PickupIn,
    ctx: StoreCtx,
    uow: UowDep,
    staff: CurrentStaff,
    now: NowDep,
    client: ClientDep,
    idempotency_key: IdempotencyKey = None,
) -> CustomerOrderPublic:
    """Hand over pickup lines at this store and invoice them (docs/rules.md §5)."""
    currency = _currency(uow)
    context = _context(ctx, uow, staff, body, now, ref, idempotency_key, client)
    order = order_operations.pick_up(
        context,
        ref=ref,
        quantities=body.lines,
        collected_by=body.collected_by,
        payments=_payments(body.payments, currency),
        refund_tender=body.refund_tender,
        expected_version=body.version,
    )
    return _public(order, uow, ctx, now)


@router.get("/{ref}/cancellation", response_model=CancellationPreview)
def preview_cancellation(
    ref: str, ctx: StoreCtx, uow: UowDep, staff: CurrentStaff, now: NowDep, client: ClientDep
) -> CancellationPreview:
    """The default cancellation charge and what it leaves to pay or refund: the domain's
    cancellation on a copy of the order, so the charge's tax counts as it will."""
    context = _context(ctx, uow, staff, None, now, ref, None, client)
    charge = order_operations.cancellation_charge(context, ref=ref)
    result = order_operations.preview(
        context, ref=ref, request=operation_requests.CancelRequest(charge=None)
    )
    order = order_operations.latest(context, ref)
    return CancellationPreview(
        default_charge=amount_str(charge),
        deposit_held=amount_str(order.deposit_held),
        amount_due_with_default_charge=amount_str(result.due),
    )


@router.post("/{ref}/cancellation", response_model=CustomerOrderPublic, status_code=201)
def cancel_order(
    ref: str,
    body: CancellationIn,
    ctx: StoreCtx,
    uow: UowDep,
    staff: CurrentStaff,
    now: NowDep,
    client: ClientDep,
    idempotency_key: IdempotencyKey = None,
) -> CustomerOrderPublic:
    """Cancel the order (docs/rules.md §6): charge (editable, ≥ 0) minus deposit held is paid
    with `payments`, or refunded with `refund_tender`. Reservations are released."""
    currency = _currency(uow)
    context = _context(ctx, uow, staff, body, now, ref, idempotency_key, client)
    order = order_operations.cancel_order(
        context,
        ref=ref,
        charge=parse_amount(body.charge, currency, "charge"),
        payments=_payments(body.payments, currency),
        refund_tender=body.refund_tender,
        expected_version=body.version,
    )
    return _public(order, uow, ctx, now)


@router.post("/{ref}/line-cancellations", response_model=CustomerOrderPublic, status_code=201)
def cancel_lines(
    ref: str,
    body: LineCancellationIn,
    ctx: StoreCtx,
    uow: UowDep,
    staff: CurrentStaff,
    now: NowDep,
    client: ClientDep,
    idempotency_key: IdempotencyKey = None,
) -> CustomerOrderPublic:
    """Cancel open quantities of some lines; deposit beyond what remains is refunded."""
    context = _context(ctx, uow, staff, body, now, ref, idempotency_key, client)
    order = order_operations.cancel_lines(
        context,
        ref=ref,
        quantities=body.lines,
        refund_tender=body.refund_tender,
        expected_version=body.version,
    )
    return _public(order, uow, ctx, now)


@router.post("/{ref}/returns", response_model=CustomerOrderPublic, status_code=201)
def return_goods(
    ref: str,
    body: ReturnIn,
    ctx: StoreCtx,
    uow: UowDep,
    staff: CurrentStaff,
    now: NowDep,
    client: ClientDep,
    idempotency_key: IdempotencyKey = None,
) -> CustomerOrderPublic:
    """Return invoiced goods with a reason per line; refund with their tax, plus a shipping
    refund when allowed (a manager override past the approval limit) (docs/rules.md §7)."""
    currency = _currency(uow)
    shipping = parse_amount(body.shipping_refund, currency, "shipping_refund")
    if shipping is None:
        raise InvalidInput("shipping_refund", "Enter an amount.")
    context = _context(ctx, uow, staff, body, now, ref, idempotency_key, client)
    order = order_operations.return_goods(
        context,
        ref=ref,
        invoice=body.invoice,
        lines=tuple(ReturnLineIn(li.line_id, li.quantity, li.reason_code) for li in body.lines),
        shipping_refund=shipping,
        refund_tender=body.refund_tender,
        expected_version=body.version,
    )
    return _public(order, uow, ctx, now)


@router.post("/{ref}/conversion", response_model=CustomerOrderPublic, status_code=201)
def convert_quote(
    ref: str,
    body: ConversionIn,
    ctx: StoreCtx,
    uow: UowDep,
    staff: CurrentStaff,
    now: NowDep,
    client: ClientDep,
    idempotency_key: IdempotencyKey = None,
) -> CustomerOrderPublic:
    """Convert a quote into a customer order, paying the deposit (docs/rules.md §8)."""
    currency = _currency(uow)
    context = _context(ctx, uow, staff, body, now, ref, idempotency_key, client)
    order = order_operations.convert_quote(
        context,
        ref=ref,
        payments=_payments(body.payments, currency),
        expected_version=body.version,
    )
    return _public(order, uow, ctx, now)

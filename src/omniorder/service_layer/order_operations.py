"""Store use cases on existing orders (docs/rules.md §4–§8): edit, picking and packing, pickup,
cancel, return, quote conversion.

HQ is the only writer of an order it holds. The store takes the card payments, sends what
the associate asked for (an `OperationRequest`) to HQ's real-time service, and keeps HQ's
answer as its copy; HQ decides with its own parameters and master data. The one exception
(beyond the reference product) is an order this store created that HQ does not hold yet —
an async order whose journal entries are not all synchronized: the store changes its own
copy under a row lock and journals the request, and HQ applies it in journal order.
Previews (`preview`, `amount_due_for_pickup`, `cancellation_charge`) are pure queries.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid5

from omniorder.domain.errors import NotFound, OmniorderError, Unavailable
from omniorder.domain.money import Money
from omniorder.domain.order import Order
from omniorder.domain.returns import ReturnLineIn
from omniorder.domain.settlement import Handover, TenderIn, invoiced_since
from omniorder.domain.staff import Authorization, Permission
from omniorder.domain.statuses import Tender
from omniorder.service_layer import customer_orders, journal
from omniorder.service_layer import operation_requests as requests
from omniorder.service_layer.cards import authorize_cards, refund_to_cards, void_cards
from omniorder.service_layer.cart import LineInput, PaymentInput
from omniorder.service_layer.documents import order_from_document
from omniorder.service_layer.operation_requests import (
    LineUpdate,
    OperationRequest,
    Preview,
    Request,
)
from omniorder.service_layer.ports import HQ, PaymentConnector
from omniorder.service_layer.unit_of_work import UnitOfWork

__all__ = ["Context", "EditInput", "LineUpdate", "Preview"]


@dataclass(frozen=True)
class Context:
    """Who acts, where and when, with the ports a store use case needs."""

    uow: UnitOfWork
    hq: HQ
    payments: PaymentConnector
    auth: Authorization
    store_code: str
    now: datetime
    operation_id: UUID


def latest(ctx: Context, ref: str) -> Order:
    """The order as HQ has it now (the store's copy when HQ is away, or when the order is
    still this store's alone)."""
    return customer_orders.read_order(
        ctx.uow, ref=ref, auth=ctx.auth, hq=ctx.hq, store_code=ctx.store_code
    ).order


def preview(
    ctx: Context, *, ref: str, request: Request, expected_version: int | None = None
) -> Preview:
    """What the operation would do and cost, on a copy of the latest order: nothing is
    written, nothing is sent (the store's parameters stand in for HQ's)."""
    order = latest(ctx, ref)
    operation = _operation(ctx, ref, request, expected_version)
    with ctx.uow as uow:
        return requests.preview(order, operation, uow.records, ctx.auth)


def _operation(
    ctx: Context, ref: str, request: Request, expected_version: int | None
) -> OperationRequest:
    return OperationRequest(
        operation_id=ctx.operation_id,
        order_ref=ref,
        store_code=ctx.store_code,
        at=ctx.now,
        operator_id=ctx.auth.staff.operator_id,
        override_by=ctx.auth.override_by.operator_id if ctx.auth.override_by else None,
        request=request,
        expected_version=expected_version,
    )


def _perform(
    ctx: Context,
    ref: str,
    request: Request,
    *,
    card_numbers: dict[UUID, str] | None = None,
    expected_version: int | None = None,
) -> Order:
    ctx.auth.require(Permission.RECALL_ORDER, "recall orders")
    operation = _operation(ctx, ref, request, expected_version)
    offline = _held_here_only(ctx, ref)
    tenders = authorize_cards(ctx.payments, requests.tenders_of(request), card_numbers or {})
    operation = dataclasses.replace(operation, request=requests.with_tenders(request, tenders))
    try:
        perform = _perform_offline if offline else _perform_at_hq
        result = perform(ctx, operation)
    except OmniorderError as error:
        if not isinstance(error, Unavailable):
            # HQ refused (or the store did): nothing was taken. When HQ could not be
            # reached it may have applied the operation: keep the authorizations for the retry.
            void_cards(ctx.payments, tenders)
        raise
    refund_to_cards(ctx.payments, order=result, operation_id=operation.operation_id)
    return result


def _held_here_only(ctx: Context, ref: str) -> bool:
    """True for an order this store created that HQ does not hold yet (some of its journal
    entries are not synchronized): then this store, and only it, may change it."""
    with ctx.uow as uow:
        order = uow.orders.get_by_ref(ref)
        if order is None or order.store_code != ctx.store_code:
            return False
        return journal.is_waiting(uow, order.id)


def _perform_at_hq(ctx: Context, operation: OperationRequest) -> Order:
    result = order_from_document(ctx.hq.perform_operation(requests.to_document(operation)))
    customer_orders.keep_copy(ctx.uow, result)
    return result


def _perform_offline(ctx: Context, operation: OperationRequest) -> Order:
    """Beyond the reference product: change this store's own copy under a row lock and
    journal the request in the same transaction; HQ applies it after the order's earlier
    entries, with its own rules, and refuses it if it would settle a different amount."""
    with ctx.uow as uow:
        order = uow.orders.get_by_ref(operation.order_ref, for_update=True)
        if order is None:
            raise NotFound(f"No order {operation.order_ref} at this store.")
        requests.check_tender_ids(uow.orders, order, operation.request)
        before = copy.deepcopy(order)
        if not requests.perform(order, operation, uow.records, ctx.auth):
            return order
        settled = requests.settled_by(order, {p.id for p in before.payments})
        uow.orders.save(order, expected_version=before.version)
        entry = dataclasses.replace(
            operation, order_ref=str(order.id), expected_version=None, settled_amount=settled
        )
        journal.record(
            uow,
            order=order,
            kind="operation",
            document=requests.to_document(entry),
            entry_id=journal.entry_id_for(
                uuid5(operation.operation_id, str(order.id)), "operation"
            ),
            now=ctx.now,
        )
        uow.commit()
    return order


def tenders_from(ctx: Context, payments: tuple[PaymentInput, ...]) -> tuple[TenderIn, ...]:
    return tuple(
        TenderIn(
            id=p.id or uuid5(ctx.operation_id, f"payment-{index + 1}"),
            tender=p.tender,
            amount=p.amount,
        )
        for index, p in enumerate(payments)
    )


def card_numbers_of(ctx: Context, payments: tuple[PaymentInput, ...]) -> dict[UUID, str]:
    tenders = tenders_from(ctx, payments)
    return {t.id: p.card_number for t, p in zip(tenders, payments, strict=True) if p.card_number}


# -- picking and packing, pickup (docs/rules.md §5) -----------------------------------------------


def create_pick_list(ctx: Context, *, ref: str, expected_version: int | None = None) -> Order:
    return _perform(ctx, ref, requests.PickListRequest(), expected_version=expected_version)


def mark_picked(
    ctx: Context, *, ref: str, quantities: dict[UUID, int], expected_version: int | None = None
) -> Order:
    return _perform(
        ctx, ref, requests.PickRequest(quantities=quantities), expected_version=expected_version
    )


def pack(
    ctx: Context, *, ref: str, quantities: dict[UUID, int], expected_version: int | None = None
) -> Order:
    return _perform(
        ctx, ref, requests.PackRequest(quantities=quantities), expected_version=expected_version
    )


def amount_due_for_pickup(
    ctx: Context,
    *,
    ref: str,
    quantities: dict[UUID, int],
    expected_version: int | None = None,
) -> Money:
    """What the customer pays (negative: gets back) to collect these quantities now: the
    pickup itself on a copy of the order (`preview()`), so the preview refuses what the
    pickup would — a quantity beyond what is open, a line that is not a pickup here, a
    finished order, a stale version."""
    request = requests.PickUpRequest(quantities=quantities, collected_by=_PREVIEW_COLLECTOR)
    return preview(ctx, ref=ref, request=request, expected_version=expected_version).due


def pickup_handover(
    ctx: Context,
    *,
    ref: str,
    quantities: dict[UUID, int],
    expected_version: int | None = None,
) -> Handover:
    """The money of collecting these quantities now (docs/rules.md §5): the value invoiced,
    the deposit applied to it and the amount due — the pickup on a copy of the order, like
    `amount_due_for_pickup()`, whose amount it names as `due`."""
    order = latest(ctx, ref)
    request = requests.PickUpRequest(quantities=quantities, collected_by=_PREVIEW_COLLECTOR)
    operation = _operation(ctx, ref, request, expected_version)
    with ctx.uow as uow:
        result = requests.preview(order, operation, uow.records, ctx.auth)
    return invoiced_since(result.order, {invoice.id for invoice in order.invoices})


# Who collects is asked only when the goods are handed over; the preview needs a stand-in.
_PREVIEW_COLLECTOR = "(preview)"


def pick_up(
    ctx: Context,
    *,
    ref: str,
    quantities: dict[UUID, int],
    collected_by: str,
    payments: tuple[PaymentInput, ...],
    refund_tender: Tender | None = None,
    expected_version: int | None = None,
) -> Order:
    """Hand over pickup lines at this store; invoice them (docs/rules.md §5)."""
    request = requests.PickUpRequest(
        quantities=quantities,
        collected_by=collected_by,
        tenders=tenders_from(ctx, payments),
        refund_tender=refund_tender,
    )
    return _perform(
        ctx,
        ref,
        request,
        card_numbers=card_numbers_of(ctx, payments),
        expected_version=expected_version,
    )


# -- cancel (docs/rules.md §6) --------------------------------------------------------------------


def cancellation_charge(ctx: Context, *, ref: str) -> Money:
    """The default charge shown to the associate, who may change it (HQ applies its own
    percentage when the associate leaves it)."""
    order = latest(ctx, ref)
    with ctx.uow as uow:
        return requests.default_cancellation_charge(order, uow.records)


def cancel_order(
    ctx: Context,
    *,
    ref: str,
    charge: Money | None,
    payments: tuple[PaymentInput, ...] = (),
    refund_tender: Tender | None = None,
    expected_version: int | None = None,
) -> Order:
    request = requests.CancelRequest(
        charge=charge, tenders=tenders_from(ctx, payments), refund_tender=refund_tender
    )
    return _perform(
        ctx,
        ref,
        request,
        card_numbers=card_numbers_of(ctx, payments),
        expected_version=expected_version,
    )


def cancel_lines(
    ctx: Context,
    *,
    ref: str,
    quantities: dict[UUID, int],
    refund_tender: Tender | None = None,
    expected_version: int | None = None,
) -> Order:
    request = requests.CancelLinesRequest(quantities=quantities, refund_tender=refund_tender)
    return _perform(ctx, ref, request, expected_version=expected_version)


# -- returns (docs/rules.md §7) -------------------------------------------------------------------


def return_goods(
    ctx: Context,
    *,
    ref: str,
    invoice: str,
    lines: tuple[ReturnLineIn, ...],
    shipping_refund: Money,
    refund_tender: Tender | None = None,
    expected_version: int | None = None,
) -> Order:
    request = requests.ReturnRequest(
        invoice=invoice, lines=lines, shipping_refund=shipping_refund, refund_tender=refund_tender
    )
    return _perform(ctx, ref, request, expected_version=expected_version)


# -- edit and quotes (docs/rules.md §4, §8) -------------------------------------------------------


@dataclass(frozen=True)
class EditInput:
    expected_version: int
    add: tuple[LineInput, ...] = ()
    change: tuple[LineUpdate, ...] = ()
    void: tuple[UUID, ...] = ()
    shipping_charge: Money | None = None
    is_shipping_changed: bool = False
    deposit_override: Money | None = None
    is_deposit_override_changed: bool = False
    is_recalculated: bool = False
    payments: tuple[PaymentInput, ...] = ()
    refund_tender: Tender | None = None
    expires_on: date | None = None
    is_expiry_changed: bool = False


def edit_request(ctx: Context, request: EditInput) -> requests.EditRequest:
    return requests.EditRequest(
        add=request.add,
        change=request.change,
        void=request.void,
        shipping_charge=request.shipping_charge,
        is_shipping_changed=request.is_shipping_changed,
        deposit_override=request.deposit_override,
        is_deposit_override_changed=request.is_deposit_override_changed,
        is_recalculated=request.is_recalculated,
        tenders=tenders_from(ctx, request.payments),
        refund_tender=request.refund_tender,
        expires_on=request.expires_on,
        is_expiry_changed=request.is_expiry_changed,
    )


def edit_order(ctx: Context, *, ref: str, request: EditInput) -> Order:
    """Edit lines, dates and charges; prices stay locked unless recalculated (docs/rules.md §4)."""
    return _perform(
        ctx,
        ref,
        edit_request(ctx, request),
        card_numbers=card_numbers_of(ctx, request.payments),
        expected_version=request.expected_version,
    )


def convert_quote(
    ctx: Context,
    *,
    ref: str,
    payments: tuple[PaymentInput, ...] = (),
    expected_version: int | None = None,
) -> Order:
    """Convert a quote to a customer order; an expired quote is re-priced (docs/rules.md §8)."""
    return _perform(
        ctx,
        ref,
        requests.ConvertRequest(tenders=tenders_from(ctx, payments)),
        card_numbers=card_numbers_of(ctx, payments),
        expected_version=expected_version,
    )

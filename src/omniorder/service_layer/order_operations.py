"""Store use cases on existing orders (RULES.md §4–§8), in sync mode: the store checks the
operation on its latest copy of the order, takes card payments, and HQ's real-time service
applies it to the sales order; the store keeps HQ's result.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid5

from omniorder.adapters.documents import order_from_document
from omniorder.domain import cancellation, fulfilment
from omniorder.domain.creation import ChargeRequest, LineRequest
from omniorder.domain.editing import LineChange, OrderEdit
from omniorder.domain.errors import InvalidInput, NotFound, OmniorderError, Unavailable
from omniorder.domain.money import Money
from omniorder.domain.order import Address, Order, OrderLine
from omniorder.domain.returns import ReturnLineIn, ShippingRefundPolicy
from omniorder.domain.settlement import TenderIn
from omniorder.domain.staff import Authorization, Permission
from omniorder.domain.statuses import Fulfilment, Tender
from omniorder.service_layer import commands, journal
from omniorder.service_layer.card_refunds import refund_to_cards
from omniorder.service_layer.cart import (
    LineInput,
    PaymentInput,
    price_line,
    require_parameters,
    require_store,
    shipping_charge,
    store_today,
    tax_table,
)
from omniorder.service_layer.ports import HQ, PaymentConnector
from omniorder.service_layer.unit_of_work import UnitOfWork


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
    """The order to act on: HQ's current copy in sync mode (HQ is the system of record),
    kept locally; the store's own copy in async mode."""
    auth = ctx.auth
    auth.require(Permission.RECALL_ORDER, "recall orders")
    if journal.store_mode(ctx.uow, ctx.store_code).is_async:
        with ctx.uow as uow:
            local = uow.orders.get_by_ref(ref)
        if local is None:
            raise NotFound(f"No order {ref} at this store.")
        return local
    try:
        order = order_from_document(ctx.hq.get_order(ref))
    except NotFound:
        raise NotFound(f"No order {ref}.") from None
    with ctx.uow as uow:
        uow.orders.put(order)
        uow.commit()
    return order


def _perform(
    ctx: Context,
    ref: str,
    build: Callable[[Order, UnitOfWork], commands.Action],
    *,
    card_numbers: dict[UUID, str] | None = None,
    expected_version: int | None = None,
) -> Order:
    order = latest(ctx, ref)
    with ctx.uow as uow:
        action = build(order, uow)
    command = _command(ctx, order, action, expected_version)
    commands.dry_run(order, command, ctx.auth)  # every rule checked before money moves
    action, authorized = _authorize_cards(ctx, action, card_numbers or {})
    command = dataclasses.replace(command, action=action)
    if journal.store_mode(ctx.uow, ctx.store_code).is_async:
        return _perform_async(ctx, order.id, command)
    try:
        result = order_from_document(ctx.hq.apply_operation(commands.command_to_document(command)))
    except Unavailable:
        raise  # HQ may have applied it: keep the authorizations for the retry
    except OmniorderError:
        for payment_id in authorized:
            ctx.payments.void(payment_id)
        raise
    with ctx.uow as uow:
        uow.orders.put(result)
        uow.commit()
    refund_to_cards(ctx.payments, before=order, after=result)
    return result


def _perform_async(ctx: Context, order_id: UUID, command: commands.Command) -> Order:
    """Async mode (beyond the reference product): apply the operation to the store's copy
    and journal it in the same transaction; HQ applies it after the order's earlier entries."""
    with ctx.uow as uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound("The order is no longer at this store.")
        before = copy.deepcopy(order)
        if commands.apply(order, command, ctx.auth):
            uow.orders.put(order)
            journal.record(
                uow,
                order=order,
                kind="operation",
                document=commands.command_to_document(command),
                entry_id=journal.entry_id_for(command.operation_id, "operation"),
                now=ctx.now,
            )
            uow.commit()
            refund_to_cards(ctx.payments, before=before, after=order)
    return order


def _command(
    ctx: Context, order: Order, action: commands.Action, expected_version: int | None
) -> commands.Command:
    return commands.Command(
        operation_id=ctx.operation_id,
        order_id=order.id,
        store_code=ctx.store_code,
        at=ctx.now,
        operator_id=ctx.auth.staff.operator_id,
        override_by=ctx.auth.override_by.operator_id if ctx.auth.override_by else None,
        action=action,
        expected_version=expected_version,
    )


def _authorize_cards(
    ctx: Context, action: commands.Action, card_numbers: dict[UUID, str]
) -> tuple[commands.Action, list[UUID]]:
    tenders: tuple[TenderIn, ...] = getattr(action, "tenders", ())
    authorized: list[UUID] = []
    result = []
    try:
        for index, tender in enumerate(tenders):
            if tender.tender is not Tender.CARD:
                result.append(tender)
                continue
            number = card_numbers.get(tender.id)
            if not number:
                raise InvalidInput(f"payments[{index}].card_number", "Enter the card number.")
            try:
                card = ctx.payments.authorize(tender.id, tender.amount, number)
            except InvalidInput as error:
                raise InvalidInput(f"payments[{index}].card_number", error.message) from None
            authorized.append(tender.id)
            result.append(
                dataclasses.replace(
                    tender,
                    card_last4=card.card_last4,
                    authorization_code=card.authorization_code,
                    card_token=card.card_token,
                )
            )
    except OmniorderError:
        for payment_id in authorized:
            ctx.payments.void(payment_id)
        raise
    if not tenders:
        return action, []
    return dataclasses.replace(action, tenders=tuple(result)), authorized  # type: ignore[arg-type]


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


# -- picking and packing, pickup (RULES.md §5) -----------------------------------------------


def create_pick_list(ctx: Context, *, ref: str) -> Order:
    def build(_order: Order, uow: UnitOfWork) -> commands.Action:
        store = require_store(uow.records, ctx.store_code)
        return commands.CreatePickList(store_warehouse=store.warehouse)

    return _perform(ctx, ref, build)


def mark_picked(ctx: Context, *, ref: str, quantities: dict[UUID, int]) -> Order:
    return _perform(ctx, ref, lambda _o, _u: commands.MarkPicked(quantities=quantities))


def pack(ctx: Context, *, ref: str, quantities: dict[UUID, int]) -> Order:
    return _perform(ctx, ref, lambda _o, _u: commands.Pack(quantities=quantities))


def amount_due_for_pickup(ctx: Context, *, ref: str, quantities: dict[UUID, int]) -> Money:
    """What the customer pays (negative: gets back) to collect these quantities now."""
    return fulfilment.amount_due_for_pickup(latest(ctx, ref), quantities)


def pick_up(
    ctx: Context,
    *,
    ref: str,
    quantities: dict[UUID, int],
    collected_by: str,
    payments: tuple[PaymentInput, ...],
    refund_tender: Tender = Tender.CASH,
) -> Order:
    """Hand over pickup lines at this store; invoice them (RULES.md §5)."""
    action = commands.PickUp(
        quantities=quantities,
        collected_by=collected_by,
        tenders=tenders_from(ctx, payments),
        refund_tender=refund_tender,
    )
    return _perform(ctx, ref, lambda _o, _u: action, card_numbers=card_numbers_of(ctx, payments))


# -- cancel (RULES.md §6) --------------------------------------------------------------------


def cancellation_charge(ctx: Context, *, ref: str) -> Money:
    """The default charge shown to the associate, who may change it."""
    order = latest(ctx, ref)
    with ctx.uow as uow:
        params = require_parameters(uow.records)
    return cancellation.cancellation_charge(order, params.cancellation_charge_percent)


def cancel_order(
    ctx: Context,
    *,
    ref: str,
    charge: Money | None,
    payments: tuple[PaymentInput, ...] = (),
    refund_tender: Tender = Tender.CASH,
) -> Order:
    def build(order: Order, uow: UnitOfWork) -> commands.Action:
        params = require_parameters(uow.records)
        amount = (
            charge
            if charge is not None
            else cancellation.cancellation_charge(order, params.cancellation_charge_percent)
        )
        code = params.cancellation_charge_code
        charge_code = uow.records.charge_code(code) if code else None
        store = require_store(uow.records, ctx.store_code)
        rate = (
            tax_table(uow.records, params).rate(charge_code.tax_group, store.code)
            if charge_code
            else params.default_tax_rate
        )
        return commands.Cancel(
            charge=amount,
            charge_code=charge_code.code if charge_code else None,
            charge_tax_rate=rate,
            tenders=tenders_from(ctx, payments),
            refund_tender=refund_tender,
        )

    return _perform(ctx, ref, build, card_numbers=card_numbers_of(ctx, payments))


def cancel_lines(
    ctx: Context, *, ref: str, quantities: dict[UUID, int], refund_tender: Tender = Tender.CASH
) -> Order:
    return _perform(
        ctx,
        ref,
        lambda _o, _u: commands.CancelLines(quantities=quantities, refund_tender=refund_tender),
    )


# -- returns (RULES.md §7) -------------------------------------------------------------------


def return_goods(
    ctx: Context,
    *,
    ref: str,
    invoice: str,
    lines: tuple[ReturnLineIn, ...],
    shipping_refund: Money,
    refund_tender: Tender = Tender.CASH,
) -> Order:
    def build(order: Order, uow: UnitOfWork) -> commands.Action:
        params = require_parameters(uow.records)
        matches = [i for i in order.invoices if invoice in (i.number, str(i.id))]
        if not matches:
            raise InvalidInput("invoice", f"Invoice {invoice} is not on this order.")
        return commands.Return(
            invoice_id=matches[0].id,
            lines=lines,
            shipping_refund=shipping_refund,
            policy=ShippingRefundPolicy(
                is_allowed=params.is_shipping_refund_allowed,
                max_without_approval=Money(
                    params.max_shipping_refund_without_approval_amount, params.currency
                ),
            ),
            refund_tender=refund_tender,
        )

    return _perform(ctx, ref, build)


# -- edit and quotes (RULES.md §4, §8) -------------------------------------------------------


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
    refund_tender: Tender = Tender.CASH


def edit_order(ctx: Context, *, ref: str, request: EditInput) -> Order:
    """Edit lines, dates and charges; prices stay locked unless recalculated (RULES.md §4)."""

    def build(order: Order, uow: UnitOfWork) -> commands.Action:
        params = require_parameters(uow.records)
        taxes = tax_table(uow.records, params)
        store = require_store(uow.records, ctx.store_code)

        def priced(line: LineInput, where: str) -> LineRequest:
            return price_line(
                uow.records,
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
            new = priced(_merged(current, update), f"change[{index}]")
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
                fresh = priced(_merged(line, LineUpdate(line.id)), f"lines[{line.line_number - 1}]")
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
            shipping = shipping_charge(uow.records, amount, ship_lines, params, taxes)
        return commands.Edit(
            edit=OrderEdit(
                expected_version=request.expected_version,
                add=added,
                change=tuple(changes),
                void=request.void,
                shipping=shipping,
                is_shipping_changed=request.is_shipping_changed,
                deposit_override=request.deposit_override,
                is_deposit_override_changed=request.is_deposit_override_changed,
                tenders=tenders_from(ctx, request.payments),
                refund_tender=request.refund_tender,
                is_recalculated=request.is_recalculated,
            ),
            today=store_today(store, ctx.now),
        )

    return _perform(
        ctx,
        ref,
        build,
        card_numbers=card_numbers_of(ctx, request.payments),
        expected_version=request.expected_version,
    )


def _merged(line: OrderLine, update: LineUpdate) -> LineInput:
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


def convert_quote(ctx: Context, *, ref: str, payments: tuple[PaymentInput, ...] = ()) -> Order:
    """Convert a quote to a customer order; an expired quote is re-priced (RULES.md §8)."""

    def build(order: Order, uow: UnitOfWork) -> commands.Action:
        params = require_parameters(uow.records)
        taxes = tax_table(uow.records, params)
        store = require_store(uow.records, ctx.store_code)
        today = store_today(store, ctx.now)
        prices = None
        if order.is_quote and order.quote_status(today).value == "expired":
            prices = {}
            for index, line in enumerate(order.lines):
                fresh = price_line(
                    uow.records,
                    _merged(line, LineUpdate(line.id)),
                    f"lines[{index}]",
                    params=params,
                    taxes=taxes,
                    store=store,
                    customer_account=order.customer_account,
                )
                prices[line.id] = (fresh.unit_price, fresh.tax_rate)
        return commands.ConvertQuote(
            today=today, prices=prices, tenders=tenders_from(ctx, payments)
        )

    return _perform(ctx, ref, build, card_numbers=card_numbers_of(ctx, payments))

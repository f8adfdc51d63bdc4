"""HQ use cases for sales orders: accept a store's order (real-time service), read, search."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from omniorder.adapters.orm import CustomerAddressRow, CustomerRow, InventoryRow
from omniorder.domain import fulfilment
from omniorder.domain.creation import NewOrder, check_payment_ids, create_order, differing_field
from omniorder.domain.errors import (
    IdInUse,
    InvalidInput,
    NotFound,
    OmniorderError,
    PermissionDenied,
)
from omniorder.domain.money import Money
from omniorder.domain.order import Order
from omniorder.domain.settlement import TenderIn
from omniorder.domain.staff import Authorization, Staff
from omniorder.domain.statuses import Fulfilment, Tender
from omniorder.domain.stock import Position, stock_changes, stock_position
from omniorder.domain.summary import OrderSummary
from omniorder.service_layer import notifications, operation_requests
from omniorder.service_layer.auth import staff_from_row
from omniorder.service_layer.cards import refund_to_cards
from omniorder.service_layer.cart import require_store, store_today
from omniorder.service_layer.commands import Command, Ship, apply, command_from_document
from omniorder.service_layer.documents import new_order_from_document
from omniorder.service_layer.ports import PaymentConnector
from omniorder.service_layer.unit_of_work import Records, UnitOfWork


def accept_sales_order(
    uow: UnitOfWork,
    *,
    document: dict[str, Any],
    store_code: str,
    caller: Callable[[UnitOfWork], None] | None = None,
) -> tuple[Order, list[InventoryRow]]:
    """Create the sales order for an order a store took (docs/rules.md §2.8, sync mode).

    HQ runs the same domain rules on the same priced cart, so the store and HQ build the
    same order; it then numbers the order and its invoices and reserves stock. A repeated
    request for the same order id returns the order already created. With the order come
    HQ's stock rows after its reservations — the rows they changed, or, when they changed
    none (a repeat, a quote), every location's rows of its SKUs, read in the same
    transaction; `caller` checks who asks (the calling store's token) first thing in it.

    The first attempt does not look the order and payment ids up: a new id is the rule, and
    a taken one fails the order's insert (`IdInUse`). Whatever the first attempt refuses is
    rolled back and tried once more, looking the ids up first, so that a repeated request
    is answered with the order already created even when HQ's rules would now refuse it (a
    price changed since), and a refusal is the same as before (docs/performance.md, "What
    changed on the write path").
    """
    try:
        with uow:
            if caller is not None:
                caller(uow)
            try:
                order, moved = _create_in(uow, document, store_code, look_up_ids=False)
            except OmniorderError as refused:
                raise _LookUpIds from refused
            stock = list(moved) or _stock_of(uow, order)
            uow.commit()
    except _LookUpIds:
        with uow:
            if caller is not None:
                caller(uow)
            order = create_in(uow, document=document, store_code=store_code)
            stock = _stock_of(uow, order)
            uow.commit()
    return order, stock


class _LookUpIds(Exception):
    """The first attempt at a create was refused: try again, looking the ids up first."""


def _stock_of(uow: UnitOfWork, order: Order) -> list[InventoryRow]:
    skus = sorted({line.sku for line in order.lines})
    return list(uow.records.inventory_of(skus)) if skus else []


def create_in(uow: UnitOfWork, *, document: dict[str, Any], store_code: str) -> Order:
    """The sales order for a store's create document, made in the caller's transaction
    (the real-time service, or Synchronize orders for a journal entry)."""
    return _create_in(uow, document, store_code, look_up_ids=True)[0]


def _create_in(
    uow: UnitOfWork, document: dict[str, Any], store_code: str, *, look_up_ids: bool
) -> tuple[Order, Sequence[InventoryRow]]:
    """`create_in()`, with the stock rows the order's reservations changed (none for an
    order that exists already). Without `look_up_ids`, an order or payment id already
    taken is found only by the order's insert, as `IdInUse`."""
    new = new_order_from_document(document)
    if new.store_code != store_code:
        raise PermissionDenied(
            "store", f"Store {store_code} cannot create orders for {new.store_code}."
        )
    created_at = datetime.fromisoformat(str(document["created_at"]))
    if look_up_ids:
        taken = uow.orders.taken_ids(new.id, [tender.id for tender in new.tenders])
        existing = uow.orders.get(new.id) if taken.order else None
        if existing is not None:
            field = differing_field(existing, new)
            if field is not None:
                raise IdInUse(
                    "id" if field == "id" else field,
                    f"Order id {new.id} is already used by another order"
                    + ("" if field == "id" else f" with a different {field}")
                    + "; send a new id.",
                )
            return existing, []
        check_payment_ids(new, taken.payments)
    customer = _check_references(uow.records, new)
    _check_prices(uow.records, new, document.get("price_versions") or {})
    auth = _authorization(
        uow.records, str(document["operator_id"]), document.get("override_by"), store_code
    )
    store = require_store(uow.records, store_code)
    order = create_order(new, auth=auth, today=store_today(store, created_at), now=created_at)
    order.sales_order_number = f"SO-{uow.counters.next('sales_order'):06d}"
    _number_documents(uow, order)
    moved = _move_stock(uow.records, {}, stock_position(order, _warehouses(uow.records)))
    _remember_addresses(customer, order)
    uow.orders.add(order)
    return order, moved


def _check_references(records: Records, new: NewOrder) -> CustomerRow:
    """The order's customer, once its references are checked."""
    customer = records.customer(new.customer_account)
    if customer is None:
        raise InvalidInput(
            "customer_account", f"Customer {new.customer_account} does not exist at HQ."
        )
    for index, line in enumerate(new.lines):
        product = records.product(line.sku)
        if product is None:
            raise InvalidInput(f"lines[{index}].sku", f"Product {line.sku} does not exist at HQ.")
        if not product.is_active:
            raise InvalidInput(f"lines[{index}].sku", f"Product {line.sku} is not sold any more.")
        if line.fulfilment is Fulfilment.PICKUP:
            pickup = records.store(line.location)
            if pickup is None or not pickup.is_pickup_location:
                raise InvalidInput(
                    f"lines[{index}].pickup_store",
                    f"Store {line.location} is not a pickup location.",
                )
    return customer


def _check_prices(records: Records, new: NewOrder, versions: dict[str, Any]) -> None:
    """A store's price is accepted when it is HQ's price, or when HQ changed that price after
    the version the store's channel data had (the store priced it with the list it had, which
    the customer saw and paid against). Any other price is refused, naming the line, so the
    entry can be fixed at HQ and retried (docs/rules.md, *Prices a store sends*)."""
    for index, line in enumerate(new.lines):
        product = records.product(line.sku)
        if product is None or line.unit_price.amount == product.price_amount:
            continue
        store_version = _instant(versions.get(line.sku))
        changed_at = product.price_changed_at
        if store_version is not None and changed_at is not None and changed_at > store_version:
            continue
        raise InvalidInput(
            f"lines[{index}].unit_price",
            f"Line {index + 1} ({line.sku}) is priced {line.unit_price} at the store, but HQ's "
            f"price is {Money(product.price_amount, line.unit_price.currency)} and has not "
            "changed since the store's channel data.",
        )


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _authorization(
    records: Records, operator_id: str, override_by: str | None, store_code: str
) -> Authorization:
    """Who acts, from HQ's own staff records: the operator and any approving manager must
    exist at HQ and work at this store (or HQ-wide). What each may do is then checked by the
    domain against HQ's roles, so a claimed manager override counts only from staff whose
    role at HQ has the permission."""
    staff = records.staff(operator_id)
    if staff is None:
        raise InvalidInput("operator_id", f"Operator {operator_id} does not exist at HQ.")
    if staff.store_code not in (None, store_code):
        raise PermissionDenied(
            "operator_id", f"Operator {operator_id} does not work at store {store_code}."
        )
    manager = records.staff(override_by) if override_by else None
    if override_by and manager is None:
        raise InvalidInput("override_by", f"Manager {override_by} does not exist at HQ.")
    if manager is not None and manager.store_code not in (None, store_code):
        raise PermissionDenied(
            "override_by", f"Manager {override_by} cannot approve at store {store_code}."
        )
    return Authorization(
        staff_from_row(staff), override_by=staff_from_row(manager) if manager else None
    )


def _warehouses(records: Records) -> Callable[[str], str]:
    def warehouse_of(store_code: str) -> str:
        store = records.store(store_code)
        return store.warehouse if store else store_code

    return warehouse_of


def _move_stock(records: Records, before: Position, after: Position) -> Sequence[InventoryRow]:
    """Reserve, release, issue and take back stock as the order's position changed
    (docs/rules.md §2.7: ordering beyond availability is allowed — a back order); the rows
    changed, as they are now."""
    return records.adjust_stocks(stock_changes(before, after))


def _number_documents(uow: UnitOfWork, order: Order) -> None:
    """HQ numbers invoices, pick lists, packing slips and returns (INV-, PL-, PS-, RET-)."""
    for invoice in order.invoices:
        if invoice.number is None:
            invoice.number = f"INV-{uow.counters.next('invoice'):06d}"
    for document in order.documents:
        if document.number is None:
            prefix = "PL" if document.kind == "pick_list" else "PS"
            document.number = f"{prefix}-{uow.counters.next(document.kind):06d}"
    for ret in order.returns:
        if ret.number is None:
            ret.number = f"RET-{uow.counters.next('return'):06d}"


def perform_operation(uow: UnitOfWork, *, document: dict[str, Any], store_code: str) -> Order:
    """Real-time service: decide and apply a store's operation on a sales order HQ holds.

    HQ is the only writer of the orders it holds: the order is loaded under a row lock, the
    request is resolved with HQ's own parameters and master data, and the answer is the new
    order, which the store keeps as its copy. The same operation id applied twice changes
    the order once; a stale `expected_version` is refused with 409 naming the current one.
    """
    with uow:
        order = apply_in(uow, document=document, store_code=store_code)
        uow.commit()
    return order


def apply_in(uow: UnitOfWork, *, document: dict[str, Any], store_code: str) -> Order:
    """A store's operation applied to the sales order in the caller's transaction (the
    real-time service, or Synchronize orders for a journal entry)."""
    if not operation_requests.is_request_document(document):
        return _apply_legacy(uow, document=document, store_code=store_code)
    operation = operation_requests.from_document(document)
    if operation.store_code != store_code:
        raise PermissionDenied("store", f"Store {store_code} cannot act as {operation.store_code}.")
    order = uow.orders.get_by_ref(operation.order_ref, for_update=True)
    if order is None:
        raise NotFound(f"No sales order {operation.order_ref}.")
    operation_requests.check_tender_ids(uow.orders, order, operation.request)
    auth = _authorization(uow.records, operation.operator_id, operation.override_by, store_code)
    _save_change(
        uow,
        order,
        lambda: operation_requests.perform(order, operation, uow.records, auth),
        at=operation.at,
    )
    return order


def _apply_legacy(uow: UnitOfWork, *, document: dict[str, Any], store_code: str) -> Order:
    """A journal entry written by a store of an earlier release: a command the store had
    already resolved. Applied as it is, so that nothing journaled before an upgrade is lost."""
    command = command_from_document(document)
    if command.store_code != store_code:
        raise PermissionDenied("store", f"Store {store_code} cannot act as {command.store_code}.")
    order = uow.orders.get(command.order_id, for_update=True)
    if order is None:
        raise NotFound(f"No sales order for order id {command.order_id}.")
    auth = _authorization(uow.records, command.operator_id, command.override_by, store_code)
    _save_change(uow, order, lambda: apply(order, command, auth), at=command.at)
    return order


def _save_change(
    uow: UnitOfWork, order: Order, change: Callable[[], bool], *, at: datetime
) -> None:
    """Run `change` on the order; number new documents, move stock and save in the caller's
    transaction (nothing when the change was applied before)."""
    warehouse_of = _warehouses(uow.records)
    before = stock_position(order, warehouse_of)
    previous = copy.deepcopy(order)
    version = order.version
    if not change():
        return
    _number_documents(uow, order)
    _move_stock(uow.records, before, stock_position(order, warehouse_of))
    uow.orders.save(order, expected_version=version)
    notifications.queue_pickup_ready(uow, before=previous, after=order, now=at)


def ship_sales_order(
    uow: UnitOfWork,
    *,
    payments: PaymentConnector,
    ref: str,
    quantities: dict[uuid.UUID, int],
    staff: Staff,
    operation_id: uuid.UUID,
    now: datetime,
) -> Order:
    """Ship and invoice ship lines from the back office (docs/rules.md §5).

    The balance is captured from the card kept as a token when the order has one, and put
    on the customer account otherwise.
    """
    with uow:
        order = uow.orders.get_by_ref(ref, for_update=True)
        if order is None:
            raise NotFound(f"No sales order {ref}.")
        due = fulfilment.amount_due_for_shipment(order, quantities)
        balance: TenderIn | None = None
        if due.amount > 0:
            card = next((p for p in order.payments if p.card_token), None)
            payment_id = uuid.uuid5(operation_id, "balance")
            if card is not None and card.card_token is not None:
                captured = payments.capture(payment_id, card.card_token, due)
                balance = TenderIn(
                    payment_id,
                    Tender.CARD,
                    due,
                    card_last4=card.card_last4,
                    authorization_code=captured.authorization_code,
                    card_token=card.card_token,
                )
            else:
                balance = TenderIn(payment_id, Tender.CUSTOMER_ACCOUNT, due)
        command = Command(
            operation_id=operation_id,
            order_id=order.id,
            store_code=order.store_code,
            at=now,
            operator_id=staff.operator_id,
            override_by=None,
            action=Ship(quantities=quantities, balance_tender=balance),
        )
        auth = Authorization(staff)
        _save_change(uow, order, lambda: apply(order, command, auth), at=now)
        uow.commit()
    refund_to_cards(payments, order=order, operation_id=operation_id)
    return order


def _remember_addresses(customer: CustomerRow, order: Order) -> None:
    """A new ship-to address typed at the POS is saved to the customer (docs/rules.md §2.2),
    in the transaction that read the customer."""
    known = {(a.street, a.city, a.region, a.postal_code, a.country) for a in customer.addresses}
    for line in order.lines:
        address = line.ship_to
        if address is None:
            continue
        key = (address.street, address.city, address.region, address.postal_code, address.country)
        if key in known:
            continue
        known.add(key)
        customer.addresses.append(
            CustomerAddressRow(
                id=uuid.uuid5(order.id, f"address-{line.line_number}"),
                position=len(customer.addresses),
                name=address.name,
                street=address.street,
                city=address.city,
                region=address.region,
                postal_code=address.postal_code,
                country=address.country,
            )
        )


def get_sales_order(uow: UnitOfWork, *, ref: str) -> Order:
    with uow:
        order = uow.orders.get_by_ref(ref)
    if order is None:
        raise NotFound(f"No sales order {ref}.")
    return order


def search_sales_orders(
    uow: UnitOfWork, *, caller: Callable[[UnitOfWork], None] | None = None, **filters: Any
) -> list[OrderSummary]:
    """Find order at HQ (docs/rules.md §3): summary rows, each with the sync status of its
    staged copies, in one query for the page (docs/performance.md, "Find"); `caller` checks
    who asks (a store's token) first thing in the same transaction."""
    with uow:
        if caller is not None:
            caller(uow)
        return uow.orders.summaries(**filters, sync_from="staging")

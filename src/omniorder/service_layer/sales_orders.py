"""HQ use cases for sales orders: accept a store's order (real-time service), read, search."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from omniorder.adapters.documents import new_order_from_document
from omniorder.adapters.orm import CustomerAddressRow
from omniorder.adapters.repositories import RecordRepository
from omniorder.domain import fulfilment
from omniorder.domain.creation import NewOrder, create_order
from omniorder.domain.errors import InvalidInput, NotFound, PermissionDenied
from omniorder.domain.order import Order
from omniorder.domain.settlement import TenderIn
from omniorder.domain.staff import Authorization, Staff
from omniorder.domain.statuses import Fulfilment, Tender
from omniorder.domain.stock import Position, stock_changes, stock_position
from omniorder.service_layer import notifications
from omniorder.service_layer.auth import staff_from_row
from omniorder.service_layer.card_refunds import refund_to_cards
from omniorder.service_layer.cart import require_store, store_today
from omniorder.service_layer.commands import Command, Ship, apply, command_from_document
from omniorder.service_layer.ports import PaymentConnector
from omniorder.service_layer.unit_of_work import UnitOfWork


def accept_sales_order(uow: UnitOfWork, *, document: dict[str, Any], store_code: str) -> Order:
    """Create the sales order for an order a store took (RULES.md §2.8, sync mode).

    HQ runs the same domain rules on the same priced cart, so the store and HQ build the
    same order; it then numbers the order and its invoices and reserves stock. A repeated
    request for the same order id returns the order already created.
    """
    with uow:
        order = create_in(uow, document=document, store_code=store_code)
        uow.commit()
    return order


def create_in(uow: UnitOfWork, *, document: dict[str, Any], store_code: str) -> Order:
    """The sales order for a store's create document, made in the caller's transaction
    (the real-time service, or Synchronize orders for a journal entry)."""
    new = new_order_from_document(document)
    if new.store_code != store_code:
        raise PermissionDenied(
            "store", f"Store {store_code} cannot create orders for {new.store_code}."
        )
    created_at = datetime.fromisoformat(str(document["created_at"]))
    existing = uow.orders.get(new.id)
    if existing is not None:
        return existing
    _check_references(uow.records, new)
    auth = _authorization(uow.records, str(document["operator_id"]), document.get("override_by"))
    store = require_store(uow.records, store_code)
    order = create_order(new, auth=auth, today=store_today(store, created_at), now=created_at)
    order.sales_order_number = f"SO-{uow.counters.next('sales_order'):06d}"
    _number_documents(uow, order)
    _move_stock(uow.records, {}, stock_position(order, _warehouses(uow.records)))
    _remember_addresses(uow.records, order)
    uow.orders.add(order)
    return order


def _check_references(records: RecordRepository, new: NewOrder) -> None:
    if records.customer(new.customer_account) is None:
        raise InvalidInput(
            "customer_account", f"Customer {new.customer_account} does not exist at HQ."
        )
    for index, line in enumerate(new.lines):
        if records.product(line.sku) is None:
            raise InvalidInput(f"lines[{index}].sku", f"Product {line.sku} does not exist at HQ.")
        if line.fulfilment is Fulfilment.PICKUP:
            pickup = records.store(line.location)
            if pickup is None or not pickup.is_pickup_location:
                raise InvalidInput(
                    f"lines[{index}].pickup_store",
                    f"Store {line.location} is not a pickup location.",
                )


def _authorization(
    records: RecordRepository, operator_id: str, override_by: str | None
) -> Authorization:
    staff = records.staff(operator_id)
    if staff is None:
        raise InvalidInput("operator_id", f"Operator {operator_id} does not exist at HQ.")
    manager = records.staff(override_by) if override_by else None
    if override_by and manager is None:
        raise InvalidInput("override_by", f"Manager {override_by} does not exist at HQ.")
    return Authorization(
        staff_from_row(staff), override_by=staff_from_row(manager) if manager else None
    )


def _warehouses(records: RecordRepository) -> Callable[[str], str]:
    def warehouse_of(store_code: str) -> str:
        store = records.store(store_code)
        return store.warehouse if store else store_code

    return warehouse_of


def _move_stock(records: RecordRepository, before: Position, after: Position) -> None:
    """Reserve, release, issue and take back stock as the order's position changed
    (RULES.md §2.7: ordering beyond availability is allowed — a back order)."""
    for (location, sku), (reserved, on_hand) in sorted(stock_changes(before, after).items()):
        records.adjust_stock(location, sku, on_hand=on_hand, reserved=reserved)


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


def apply_operation(uow: UnitOfWork, *, document: dict[str, Any], store_code: str) -> Order:
    """Apply a store's operation to the sales order (real-time service, sync mode).

    The same command applied twice changes the order once; a stale expected version is
    refused with 409. Stock moves and new documents are numbered in the same transaction.
    """
    with uow:
        order = apply_in(uow, document=document, store_code=store_code)
        uow.commit()
    return order


def apply_in(uow: UnitOfWork, *, document: dict[str, Any], store_code: str) -> Order:
    """A store's operation applied to the sales order in the caller's transaction."""
    command = command_from_document(document)
    if command.store_code != store_code:
        raise PermissionDenied("store", f"Store {store_code} cannot act as {command.store_code}.")
    order = uow.orders.get(command.order_id)
    if order is None:
        raise NotFound(f"No sales order for order id {command.order_id}.")
    _apply_and_save(uow, order, command)
    return order


def _apply_and_save(uow: UnitOfWork, order: Order, command: Command) -> None:
    auth = _authorization(uow.records, command.operator_id, command.override_by)
    warehouse_of = _warehouses(uow.records)
    before = stock_position(order, warehouse_of)
    previous = copy.deepcopy(order)
    version = order.version
    if not apply(order, command, auth):
        return
    _number_documents(uow, order)
    _move_stock(uow.records, before, stock_position(order, warehouse_of))
    uow.orders.save(order, expected_version=version)
    notifications.queue_pickup_ready(uow, before=previous, after=order, now=command.at)


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
    """Ship and invoice ship lines from the back office (RULES.md §5).

    The balance is captured from the card kept as a token when the order has one, and put
    on the customer account otherwise.
    """
    with uow:
        order = uow.orders.get_by_ref(ref)
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
        before = copy.deepcopy(order)
        _apply_and_save(uow, order, command)
        uow.commit()
    refund_to_cards(payments, before=before, after=order)
    return order


def _remember_addresses(records: RecordRepository, order: Order) -> None:
    """A new ship-to address typed at the POS is saved to the customer (RULES.md §2.2)."""
    customer = records.customer(order.customer_account)
    if customer is None:
        return
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


def search_sales_orders(uow: UnitOfWork, **filters: Any) -> list[Order]:
    with uow:
        return uow.orders.search(**filters)

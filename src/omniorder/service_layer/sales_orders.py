"""HQ use cases for sales orders: accept a store's order (real-time service), read, search."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from omniorder.adapters.documents import new_order_from_document
from omniorder.adapters.orm import CustomerAddressRow
from omniorder.adapters.repositories import RecordRepository
from omniorder.domain.creation import NewOrder, create_order
from omniorder.domain.errors import InvalidInput, NotFound, PermissionDenied
from omniorder.domain.order import Order
from omniorder.domain.staff import Authorization
from omniorder.domain.statuses import Fulfilment
from omniorder.service_layer.auth import staff_from_row
from omniorder.service_layer.cart import require_store, store_today
from omniorder.service_layer.unit_of_work import UnitOfWork


def accept_sales_order(uow: UnitOfWork, *, document: dict[str, Any], store_code: str) -> Order:
    """Create the sales order for an order a store took (RULES.md §2.8, sync mode).

    HQ runs the same domain rules on the same priced cart, so the store and HQ build the
    same order; it then numbers the order and its invoices and reserves stock. A repeated
    request for the same order id returns the order already created.
    """
    new = new_order_from_document(document)
    if new.store_code != store_code:
        raise PermissionDenied(
            "store", f"Store {store_code} cannot create orders for {new.store_code}."
        )
    created_at = datetime.fromisoformat(document["created_at"])
    with uow:
        existing = uow.orders.get(new.id)
        if existing is not None:
            return existing
        _check_references(uow.records, new)
        auth = _authorization(uow.records, document["operator_id"], document["override_by"])
        store = require_store(uow.records, store_code)
        order = create_order(new, auth=auth, today=store_today(store, created_at), now=created_at)
        order.sales_order_number = f"SO-{uow.counters.next('sales_order'):06d}"
        for invoice in order.invoices:
            invoice.number = f"INV-{uow.counters.next('invoice'):06d}"
        if not order.is_quote:
            _reserve(uow.records, order)
        _remember_addresses(uow.records, order)
        uow.orders.add(order)
        uow.commit()
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


def _reserve(records: RecordRepository, order: Order) -> None:
    """Reserve stock where each line is fulfilled (RULES.md §2.7); back orders are allowed.

    Ship lines reserve at the shipping warehouse, pickup lines at the pickup store's
    warehouse; carry-out lines leave the store now, so they take stock off hand.
    """
    for line in order.lines:
        if line.fulfilment is Fulfilment.SHIP:
            records.adjust_stock(line.location, line.sku, reserved=line.quantity)
            continue
        store = records.store(line.location)
        location = store.warehouse if store else line.location
        if line.fulfilment is Fulfilment.PICKUP:
            records.adjust_stock(location, line.sku, reserved=line.quantity)
        else:
            records.adjust_stock(location, line.sku, on_hand=-line.quantity)


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

"""Looking up customers and products, with stock availability (RULES.md §2.1, §2.7)."""

from __future__ import annotations

from dataclasses import dataclass

from omniorder.adapters.orm import CustomerRow, ProductRow
from omniorder.domain.order import Order
from omniorder.domain.statuses import Fulfilment
from omniorder.service_layer.cart import require_store
from omniorder.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Availability:
    location: str
    on_hand_qty: int
    reserved_qty: int

    @property
    def available_qty(self) -> int:
        return self.on_hand_qty - self.reserved_qty


@dataclass(frozen=True)
class ProductView:
    product: ProductRow
    here: Availability
    other_stores: tuple[Availability, ...]
    shipping_warehouse: Availability


def search_customers(uow: UnitOfWork, *, text: str) -> list[CustomerRow]:
    with uow:
        return list(uow.records.search_customers(text))


def search_products(uow: UnitOfWork, *, text: str, store_code: str) -> list[ProductView]:
    """Products matching the text, each with stock here, at other stores and to ship."""
    with uow:
        store = require_store(uow.records, store_code)
        views = []
        for product in uow.records.search_products(text):
            stock = {
                row.location: Availability(row.location, row.on_hand_qty, row.reserved_qty)
                for row in uow.records.inventory(product.sku)
            }
            views.append(
                ProductView(
                    product=product,
                    here=stock.get(store.warehouse, Availability(store.warehouse, 0, 0)),
                    other_stores=tuple(
                        a
                        for loc, a in stock.items()
                        if loc not in (store.warehouse, store.shipping_warehouse)
                    ),
                    shipping_warehouse=stock.get(
                        store.shipping_warehouse, Availability(store.shipping_warehouse, 0, 0)
                    ),
                )
            )
        return views


def availability_warnings(uow: UnitOfWork, *, order: Order) -> list[str]:
    """Lines ordered beyond what the fulfilling location had: allowed, shown as back orders."""
    warnings = []
    with uow:
        for line in order.lines:
            if line.fulfilment is Fulfilment.CARRY_OUT:
                continue
            location = line.location
            if line.fulfilment is Fulfilment.PICKUP:
                store = uow.records.store(line.location)
                location = store.warehouse if store else location
            stock = {row.location: row for row in uow.records.inventory(line.sku)}.get(location)
            available = (stock.on_hand_qty - stock.reserved_qty) if stock else 0
            if line.quantity > available:
                short = line.quantity - max(available, 0)
                warnings.append(
                    f"Line {line.line_number} ({line.sku}): only {max(available, 0)} available "
                    f"at {location}; {short} will be back-ordered."
                )
    return warnings

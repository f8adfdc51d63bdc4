"""Looking up customers and products, with stock availability (docs/rules.md §2.1, §2.7).

HQ is the system of record for stock. The store asks HQ for on hand and reserved per location
(`HQ.inventory`, bounded by the client's short read timeout) and falls back to its copy of
channel data, flagged as cached, when HQ does not answer. These reads never write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from omniorder.adapters.orm import CustomerRow, InventoryRow, ProductRow, StoreRow
from omniorder.domain.errors import InvalidInput, OmniorderError
from omniorder.domain.order import Order
from omniorder.domain.statuses import Fulfilment
from omniorder.domain.stock import stock_position
from omniorder.service_layer.cart import require_store
from omniorder.service_layer.ports import HQ
from omniorder.service_layer.unit_of_work import Records, UnitOfWork

# How many SKUs one stock read may ask HQ for (GET /api/v1/rts/stores/{code}/inventory).
MAX_SKUS_PER_READ = 50
SKU_MAX_LENGTH = 40


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
    # True when the figures come from the store's channel data (HQ did not answer),
    # False when they are HQ's figures of this moment.
    is_cached: bool


@dataclass(frozen=True)
class StockFigures:
    """On hand and reserved per SKU and location, from HQ or from the store's cached copy."""

    by_sku: dict[str, dict[str, Availability]]
    is_cached: bool

    def at(self, sku: str, location: str) -> Availability:
        return self.by_sku.get(sku, {}).get(location, Availability(location, 0, 0))


def search_customers(uow: UnitOfWork, *, text: str) -> list[CustomerRow]:
    with uow:
        return list(uow.records.search_customers(text))


def search_products(
    uow: UnitOfWork, *, text: str, store_code: str, hq: HQ | None = None
) -> list[ProductView]:
    """Products matching the text, each with stock here, at other stores and to ship.

    The stock is HQ's when `hq` answers; otherwise the store's channel data, flagged cached.
    """
    with uow:
        store = require_store(uow.records, store_code)
        products = list(uow.records.search_products(text))
    return _views(store, products, _stock(uow, hq, [p.sku for p in products]))


def products_by_sku(
    uow: UnitOfWork, *, skus: Sequence[str], store_code: str, hq: HQ | None = None
) -> dict[str, ProductView]:
    """The products with these SKUs (unknown ones left out), with stock as in
    `search_products`, in one read from HQ (the cart's lines)."""
    with uow:
        store = require_store(uow.records, store_code)
        products = [p for p in map(uow.records.product, dict.fromkeys(skus)) if p is not None]
    if not products:
        return {}
    views = _views(store, products, _stock(uow, hq, [p.sku for p in products]))
    return {view.product.sku: view for view in views}


def _views(store: StoreRow, products: list[ProductRow], stock: StockFigures) -> list[ProductView]:
    views = []
    for product in products:
        by_location = stock.by_sku.get(product.sku, {})
        views.append(
            ProductView(
                product=product,
                here=stock.at(product.sku, store.warehouse),
                other_stores=tuple(
                    a
                    for loc, a in sorted(by_location.items())
                    if loc not in (store.warehouse, store.shipping_warehouse)
                ),
                shipping_warehouse=stock.at(product.sku, store.shipping_warehouse),
                is_cached=stock.is_cached,
            )
        )
    return views


def availability_warnings(
    uow: UnitOfWork,
    *,
    order: Order,
    hq: HQ | None = None,
    stock: StockFigures | None = None,
    warehouses: dict[str, str] | None = None,
) -> list[str]:
    """Lines ordered beyond what the fulfilling location had: allowed, shown as back orders.

    With HQ's live figures, an order HQ already holds (it has a sales order number) has
    reserved its own quantities there; they are added back, so that the warning compares the
    line with what was available before this order. From channel data, the warning says so.
    `stock` (HQ's figures sent with its answer to the create) and `warehouses` (of the
    order's stores), when the caller has them, spare a call to HQ and a transaction.
    """
    lines = [line for line in order.lines if line.fulfilment is not Fulfilment.CARRY_OUT]
    if not lines:
        return []
    codes = {line.location for line in order.lines} | {r.store_code for r in order.returns}
    if warehouses is None or not codes <= warehouses.keys():
        with uow:
            warehouses = warehouses_of(uow.records, codes)
    if stock is None:
        stock = _stock(uow, hq, sorted({line.sku for line in lines}))
    known = warehouses
    own: dict[tuple[str, str], tuple[int, int]] = {}
    if not stock.is_cached and order.sales_order_number is not None:
        own = stock_position(order, lambda code: known.get(code, code))
    warnings = []
    for line in lines:
        location = line.location
        if line.fulfilment is Fulfilment.PICKUP:
            location = known.get(line.location, line.location)
        reserved_here, on_hand_change = own.get((location, line.sku), (0, 0))
        available = stock.at(line.sku, location).available_qty + reserved_here - on_hand_change
        if line.quantity > available:
            short = line.quantity - max(available, 0)
            warning = (
                f"Line {line.line_number} ({line.sku}): only {max(available, 0)} available "
                f"at {location}; {short} will be back-ordered."
            )
            if stock.is_cached:
                warning += " (Stock as of the store's channel data; HQ's was not available.)"
            warnings.append(warning)
    return warnings


def warehouses_of(records: Records, codes: Iterable[str]) -> dict[str, str]:
    """The warehouse each of these stores reserves and ships from (its own code when the
    store is unknown)."""
    warehouses = {}
    for code in codes:
        store = records.store(code)
        warehouses[code] = store.warehouse if store else code
    return warehouses


# -- HQ: the real-time service's stock read --------------------------------------------------


def inventory_at_hq(uow: UnitOfWork, *, skus: Sequence[str]) -> list[InventoryRow]:
    """HQ's inventory rows (every location) for 1 to MAX_SKUS_PER_READ SKUs, for a store."""
    wanted = list(dict.fromkeys(skus))
    if not wanted:
        raise InvalidInput("sku", "Name at least one SKU (sku=…).")
    if len(wanted) > MAX_SKUS_PER_READ:
        raise InvalidInput(
            "sku", f"Ask for at most {MAX_SKUS_PER_READ} SKUs at a time ({len(wanted)} asked)."
        )
    for sku in wanted:
        if not sku.strip() or len(sku) > SKU_MAX_LENGTH:
            raise InvalidInput("sku", f"“{sku[:50]}” is not a SKU (1 to 40 characters).")
    with uow:
        return list(uow.records.inventory_of(wanted))


def inventory_document(row: InventoryRow) -> dict[str, Any]:
    """One inventory row as the real-time service sends it to the store."""
    return {
        "location": row.location,
        "sku": row.sku,
        "on_hand_qty": row.on_hand_qty,
        "reserved_qty": row.reserved_qty,
    }


# -- the store: HQ's figures, or the cached copy ---------------------------------------------


def _stock(uow: UnitOfWork, hq: HQ | None, skus: Sequence[str]) -> StockFigures:
    """HQ's figures when HQ answers, else the store's channel-data copy, flagged cached.

    HQ is asked outside any unit of work, so that no store transaction waits on HQ.
    """
    live = _live_stock(hq, skus)
    if live is not None:
        return live
    by_sku: dict[str, dict[str, Availability]] = {}
    with uow:
        for sku in skus:
            by_sku[sku] = {
                row.location: Availability(row.location, row.on_hand_qty, row.reserved_qty)
                for row in uow.records.inventory(sku)
            }
    return StockFigures(by_sku, is_cached=True)


def _live_stock(hq: HQ | None, skus: Sequence[str]) -> StockFigures | None:
    """HQ's figures of this moment, or None when there is no HQ or it did not answer."""
    if hq is None:
        return None
    wanted = list(dict.fromkeys(skus))
    rows: list[Any] = []
    try:
        for start in range(0, len(wanted), MAX_SKUS_PER_READ):
            rows.extend(hq.inventory(wanted[start : start + MAX_SKUS_PER_READ]))
    except OmniorderError:
        return None  # unreachable, too slow or refusing: the cached copy will do
    return stock_from_answer(rows)


def stock_from_answer(rows: Any) -> StockFigures | None:
    """HQ's figures from the inventory rows it sent (the stock read's answer, or the
    `inventory` of its answer to a create); None when they are missing or malformed."""
    if not isinstance(rows, list):
        return None
    by_sku: dict[str, dict[str, Availability]] = {}
    try:
        for row in rows:
            sku, location = str(row["sku"]), str(row["location"])
            by_sku.setdefault(sku, {})[location] = Availability(
                location, int(row["on_hand_qty"]), int(row["reserved_qty"])
            )
    except (KeyError, TypeError, ValueError):
        return None
    return StockFigures(by_sku, is_cached=False)

"""Channel data: the master data HQ publishes to each store, and the store's cached copy."""

from __future__ import annotations

from typing import Any

from omniorder.adapters.orm import (
    Base,
    ChargeCodeRow,
    CustomerAddressRow,
    CustomerRow,
    DeliveryModeRow,
    FunctionalityProfileRow,
    InventoryRow,
    ParametersRow,
    ProductRow,
    StaffRow,
    StoreRow,
    TaxRateRow,
)
from omniorder.service_layer.cart import require_store
from omniorder.service_layer.unit_of_work import UnitOfWork

# Parents before children, so that foreign keys hold while the cache is rebuilt.
CHANNEL_TABLES: dict[str, type[Base]] = {
    "parameters": ParametersRow,
    "delivery_modes": DeliveryModeRow,
    "charge_codes": ChargeCodeRow,
    "functionality_profiles": FunctionalityProfileRow,
    "stores": StoreRow,
    "products": ProductRow,
    "tax_rates": TaxRateRow,
    "customers": CustomerRow,
    "staff": StaffRow,
    "inventory": InventoryRow,
}
STORE_WIRING = frozenset({"token_hash", "server_url"})


def export_channel_data(uow: UnitOfWork, *, store_code: str) -> dict[str, Any]:
    """Everything a store needs to keep selling while HQ is away (docs/architecture.md).

    Staff are those of this store and HQ-wide staff, HQ administrators excepted (they sign in
    at HQ only, so their password hashes never leave HQ); no store's HQ token hash leaves HQ.
    """
    with uow:
        require_store(uow.records, store_code)
        data: dict[str, Any] = {"store_code": store_code}
        for name, row_type in CHANNEL_TABLES.items():
            # Secrets and HQ-side wiring stay at HQ.
            exclude = STORE_WIRING if row_type is StoreRow else frozenset()
            items = uow.records.export(row_type, exclude=exclude)
            if row_type is StaffRow:
                items = [
                    item
                    for item in items
                    if item["store_code"] in (None, store_code) and item["role"] != "hq_admin"
                ]
            data[name] = items
        return data


def import_channel_data(uow: UnitOfWork, data: dict[str, Any]) -> dict[str, int]:
    """Replace the store's cached channel data with a fresh download, in one transaction."""
    counts: dict[str, int] = {}
    with uow:
        uow.records.clear(CustomerAddressRow)
        for name, row_type in CHANNEL_TABLES.items():
            counts[name] = uow.records.replace_all(row_type, data.get(name, []))
        uow.commit()
    return counts

"""Channel data: the master data HQ publishes to each store, and the store's cached copy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

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
from omniorder.adapters.records_codec import row_from_dict, row_to_dict
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


def export_channel_data(uow: UnitOfWork, *, store_code: str) -> dict[str, Any]:
    """Everything a store needs to keep selling while HQ is away (docs/architecture.md).

    Staff are those of this store and HQ-wide staff; no store's HQ token hash leaves HQ.
    """
    with uow:
        require_store(uow.records, store_code)
        data: dict[str, Any] = {"store_code": store_code}
        for name, row_type in CHANNEL_TABLES.items():
            rows = uow.records.list(row_type, *inspect(row_type).primary_key)
            if row_type is StaffRow:
                rows = [r for r in rows if r.store_code in (None, store_code)]  # type: ignore[attr-defined]
            # Secrets and HQ-side wiring stay at HQ.
            exclude = (
                frozenset({"token_hash", "server_url"}) if row_type is StoreRow else frozenset()
            )
            data[name] = [row_to_dict(row, exclude=exclude) for row in rows]
            if row_type is CustomerRow:
                for item, row in zip(data[name], rows, strict=True):
                    item["addresses"] = [row_to_dict(a) for a in row.addresses]  # type: ignore[attr-defined]
        return data


def import_channel_data(uow: UnitOfWork, data: dict[str, Any]) -> dict[str, int]:
    """Replace the store's cached channel data with a fresh download, in one transaction."""
    counts: dict[str, int] = {}
    with uow:
        uow.records.clear(CustomerAddressRow)
        for name, row_type in CHANNEL_TABLES.items():
            rows = [_row(row_type, item) for item in data.get(name, [])]
            uow.records.replace_all(row_type, rows)
            counts[name] = len(rows)
        uow.commit()
    return counts


def _row(row_type: type[Base], item: dict[str, Any]) -> Base:
    row = row_from_dict(row_type, item)
    if isinstance(row, CustomerRow):
        row.addresses = [
            row_from_dict(CustomerAddressRow, a)  # type: ignore[misc]
            for a in item.get("addresses", [])
        ]
    return row

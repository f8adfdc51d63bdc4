"""Master-data rows to and from JSON, column by column, for the channel-data download."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from omniorder.adapters.orm import Base, CustomerAddressRow, CustomerRow


def record_to_dict(row: Base, *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A master-data record as JSON; a customer carries its addresses."""
    result = row_to_dict(row, exclude=exclude)
    if isinstance(row, CustomerRow):
        result["addresses"] = [row_to_dict(address) for address in row.addresses]
    return result


def record_from_dict(row_type: type[Base], data: dict[str, Any]) -> Base:
    row = row_from_dict(row_type, data)
    if isinstance(row, CustomerRow):
        row.addresses = [
            row_from_dict(CustomerAddressRow, a)  # type: ignore[misc]
            for a in data.get("addresses", [])
        ]
    return row


def row_to_dict(row: Base, *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for column in row.__table__.columns:
        if column.key in exclude:
            continue
        value = getattr(row, column.key)
        if isinstance(value, Decimal | uuid.UUID):
            value = str(value)
        elif isinstance(value, date | datetime):
            value = value.isoformat()
        result[column.key] = value
    return result


def row_from_dict(row_type: type[Base], data: dict[str, Any]) -> Base:
    values: dict[str, Any] = {}
    for column in row_type.__table__.columns:
        if column.key not in data:
            continue
        value = data[column.key]
        if value is not None:
            python_type = _python_type(column.type)
            if python_type is Decimal:
                value = Decimal(value)
            elif python_type is uuid.UUID:
                value = uuid.UUID(value)
            elif python_type is datetime:
                value = datetime.fromisoformat(value)
            elif python_type is date:
                value = date.fromisoformat(value)
        values[column.key] = value
    return row_type(**values)


def _python_type(column_type: Any) -> type:
    impl = getattr(column_type, "impl", None)
    if column_type.__class__.__name__ == "DecimalText":
        return Decimal
    if column_type.__class__.__name__ == "UTCDateTime":
        return datetime
    try:
        return column_type.python_type  # type: ignore[no-any-return]
    except NotImplementedError:
        return type(impl) if impl is not None else object

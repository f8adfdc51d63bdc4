"""JSON documents for orders and requests as they travel between store and HQ.

Pydantic serializes the domain's dataclasses: amounts as integer minor units with their
currency, rates as decimal strings, times as ISO 8601 with offset, so a document round-trips
exactly (tests/unit/test_documents.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from omniorder.domain.creation import NewOrder
from omniorder.domain.errors import InvalidInput
from omniorder.domain.order import Order
from omniorder.domain.summary import OrderSummary

Document = dict[str, Any]
T = TypeVar("T")

_order = TypeAdapter(Order)
_new_order = TypeAdapter(NewOrder)
_summary = TypeAdapter(OrderSummary)


def order_to_document(order: Order) -> Document:
    return _order.dump_python(order, mode="json")  # type: ignore[no-any-return]


def order_from_document(doc: Document) -> Order:
    return decode(_order, doc)


def summary_to_document(summary: OrderSummary) -> Document:
    """A find list's row, as HQ's real-time service answers a store's find."""
    return _summary.dump_python(summary, mode="json")  # type: ignore[no-any-return]


def summary_from_document(doc: Document) -> OrderSummary:
    return decode(_summary, doc)


def new_order_to_document(
    new: NewOrder,
    *,
    created_at: datetime,
    operator_id: str,
    override_by: str | None,
    price_versions: dict[str, str] | None = None,
) -> Document:
    """The request to create an order (store → HQ), with when and by whom, and the version
    (HQ's change time) of each product price the store priced it with."""
    return {
        "price_versions": price_versions or {},
        "new_order": _new_order.dump_python(new, mode="json"),
        "id": str(new.id),
        "store_code": new.store_code,
        "created_at": created_at.isoformat(),
        "operator_id": operator_id,
        "override_by": override_by,
    }


def new_order_from_document(doc: Document) -> NewOrder:
    if not isinstance(doc, dict) or "new_order" not in doc:
        raise InvalidInput("new_order", "The document has no new_order.")
    return decode(_new_order, doc["new_order"])


def decode(adapter: TypeAdapter[T], data: Any) -> T:
    """Validate a document, turning a malformed one into InvalidInput naming the field."""
    try:
        return adapter.validate_python(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "document"
        raise InvalidInput(field, f"The document is malformed: {first['msg']}.") from None

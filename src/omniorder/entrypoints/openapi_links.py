"""OpenAPI links: which calls an answer leads to, filled in from that answer.

A link names its target by `operationRef` (the target's path and method in the same
document) and fills the target's path parameters and body from the answer with runtime
expressions (`$response.body#/channel_ref`, or as a key: `{"$response.body#/lines/0/id": 1}`).
Clients may follow them; the stateful fuzzer (`tests/integration/test_api_fuzz.py`) does, to
create an order and then read and change it.
"""

from __future__ import annotations

from typing import Any


def link(
    method: str,
    path: str,
    description: str,
    *,
    parameters: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A link to `method path`; `body` is merged into the target's request body."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    result: dict[str, Any] = {
        "operationRef": f"#/paths/{pointer}/{method.lower()}",
        "description": description,
    }
    if parameters:
        result["parameters"] = parameters
    if body is not None:
        result["requestBody"] = body
    return result


def with_links(status: int, links: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """`openapi_extra` for a route whose `status` answer carries these links."""
    return {"responses": {str(status): {"links": links}}}


# -- an order answered by a store: what can be done to it next --------------------------------

_ORDER = "/api/v1/customer-orders/{ref}"
_REF = {"ref": "$response.body#/channel_ref"}
_VERSION = "$response.body#/version"
_FIRST_LINE = "$response.body#/lines/0/id"

STORE_ORDER_LINKS: dict[str, dict[str, Any]] = {
    "GetOrder": link("GET", _ORDER, "Read the order again.", parameters=_REF),
    "EditOrder": link(
        "PATCH",
        _ORDER,
        "Edit the order as it is now: change its first line's quantity.",
        parameters=_REF,
        body={"version": _VERSION, "change": [{"line_id": _FIRST_LINE, "quantity": 2}]},
    ),
    "PreviewPickup": link(
        "POST",
        f"{_ORDER}/pickups/preview",
        "What collecting one unit of the first line costs now.",
        parameters=_REF,
        body={"version": _VERSION, "lines": {_FIRST_LINE: 1}},
    ),
    "PickUp": link(
        "POST",
        f"{_ORDER}/pickups",
        "Collect one unit of the first line.",
        parameters=_REF,
        body={"version": _VERSION, "lines": {_FIRST_LINE: 1}},
    ),
    "PreviewCancellation": link(
        "GET",
        f"{_ORDER}/cancellation",
        "The default cancellation charge and what it leaves to pay or refund.",
        parameters=_REF,
    ),
    "CancelOrder": link(
        "POST",
        f"{_ORDER}/cancellation",
        "Cancel the order as it is now.",
        parameters=_REF,
        body={"version": _VERSION},
    ),
}


# -- a sales order answered by HQ ---------------------------------------------------------------

_SALES_ORDER = "/api/v1/sales-orders/{number}"
_NUMBER = {"number": "$response.body#/sales_order_number"}

HQ_SALES_ORDER_LINKS: dict[str, dict[str, Any]] = {
    "GetSalesOrder": link("GET", _SALES_ORDER, "Read the sales order again.", parameters=_NUMBER),
    "ShipFirstLine": link(
        "POST",
        f"{_SALES_ORDER}/shipments",
        "Ship one unit of the first line.",
        parameters=_NUMBER,
        body={"lines": {_FIRST_LINE: 1}},
    ),
}
HQ_SEARCH_LINKS: dict[str, dict[str, Any]] = {
    "GetFirstFound": link(
        "GET",
        _SALES_ORDER,
        "Read the first sales order found.",
        parameters={"number": "$response.body#/0/sales_order_number"},
    ),
}

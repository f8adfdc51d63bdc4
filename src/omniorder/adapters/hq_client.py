"""The store's client for HQ's real-time service and channel-data download (httpx)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import structlog

from omniorder.adapters.metrics import HQ_CALLS
from omniorder.domain.errors import (
    Conflict,
    IdInUse,
    InvalidInput,
    NotFound,
    OmniorderError,
    PermissionDenied,
    StaleVersion,
    Unavailable,
)


class HQClient:
    def __init__(
        self,
        base_url: str,
        *,
        store_code: str,
        token: str | None,
        timeout_seconds: float,
        read_timeout_seconds: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.store_code = store_code
        # Reads fall back to the store's copy, so they wait less than writes do.
        self.read_timeout = min(timeout_seconds, read_timeout_seconds or 3.0)
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout_seconds,
            headers={"Authorization": f"Bearer {token}"} if token else {},
            transport=transport,
            event_hooks={"request": [_pass_request_id]},
        )

    def close(self) -> None:
        self._client.close()

    def create_sales_order(
        self, document: dict[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]:
        return self._call(
            "POST",
            f"/api/v1/rts/stores/{self.store_code}/sales-orders",
            json=document,
            headers={"Idempotency-Key": document["id"]},
            **({"timeout": timeout} if timeout is not None else {}),
        )

    def perform_operation(self, document: dict[str, Any]) -> dict[str, Any]:
        return self._call(
            "POST",
            f"/api/v1/rts/stores/{self.store_code}/operations",
            json=document,
            headers={"Idempotency-Key": document["operation_id"]},
        )

    def get_order(self, ref: str) -> dict[str, Any]:
        return self._call(
            "GET",
            f"/api/v1/rts/stores/{self.store_code}/orders/{quote(ref, safe='')}",
            timeout=self.read_timeout,
        )

    def search_orders(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        params = {k: str(v) for k, v in filters.items() if v is not None}
        body = self._call(
            "GET",
            f"/api/v1/rts/stores/{self.store_code}/orders",
            params=params,
            timeout=self.read_timeout,
        )
        return list(body["orders"])

    def channel_data(self) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/channel-data/stores/{self.store_code}")

    def inventory(self, skus: list[str]) -> list[dict[str, Any]]:
        body = self._call(
            "GET",
            f"/api/v1/rts/stores/{self.store_code}/inventory",
            params={"sku": list(skus)},
            timeout=self.read_timeout,
        )
        return list(body["inventory"])

    def ping(self) -> None:
        """Raise Unavailable unless HQ answers its /health now (the store's /ready)."""
        self._call("GET", "/health", timeout=min(2.0, self.read_timeout))

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        call = _call_name(method, path)
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TransportError as error:
            HQ_CALLS.labels(self.store_code, call, "unavailable").inc()
            raise Unavailable(
                f"HQ cannot be reached ({type(error).__name__}); nothing was changed. "
                "Try again in a moment."
            ) from error
        outcome = (
            "unavailable"
            if response.status_code >= 500
            else "refused"
            if response.status_code >= 400
            else "ok"
        )
        HQ_CALLS.labels(self.store_code, call, outcome).inc()
        if response.status_code >= 500:
            raise Unavailable(
                f"HQ answered with an error ({response.status_code}); nothing was changed. "
                "Try again in a moment."
            )
        if response.status_code >= 400:
            raise _refusal(response)
        body: dict[str, Any] = response.json()
        return body


def _pass_request_id(request: httpx.Request) -> None:
    """Every call carries the id of the store request it serves, so HQ logs it too
    (docs/operations.md, *Logs*)."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id:
        request.headers["X-Request-ID"] = str(request_id)


def _call_name(method: str, path: str) -> str:
    """A bounded label for a call: "POST sales-orders", "GET orders", "GET channel-data"."""
    parts = path.strip("/").split("/")
    if parts[2:3] == ["channel-data"]:
        return f"{method} channel-data"
    name = parts[5] if len(parts) > 5 else parts[-1]
    if name == "orders" and len(parts) > 6:
        name = "order"
    return f"{method} {name}"


def _refusal(response: httpx.Response) -> OmniorderError:
    """HQ's refusal as the same kind of domain error, keeping HQ's stable `code`."""
    error = _refusal_error(response)
    try:
        code = response.json()["error"].get("code")
    except (ValueError, KeyError, TypeError, AttributeError):
        code = None
    if isinstance(code, str) and code:
        error.code = code
    return error


def _refusal_error(response: httpx.Response) -> OmniorderError:
    error_code, current_version = "", None
    try:
        error = response.json()["error"]
        message, field = str(error["message"]), str(error.get("field") or "")
        error_code = str(error.get("code") or "")
        version = error.get("current_version")
        current_version = version if isinstance(version, int) else None
    except (ValueError, KeyError, TypeError):
        message, field = f"HQ refused the request ({response.status_code}).", ""
    message = f"HQ: {message}"
    if response.status_code == 422:
        return InvalidInput(field, message)
    if response.status_code == 404:
        return NotFound(message)
    if response.status_code in (401, 403):
        return PermissionDenied(field or "hq", message)
    if error_code == "stale_version":
        return StaleVersion(message, current_version=current_version)
    if error_code == "id_in_use":
        return IdInUse(field or "id", message)
    return Conflict(message)

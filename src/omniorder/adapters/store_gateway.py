"""HQ's client for store servers: the P-job reads journals and sends acknowledgements."""

from __future__ import annotations

from typing import Any

import httpx

from omniorder.domain.errors import Unavailable


class HttpStoreGateway:
    def __init__(
        self,
        *,
        job_token: str | None,
        timeout_seconds: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(
            timeout=timeout_seconds,
            headers={"Authorization": f"Bearer {job_token}"} if job_token else {},
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def journal(self, store_url: str, *, after: int, limit: int) -> list[dict[str, Any]]:
        response = self._call(
            "GET", f"{store_url}/api/v1/journal", params={"after": after, "limit": limit}
        )
        entries: list[dict[str, Any]] = response.json()["entries"]
        return entries

    def acknowledge(self, store_url: str, acknowledgements: list[dict[str, Any]]) -> None:
        self._call(
            "POST",
            f"{store_url}/api/v1/journal/acknowledgements",
            json={"acknowledgements": acknowledgements},
        )

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.TransportError as error:
            raise Unavailable(
                f"The store at {url} cannot be reached ({type(error).__name__})."
            ) from error
        if response.status_code in (401, 403):
            raise Unavailable(f"the store refused HQ's job token ({response.status_code})")
        if response.status_code >= 400:
            raise Unavailable(f"the store answered {response.status_code}")
        return response

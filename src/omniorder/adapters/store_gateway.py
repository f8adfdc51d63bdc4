"""HQ's client for store servers: the P-job reads journals and sends acknowledgements.

Each store has its own job token, derived from HQ's job secret and the store's code
(`job_token_for`), so a store's copy of its token opens only its own journal.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx

from omniorder.domain.errors import Unavailable


def job_token_for(job_secret: str, store_code: str) -> str:
    """The job token of one store: HMAC-SHA256(HQ's job secret, store code)."""
    return hmac.new(
        job_secret.encode(), f"omniorder-job-token:{store_code}".encode(), hashlib.sha256
    ).hexdigest()


class HttpStoreGateway:
    def __init__(
        self,
        *,
        job_secret: str | None,
        timeout_seconds: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._secret = job_secret
        self._client = httpx.Client(timeout=timeout_seconds, transport=transport)

    def close(self) -> None:
        self._client.close()

    def journal(
        self, store_url: str, *, store_code: str, after: int, limit: int
    ) -> list[dict[str, Any]]:
        response = self._call(
            "GET",
            f"{store_url}/api/v1/journal",
            store_code,
            params={"after": after, "limit": limit},
        )
        entries: list[dict[str, Any]] = response.json()["entries"]
        return entries

    def acknowledge(
        self, store_url: str, acknowledgements: list[dict[str, Any]], *, store_code: str
    ) -> None:
        self._call(
            "POST",
            f"{store_url}/api/v1/journal/acknowledgements",
            store_code,
            json={"acknowledgements": acknowledgements},
        )

    def _call(self, method: str, url: str, store_code: str, **kwargs: Any) -> httpx.Response:
        headers = (
            {"Authorization": f"Bearer {job_token_for(self._secret, store_code)}"}
            if self._secret
            else {}
        )
        try:
            response = self._client.request(method, url, headers=headers, **kwargs)
        except httpx.TransportError as error:
            raise Unavailable(
                f"The store at {url} cannot be reached ({type(error).__name__})."
            ) from error
        if response.status_code in (401, 403):
            raise Unavailable(f"the store refused HQ's job token ({response.status_code})")
        if response.status_code >= 400:
            raise Unavailable(f"the store answered {response.status_code}")
        return response

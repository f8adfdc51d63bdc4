"""What the use cases need from the outside world, as protocols the adapters implement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from omniorder.domain.money import Money


class HQ(Protocol):
    """HQ's real-time service and channel-data download, as the store sees them.

    Raises `Unavailable` when HQ does not answer in time, and the domain's `InvalidInput`,
    `Conflict` or `NotFound` with HQ's own message when HQ refuses the request.
    """

    def create_sales_order(
        self, document: dict[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]: ...

    def perform_operation(self, document: dict[str, Any]) -> dict[str, Any]:
        """HQ decides and applies an operation on an order it holds; answers the new order."""
        ...

    def get_order(self, ref: str) -> dict[str, Any]:
        """HQ's current copy of any store's order (bounded by the read timeout)."""
        ...

    def search_orders(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Find order across every store, at HQ (bounded by the read timeout)."""
        ...

    def channel_data(self) -> dict[str, Any]: ...

    def inventory(self, skus: list[str]) -> list[dict[str, Any]]:
        """HQ's stock rows (location, sku, on_hand_qty, reserved_qty) for up to 50 SKUs, at
        every location (bounded by the read timeout)."""
        ...


@dataclass(frozen=True)
class CardAuthorization:
    authorization_code: str
    card_last4: str
    card_token: str


class PaymentConnector(Protocol):
    """Authorizes card payments. Authorizing the same payment id twice is one authorization."""

    def authorize(self, payment_id: UUID, amount: Money, card_number: str) -> CardAuthorization: ...

    def void(self, payment_id: UUID) -> None: ...

    def capture(self, payment_id: UUID, card_token: str, amount: Money) -> CardAuthorization:
        """Charge a card kept as a token (the balance when ship lines are invoiced)."""
        ...

    def refund(self, payment_id: UUID, card_token: str, amount: Money) -> None:
        """Pay money back to a card (amount > 0). Refunding the same payment id twice is one
        refund."""
        ...


class StoreGateway(Protocol):
    """How HQ's jobs reach a store server: its journal, and acknowledgements back.

    Each call presents the job credential of `store_code` (its own, per store); a store
    accepts only its own. Raises `Unavailable` when the store does not answer.
    """

    def journal(
        self, store_url: str, *, store_code: str, after: int, limit: int
    ) -> list[dict[str, Any]]: ...

    def acknowledge(
        self, store_url: str, acknowledgements: list[dict[str, Any]], *, store_code: str
    ) -> None: ...

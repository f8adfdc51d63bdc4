"""Payment connectors. The built-in test connector behaves like a card processor's sandbox."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from uuid import UUID

from omniorder.domain.errors import InvalidInput
from omniorder.domain.money import Money
from omniorder.service_layer.ports import CardAuthorization

DECLINED_CARDS = frozenset({"4000000000000002"})


class TestCardConnector:
    """Approves any card number that passes the Luhn check, except the declined test cards.

    Authorizing the same payment id again returns the same authorization, like a real
    processor given an idempotency key. Card tokens are HMAC-SHA256 of the card number keyed
    with a deployment secret (`OMNIORDER_CARD_TOKEN_SECRET`; a random one per connector when
    unset), so a token cannot be turned back into the card number by hashing candidates.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, *, token_secret: str | None = None) -> None:
        self._token_key = (token_secret or secrets.token_urlsafe(32)).encode()
        self._lock = threading.Lock()
        self.authorized: dict[UUID, tuple[CardAuthorization, Money]] = {}
        self.voided: set[UUID] = set()
        self.refunded: dict[UUID, tuple[str, Money]] = {}

    def authorize(self, payment_id: UUID, amount: Money, card_number: str) -> CardAuthorization:
        digits = card_number.replace(" ", "")
        if not digits.isdigit() or not 12 <= len(digits) <= 19 or not _luhn_ok(digits):
            raise InvalidInput("card_number", "That card number is not valid.")
        if digits in DECLINED_CARDS:
            raise InvalidInput("card_number", "The card was declined; ask for another tender.")
        with self._lock:
            known = self.authorized.get(payment_id)
            if known is not None:
                return known[0]
            code = hashlib.sha256(f"{payment_id}".encode()).hexdigest()[:8].upper()
            card = CardAuthorization(
                authorization_code=f"TEST-{code}",
                card_last4=digits[-4:],
                card_token=self.token_for(digits),
            )
            self.authorized[payment_id] = (card, amount)
            self.voided.discard(payment_id)
            return card

    def token_for(self, digits: str) -> str:
        """The card's token: keyed, so only the holder of the secret can match a number."""
        mac = hmac.new(self._token_key, f"card:{digits}".encode(), hashlib.sha256)
        return f"tok_{mac.hexdigest()[:32]}"

    def capture(self, payment_id: UUID, card_token: str, amount: Money) -> CardAuthorization:
        if not card_token.startswith("tok_"):
            raise InvalidInput("card_token", "That card token is not one of this connector's.")
        with self._lock:
            known = self.authorized.get(payment_id)
            if known is not None:
                return known[0]
            code = hashlib.sha256(f"capture:{payment_id}".encode()).hexdigest()[:8].upper()
            card = CardAuthorization(f"TEST-{code}", "0000", card_token)
            self.authorized[payment_id] = (card, amount)
            return card

    def refund(self, payment_id: UUID, card_token: str, amount: Money) -> None:
        if amount.amount <= 0:
            raise InvalidInput("amount", "A refund must be more than zero.")
        with self._lock:
            self.refunded.setdefault(payment_id, (card_token, amount))

    def void(self, payment_id: UUID) -> None:
        with self._lock:
            if payment_id in self.authorized:
                del self.authorized[payment_id]
                self.voided.add(payment_id)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0

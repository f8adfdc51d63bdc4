"""Card tokens are keyed (docs/security.md, *Tokens, cards and money policy*): without the
deployment's secret, hashing candidate card numbers finds nothing."""

from __future__ import annotations

import hashlib
import uuid

from omniorder.adapters.payments import TestCardConnector
from omniorder.domain.money import Money

PAN = "4242424242424242"


def token_of(connector: TestCardConnector, pan: str = PAN) -> str:
    card = connector.authorize(uuid.uuid4(), Money.parse("1.00"), pan)
    assert card.card_last4 == pan[-4:]
    return card.card_token


def test_a_token_is_stable_for_one_secret_and_differs_between_secrets() -> None:
    one = TestCardConnector(token_secret="secret-one")
    assert token_of(one) == token_of(TestCardConnector(token_secret="secret-one"))
    assert token_of(one) != token_of(TestCardConnector(token_secret="secret-two"))
    assert token_of(one) != token_of(one, "4000056655665556")
    # Unset: a random secret per connector.
    assert token_of(TestCardConnector()) != token_of(TestCardConnector())


def test_hashing_candidate_card_numbers_does_not_find_the_token() -> None:
    token = token_of(TestCardConnector(token_secret="deployment-secret"))
    body = token.removeprefix("tok_")
    assert PAN not in token
    # BIN 424242 and last four 4242 leave 10^6 candidates: the old sha256(PAN) token was
    # found among them; a keyed token matches none of their plain hashes.
    for middle in range(0, 1_000_000, 997):
        candidate = f"424242{middle:06d}4242"
        digest = hashlib.sha256(candidate.encode()).hexdigest()
        assert not digest.startswith(body[:16])
    assert not hashlib.sha256(PAN.encode()).hexdigest().startswith(body[:16])
    assert not hashlib.sha256(f"card:{PAN}".encode()).hexdigest().startswith(body[:16])

"""Cards through the payment connector: authorizing the card tenders of a request before
anything is saved, voiding them when the request is refused, and sending an operation's card
refund back once the order change is committed. One helper each, for every use case."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from uuid import UUID

from omniorder.domain.errors import InvalidInput, OmniorderError
from omniorder.domain.history import refund_payment_id
from omniorder.domain.order import Order
from omniorder.domain.settlement import TenderIn
from omniorder.domain.statuses import Tender
from omniorder.service_layer.ports import PaymentConnector


def authorize_cards(
    payments: PaymentConnector, tenders: tuple[TenderIn, ...], card_numbers: dict[UUID, str]
) -> tuple[TenderIn, ...]:
    """The tenders with their card tenders authorized (last four, code, token filled in); a
    refused card is a 422 on `payments[i].card_number`, and what was authorized is voided."""
    result: list[TenderIn] = []
    try:
        for index, tender in enumerate(tenders):
            if tender.tender is not Tender.CARD:
                result.append(tender)
                continue
            number = card_numbers.get(tender.id)
            if not number:
                raise InvalidInput(f"payments[{index}].card_number", "Enter the card number.")
            try:
                card = payments.authorize(tender.id, tender.amount, number)
            except InvalidInput as error:
                raise InvalidInput(f"payments[{index}].card_number", error.message) from None
            result.append(
                dataclasses.replace(
                    tender,
                    card_last4=card.card_last4,
                    authorization_code=card.authorization_code,
                    card_token=card.card_token,
                )
            )
    except OmniorderError:
        void_cards(payments, result)
        raise
    return tuple(result)


def void_cards(payments: PaymentConnector, tenders: Iterable[TenderIn]) -> None:
    """Void the card authorizations among these tenders (a refused request)."""
    for tender in tenders:
        if tender.tender is Tender.CARD and tender.authorization_code:
            payments.void(tender.id)


def refund_to_cards(payments: PaymentConnector, *, order: Order, operation_id: UUID) -> None:
    """Send the card refund an operation recorded back through the payment connector, after
    the order change is committed (idempotent on the payment id, so a retry is safe)."""
    refund_id = refund_payment_id(operation_id)
    for payment in order.payments:
        if (
            payment.id == refund_id
            and payment.amount.amount < 0
            and payment.tender is Tender.CARD
            and payment.card_token
        ):
            payments.refund(payment.id, payment.card_token, -payment.amount)

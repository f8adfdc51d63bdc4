"""Reading the POS forms: the helpers the new-order page and the order action pages share.

A form comes in as text and goes back into the page as typed (`Fields`); what cannot be read
raises `FormErrors`, keyed by the field's name so the error shows next to it. Amounts are
the order's currency, quantities whole numbers; the amount shown is checked against the
amount due before any money changes hands (`check_quoted`).
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from starlette.datastructures import FormData

from omniorder.domain.errors import OmniorderError, StaleVersion
from omniorder.domain.money import Money
from omniorder.domain.statuses import Tender
from omniorder.entrypoints.web import field_errors
from omniorder.service_layer.cart import PaymentInput

Fields = dict[str, str]


class FormErrors(Exception):
    """What the form could not read: error messages keyed by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


async def form_data(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


def fields_of(form: Any) -> Fields:
    """The form as text, one value per name (the last one wins)."""
    return {k: v.strip() for k, v in form.multi_items() if isinstance(v, str)}


def indexed_rows(form: Fields, name: str) -> list[tuple[int, Fields]]:
    """The rows of fields named `<name>[<i>].<key>` ("lines[0].quantity"), by position i."""
    pattern = re.compile(rf"^{re.escape(name)}\[(\d+)\]\.(\w+)$")
    rows: dict[int, Fields] = {}
    for field_name, value in form.items():
        match = pattern.match(field_name)
        if match:
            rows.setdefault(int(match[1]), {})[match[2]] = value
    return sorted(rows.items())


def new_fields(**values: str) -> Fields:
    """A form shown for the first time, with a new operation id (a resubmit changes nothing)."""
    return {"operation_id": str(uuid.uuid4()), **values}


def operation_id_of(form: Fields) -> UUID:
    try:
        return UUID(form.get("operation_id", ""))
    except ValueError:
        return uuid.uuid4()


def uuid_or_none(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def version_of(form: Fields) -> int | None:
    """The order version the form was shown with (None when the form has none)."""
    text = form.get("version", "")
    return int(text) if text.isdecimal() and len(text) < 10 else None


def amount_of(form: Fields, name: str, currency: str, *, required: bool = False) -> Money | None:
    text = form.get(name, "")
    if not text:
        if required:
            raise FormErrors({name: "Enter an amount, e.g. 12.50."})
        return None
    try:
        return Money.parse(text, currency)
    except ValueError:
        raise FormErrors({name: "Enter an amount, e.g. 12.50."}) from None


def quantities_of(form: Fields, prefix: str = "lines.") -> dict[UUID, int]:
    """Quantities from fields named `lines.<line id>`; empty or 0 means "not this line"."""
    quantities: dict[UUID, int] = {}
    errors: dict[str, str] = {}
    for name, text in form.items():
        if not name.startswith(prefix) or not text:
            continue
        try:
            line_id = UUID(name[len(prefix) :])
        except ValueError:
            continue
        if not text.isdecimal():
            errors[name] = "Enter the quantity as a whole number, e.g. 2."
        elif len(text) > 6:  # more than any line holds (at most 100,000)
            errors[name] = "Enter at most the quantity of the line."
        elif int(text) > 0:
            quantities[line_id] = int(text)
    if errors:
        raise FormErrors(errors)
    return quantities


def payments_for(form: Fields, due: Money) -> tuple[PaymentInput, ...]:
    """The tender that pays `due` (nothing when nothing is due)."""
    if due.amount <= 0:
        return ()
    tender = Tender.CASH if form.get("payments[0].tender") == "cash" else Tender.CARD
    if tender is Tender.CASH:
        tendered = amount_of(form, "cash_tendered", due.currency)
        if tendered is not None and tendered < due:
            raise FormErrors(
                {"cash_tendered": f"The cash received is less than the amount due ({due})."}
            )
        return (PaymentInput(tender=Tender.CASH, amount=due),)
    return (
        PaymentInput(
            tender=Tender.CARD, amount=due, card_number=form.get("payments[0].card_number") or None
        ),
    )


def refund_tender_of(form: Fields) -> Tender | None:
    """The tender the associate chose for a refund; None (the default): the original one."""
    chosen = form.get("refund_tender")
    return Tender.CARD if chosen == "card" else Tender.CASH if chosen == "cash" else None


def change_for(form: Fields, due: Money | None) -> Money | None:
    """The change to give back when the customer pays `due` in cash."""
    if due is None or due.amount <= 0 or form.get("payments[0].tender") != "cash":
        return None
    try:
        tendered = Money.parse(form.get("cash_tendered", ""), due.currency)
    except ValueError:
        return None
    return tendered - due if tendered >= due else None


def check_quoted(form: Fields, due: Money) -> None:
    """The customer pays what they were shown: if the amount changed, show it again."""
    if form.get("quoted_due") != str(due.to_decimal()):
        form["quoted_due"] = str(due.to_decimal())
        word = "to pay" if due.amount >= 0 else "to refund"
        amount = abs(due.to_decimal())
        raise FormErrors({"quoted_due": f"The amount {word} is now {amount}; check it, confirm."})


def placed_errors(error: OmniorderError) -> dict[str, str]:
    """The error next to the field it concerns; a missing permission next to the manager
    approval fields, which lift it."""
    if isinstance(error, StaleVersion):
        return {
            "version": "Someone changed this order since you opened it. Reload it to see "
            "their changes, then make yours again."
        }
    placed: dict[str, str] = {}
    for key, message in field_errors(error).items():
        placed.setdefault("manager_override" if key.startswith("permission:") else key, message)
    return placed

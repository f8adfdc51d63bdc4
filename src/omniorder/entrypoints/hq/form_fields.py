"""Back-office form fields: text as typed ⇄ the values the master-data schemas take.

A form is validated by the same pydantic schema as the JSON API (master_data_schemas.py);
this module only turns "20.00" into 2000 minor units, "8.875" % into the rate 0.08875, Yes/No
into booleans, and pydantic's errors into words keyed by the form field they concern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from omniorder.domain.money import MINOR_UNITS, Money
from omniorder.entrypoints.http_errors import field_path
from omniorder.entrypoints.web import format_percent
from omniorder.service_layer.unit_of_work import UnitOfWork

Kind = Literal["text", "money", "percent", "rate", "int", "bool", "choice", "password"]
Choices = Callable[[UnitOfWork], list[tuple[str, str]]]
GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")


@dataclass(frozen=True)
class FormField:
    """One input of a back-office form; `name` is the schema's field name."""

    name: str
    label: str
    kind: Kind = "text"
    hint: str = ""
    is_optional: bool = False
    choices: Choices | None = None
    suggestions: Choices | None = None  # a datalist: typing a value not listed is allowed


class FieldError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def shown(kind: str, value: Any, currency: str) -> str:
    """A stored value as the text the form shows."""
    if value is None:
        return ""
    if kind == "money":
        return f"{Money(int(value), currency).to_decimal():.{MINOR_UNITS[currency]}f}"
    if kind == "percent":
        return format_percent(Decimal(value))
    if kind == "rate":
        return format_percent(Decimal(value) * 100)
    if kind == "bool":
        return "yes" if value else "no"
    return str(value)


def parsed(field: FormField, text: str, currency: str) -> Any:
    """The text typed into a field as the value its schema takes (FieldError if it cannot be)."""
    text = text.strip()
    if field.kind == "password":
        return text or None
    if not text:
        if field.is_optional:
            return None
        if field.kind in ("money", "percent", "rate", "int"):
            raise FieldError("Enter a value.")
        return ""
    if field.kind == "money":
        # "1,299.00" is grouping; "5,49" is ambiguous (a decimal comma?) and is refused.
        if "," in text and not GROUPED.match(text):
            text = "not an amount"
        try:
            money = Money.parse(text.replace(",", ""), currency)
        except ValueError:
            decimals = MINOR_UNITS[currency]
            example = "20" + ("." + "0" * decimals if decimals else "")
            raise FieldError(f"Enter an amount like {example}.") from None
        if money.amount < 0:
            raise FieldError("Enter an amount of 0 or more.")
        return money.amount
    if field.kind in ("percent", "rate"):
        try:
            number = Decimal(text.rstrip("%").strip())
        except InvalidOperation:
            raise FieldError("Enter a percentage like 10 or 8.875.") from None
        if not number.is_finite():
            raise FieldError("Enter a percentage like 10 or 8.875.")
        return number / 100 if field.kind == "rate" else number
    if field.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise FieldError("Enter a whole number.") from None
    if field.kind == "bool":
        if text not in ("yes", "no"):
            raise FieldError("Choose Yes or No.")
        return text == "yes"
    return text


def read_fields(
    fields: tuple[FormField, ...], form: Mapping[str, Any], currency: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The values of these fields from a submitted form, and the errors of those that failed."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        raw = form.get(field.name)
        try:
            values[field.name] = parsed(field, raw if isinstance(raw, str) else "", currency)
        except FieldError as error:
            errors[field.name] = error.message
    return values, errors


def validate(
    schema: type[BaseModel], data: dict[str, Any], kinds: Mapping[str, str]
) -> tuple[BaseModel | None, dict[str, str]]:
    """Validate with the API's schema; errors in words, keyed by field path."""
    try:
        return schema.model_validate(data), {}
    except ValidationError as error:
        errors: dict[str, str] = {}
        for item in error.errors():
            path = field_path(tuple(item.get("loc", ())))
            name = str(item["loc"][-1]) if item.get("loc") else ""
            errors.setdefault(path, in_words(item, kinds.get(name, "text")))
        return None, errors


def in_words(item: Any, kind: str) -> str:
    """A pydantic error as a person would say it, with limits shown the way the field is typed."""
    ctx = item.get("ctx") or {}
    error_type = item.get("type", "")

    def limit(name: str) -> str:
        value = ctx.get(name)
        if kind == "money":
            return shown("money", value, "USD")
        if kind in ("percent", "rate"):
            return shown(kind, value, "USD") + " %"
        return str(value)

    if error_type == "missing":
        return "Enter a value."
    if error_type == "string_too_short":
        return "Enter a value." if ctx.get("min_length") == 1 else item["msg"] + "."
    if error_type == "string_too_long":
        return f"Use at most {ctx.get('max_length')} characters."
    if error_type == "string_pattern_mismatch":
        return "Use letters, digits, “.”, “_” or “-” only, with no spaces."
    if error_type == "greater_than_equal":
        return f"Enter {limit('ge')} or more."
    if error_type == "less_than_equal":
        return f"Enter {limit('le')} or less."
    if error_type == "less_than":
        return f"Enter less than {limit('lt')}."
    if error_type == "decimal_max_places":
        places = int(ctx.get("decimal_places", 0)) - (2 if kind == "rate" else 0)
        return f"Use at most {places} decimal places."
    if error_type == "literal_error":
        return "Choose one of the options."
    return str(item.get("msg", "This value is not valid.")) + "."

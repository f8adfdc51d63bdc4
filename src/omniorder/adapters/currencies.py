"""ISO 4217 currencies and their minor units, read from Babel's CLDR data and handed to the
domain's `Money` (domain/money.py, `register_minor_units`), which imports no library."""

from __future__ import annotations

from babel.numbers import get_currency_precision, list_currencies

from omniorder.domain.money import register_minor_units

# ISO 4217 codes that are not money a customer pays with: "no currency" (XXX), the testing
# code (XTS), precious metals, and accounting units (SDR, bond-market and regional units).
NOT_MONEY = frozenset(
    {"XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR", "XBA", "XBB", "XBC", "XBD", "XSU", "XUA"}
)


def register_iso_currencies() -> None:
    """Every currency CLDR knows, with its ISO 4217 minor units (USD 2, JPY 0, KWD 3)."""
    register_minor_units(
        {code: get_currency_precision(code) for code in list_currencies() if code not in NOT_MONEY}
    )

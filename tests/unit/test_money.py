"""Money: integer minor units with a currency, and the one half-up rounding helper."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniorder.domain.money import MINOR_UNITS, Money, register_minor_units, round_half_up, total


def usd(amount: int) -> Money:
    return Money(amount, "USD")


# -- construction ---------------------------------------------------------------------------


def test_money_defaults_to_usd_minor_units() -> None:
    money = Money(1234)

    assert money.amount == 1234
    assert money.currency == "USD"
    assert money == Money(1234, "USD")


@pytest.mark.parametrize("amount", [1.5, 1.0, Decimal("1"), "100", True, None])
def test_money_refuses_anything_but_an_int_amount(amount: object) -> None:
    with pytest.raises(TypeError, match="int of minor units"):
        Money(amount)  # type: ignore[arg-type]


def test_money_refuses_an_unknown_currency() -> None:
    with pytest.raises(ValueError, match="unknown currency 'XXX'"):
        Money(100, "XXX")


def test_zero_is_zero_in_the_given_currency() -> None:
    assert Money.zero() == Money(0, "USD")
    assert Money.zero("EUR") == Money(0, "EUR")
    assert Money.zero("EUR").is_zero
    assert not usd(1).is_zero
    assert not usd(-1).is_zero


# -- arithmetic -----------------------------------------------------------------------------


def test_add_subtract_and_negate_in_minor_units() -> None:
    assert usd(1999) + usd(1) == usd(2000)
    assert usd(1999) - usd(2000) == usd(-1)
    assert -usd(250) == usd(-250)
    assert -usd(-250) == usd(250)


def test_times_multiplies_by_a_whole_quantity() -> None:
    assert usd(14999).times(2) == usd(29998)
    assert usd(14999).times(0) == usd(0)


def test_times_refuses_a_fractional_quantity() -> None:
    with pytest.raises(TypeError):
        usd(100).times(1.5)  # type: ignore[arg-type]


def test_comparisons_and_min() -> None:
    assert usd(1) < usd(2)
    assert usd(2) <= usd(2)
    assert usd(3) > usd(2)
    assert usd(2) >= usd(2)
    assert not usd(2) < usd(2)
    assert usd(5).min(usd(3)) == usd(3)
    assert usd(3).min(usd(5)) == usd(3)
    assert usd(3).min(usd(3)) == usd(3)


def test_total_sums_amounts_and_is_zero_for_none() -> None:
    assert total([usd(100), usd(250), usd(-50)], "USD") == usd(300)
    assert total((), "EUR") == Money(0, "EUR")


def test_equal_amounts_in_different_currencies_are_not_equal() -> None:
    assert Money(100, "USD") != Money(100, "EUR")


@pytest.mark.parametrize(
    "combine",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
        lambda a, b: a.min(b),
    ],
    ids=["add", "sub", "lt", "le", "gt", "ge", "min"],
)
def test_combining_two_currencies_is_refused(combine: object) -> None:
    with pytest.raises(ValueError, match="cannot combine USD and EUR"):
        combine(Money(100, "USD"), Money(100, "EUR"))  # type: ignore[operator]


def test_total_refuses_an_amount_in_another_currency() -> None:
    with pytest.raises(ValueError, match="cannot combine USD and EUR"):
        total([usd(100), Money(100, "EUR")], "USD")


# -- parse and display ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("12.34", "USD", Money(1234, "USD")),
        ("12.3", "USD", Money(1230, "USD")),
        ("12", "USD", Money(1200, "USD")),
        ("12.340", "USD", Money(1234, "USD")),
        ("0.01", "USD", Money(1, "USD")),
        ("-5.10", "USD", Money(-510, "USD")),
        ("1234", "JPY", Money(1234, "JPY")),
        ("1.234", "KWD", Money(1234, "KWD")),
    ],
)
def test_parse_reads_major_units_exactly(text: str, currency: str, expected: Money) -> None:
    assert Money.parse(text, currency) == expected


@pytest.mark.parametrize(
    ("text", "currency", "places"),
    [("12.345", "USD", 2), ("0.001", "EUR", 2), ("12.5", "JPY", 0), ("1.2345", "KWD", 3)],
)
def test_parse_refuses_more_decimals_than_the_currency_has(
    text: str, currency: str, places: int
) -> None:
    with pytest.raises(ValueError, match=f"has more than {places} decimal places"):
        Money.parse(text, currency)


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(1234, "USD"), "12.34 USD"),
        (Money(5, "USD"), "0.05 USD"),
        (Money(-5, "USD"), "-0.05 USD"),
        (Money(1234, "JPY"), "1234 JPY"),
        (Money(1234, "KWD"), "1.234 KWD"),
    ],
)
def test_str_shows_major_units_with_the_currency_decimals(money: Money, text: str) -> None:
    assert str(money) == text


def test_to_decimal_is_exact_major_units() -> None:
    assert usd(174497).to_decimal() == Decimal("1744.97")
    assert Money(1234, "JPY").to_decimal() == Decimal(1234)


# -- rounding: one helper, half-up (away from zero) at the minor unit -----------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.5"), 1),
        (Decimal("0.4999"), 0),
        (Decimal("1.5"), 2),
        (Decimal("2.5"), 3),  # not banker's rounding
        (Decimal("-0.5"), -1),
        (Decimal("-2.5"), -3),
        (Decimal("-0.4999"), 0),
        (Decimal("17449.7"), 17450),
    ],
)
def test_round_half_up_rounds_halves_away_from_zero(value: Decimal, expected: int) -> None:
    assert round_half_up(value) == expected


@pytest.mark.parametrize(
    ("amount", "percent", "expected"),
    [
        (174497, Decimal(10), 17450),  # 174.497 -> 174.50
        (1, Decimal(50), 1),  # 0.005 -> 0.01
        (1, Decimal("49.99"), 0),  # 0.004999 -> 0.00
        (-1, Decimal(50), -1),  # -0.005 -> -0.01, away from zero
        (-174497, Decimal(10), -17450),
        (100000, Decimal("12.5"), 12500),
        (333, Decimal("33.3333"), 111),  # 110.9998889 -> 111
        (0, Decimal(10), 0),
        (12345, Decimal(100), 12345),
        (12345, Decimal(0), 0),
    ],
)
def test_percent_rounds_half_up_at_the_minor_unit(
    amount: int, percent: Decimal, expected: int
) -> None:
    assert usd(amount).percent(percent) == usd(expected)


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        (129900, Decimal("0.08875"), 11529),  # 115.28625 -> 115.29
        (29998, Decimal("0.06625"), 1987),  # 19.873675 -> 19.87
        (995, Decimal("0.08875"), 88),  # 0.8830625 -> 0.88
        (10, Decimal("0.05"), 1),  # 0.005 -> 0.01
        (-10, Decimal("0.05"), -1),  # -0.005 -> -0.01
        (9, Decimal("0.05"), 0),  # 0.0045 -> 0.00
        (100, Decimal(0), 0),
    ],
)
def test_rate_rounds_half_up_at_the_minor_unit(amount: int, rate: Decimal, expected: int) -> None:
    assert usd(amount).rate(rate) == usd(expected)


def test_rounding_keeps_the_currency_and_respects_zero_decimal_currencies() -> None:
    # 1234 yen × 8.875 % = 109.5175 yen -> 110 yen: the minor unit of JPY is the yen.
    assert Money(1234, "JPY").rate(Decimal("0.08875")) == Money(110, "JPY")
    assert Money(1234, "JPY").percent(Decimal("10")) == Money(123, "JPY")


def test_percent_and_rate_refuse_a_float() -> None:
    with pytest.raises(TypeError):
        usd(100).percent(10.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        usd(100).rate(0.0825)  # type: ignore[arg-type]


@pytest.mark.parametrize(("currency", "exponent"), [("USD", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4)])
def test_minor_units_come_from_iso_4217(currency: str, exponent: int) -> None:
    # Registered at start-up from Babel's CLDR data (adapters/currencies.py), not a hand table.
    assert MINOR_UNITS[currency] == exponent


def test_a_currency_is_registered_only_with_a_well_formed_code() -> None:
    with pytest.raises(ValueError, match="not an ISO 4217 currency"):
        register_minor_units({"usd": 2})
    assert "usd" not in MINOR_UNITS

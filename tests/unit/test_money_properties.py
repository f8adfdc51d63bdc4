"""Properties of Money: percent() is exact half-up rounding; addition and subtraction invert."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

from hypothesis import given
from hypothesis import strategies as st

from omniorder.domain.money import Money

# Up to 10^15 minor units (ten trillion dollars) in either direction; small amounts and whole
# or half percents are mixed in so that exact halves, where rounding rules differ, come up often.
amounts = st.one_of(
    st.integers(min_value=-1000, max_value=1000),
    st.integers(min_value=-(10**15), max_value=10**15),
)
# 0 to 100 with up to four decimal places, e.g. 12.5 or 33.3333.
tenth_thousandths = st.one_of(
    st.sampled_from([500_000, 100_000, 50_000, 125_000, 25_000, 5_000, 500, 5]),
    st.integers(min_value=0, max_value=200).map(lambda n: n * 5000),
    st.integers(min_value=0, max_value=100 * 10**4),
)
percents = tenth_thousandths.map(lambda n: Decimal(n).scaleb(-4))


def expected_percent(amount: int, percent: Decimal) -> int:
    """amount × percent / 100, rounded half away from zero, with precision to spare."""
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(amount) * percent / Decimal(100)
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@given(amount=amounts, percent=percents)
def test_percent_is_exact_half_up_rounding(amount: int, percent: Decimal) -> None:
    assert Money(amount).percent(percent) == Money(expected_percent(amount, percent))


@given(amount=amounts, n=tenth_thousandths)
def test_percent_agrees_with_integer_arithmetic(amount: int, n: int) -> None:
    # A second oracle without Decimal: amount × n / 10^6, half away from zero.
    quotient, remainder = divmod(abs(amount) * n, 10**6)
    rounded = quotient + (1 if 2 * remainder >= 10**6 else 0)
    expected = rounded if amount >= 0 else -rounded

    percent = Decimal(n).scaleb(-4)
    assert Money(amount).percent(percent) == Money(expected)


@given(amount=amounts, percent=percents)
def test_percent_is_symmetric_around_zero(amount: int, percent: Decimal) -> None:
    # Half away from zero: a refund rounds exactly like the charge it refunds.
    assert Money(-amount).percent(percent) == -Money(amount).percent(percent)


@given(m=st.integers(min_value=-(10**15), max_value=10**15))
def test_exact_halves_round_away_from_zero(m: int) -> None:
    # 50 % of an odd amount is exactly half a minor unit: (2m + 1) / 2 = m + 0.5.
    odd = 2 * m + 1
    expected = m + 1 if odd > 0 else m
    assert Money(odd).percent(Decimal(50)) == Money(expected)
    assert Money(odd).rate(Decimal("0.5")) == Money(expected)


@given(a=amounts, b=amounts)
def test_adding_then_subtracting_gives_back_the_amount(a: int, b: int) -> None:
    assert Money(a) + Money(b) - Money(b) == Money(a)
    assert (Money(a) + Money(b)).amount == a + b

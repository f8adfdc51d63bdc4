"""Money: integer minor units with a currency, and the one rounding helper (docs/rules.md)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Minor-unit exponent per ISO 4217 currency (USD 2, JPY 0, KWD 3). The domain keeps no table
# of its own: the ISO data is registered when the package is imported (omniorder/__init__.py
# calls adapters/currencies.py, which reads it from Babel), so Money stays standard-library
# only. A currency not registered is refused.
MINOR_UNITS: dict[str, int] = {}


def register_minor_units(exponents: dict[str, int]) -> None:
    """Make these currencies known to Money, with their minor-unit exponents."""
    for code, exponent in exponents.items():
        if len(code) != 3 or not code.isalpha() or not code.isupper() or exponent < 0:
            raise ValueError(f"not an ISO 4217 currency and exponent: {code!r} {exponent!r}")
    MINOR_UNITS.update(exponents)


def round_half_up(value: Decimal) -> int:
    """Round a quantity of minor units to a whole minor unit, half away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, order=False, slots=True)
class Money:
    """An amount in integer minor units (cents for USD) of one currency."""

    amount: int
    currency: str = "USD"

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError(f"Money amount must be an int of minor units, got {self.amount!r}")
        if self.currency not in MINOR_UNITS:
            raise ValueError(f"unknown currency {self.currency!r}")

    @classmethod
    def zero(cls, currency: str = "USD") -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str = "USD") -> Money:
        """Parse a decimal string in major units ("12.34") exactly, refusing extra precision.

        Raises ValueError for anything that is not a finite amount of this currency.
        """
        if currency not in MINOR_UNITS:
            raise ValueError(f"unknown currency {currency!r}")
        try:
            value = Decimal(text)
        except (InvalidOperation, TypeError):
            raise ValueError(f"{text!r} is not a number") from None
        if not value.is_finite():
            raise ValueError(f"{text!r} is not a finite amount")
        exponent = MINOR_UNITS[currency]
        minor = value.scaleb(exponent)
        if minor != minor.to_integral_value():
            raise ValueError(f"{text} has more than {exponent} decimal places")
        return cls(int(minor), currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def percent(self, percent: Decimal) -> Money:
        """This amount × percent / 100, rounded half-up to the minor unit."""
        return Money(round_half_up(Decimal(self.amount) * percent / 100), self.currency)

    def rate(self, rate: Decimal) -> Money:
        """This amount × a fractional rate (0.0825), rounded half-up to the minor unit."""
        return Money(round_half_up(Decimal(self.amount) * rate), self.currency)

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def to_decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-MINOR_UNITS[self.currency])

    def __str__(self) -> str:
        return f"{self.to_decimal():.{MINOR_UNITS[self.currency]}f} {self.currency}"


def total(amounts: list[Money] | tuple[Money, ...], currency: str) -> Money:
    """Sum of amounts in one currency (zero for none)."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result

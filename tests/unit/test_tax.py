"""Sales tax: a rate per (tax group, jurisdiction), a default where none is set (rules §1)."""

from __future__ import annotations

from decimal import Decimal

from omniorder.domain.tax import TaxTable


def make_tax_table(
    *,
    rates: dict[tuple[str, str], Decimal] | None = None,
    default_rate: Decimal | None = None,
) -> TaxTable:
    if rates is None:
        rates = {
            ("STANDARD", "NY"): Decimal("0.08875"),
            ("STANDARD", "NJ"): Decimal("0.06625"),
            ("FOOD", "NY"): Decimal(0),
        }
    if default_rate is None:
        return TaxTable(rates)
    return TaxTable(rates, default_rate)


def test_rate_is_looked_up_per_tax_group_and_jurisdiction() -> None:
    # Given rates for one tax group in two jurisdictions
    table = make_tax_table(default_rate=Decimal("0.05"))

    # Then each (tax group, jurisdiction) pair has its own rate
    assert table.rate("STANDARD", "NY") == Decimal("0.08875")
    assert table.rate("STANDARD", "NJ") == Decimal("0.06625")


def test_default_rate_applies_where_no_rate_is_set() -> None:
    table = make_tax_table(default_rate=Decimal("0.05"))

    # An unknown jurisdiction for a known group, and an unknown group for a known jurisdiction
    assert table.rate("STANDARD", "CT") == Decimal("0.05")
    assert table.rate("LUXURY", "NY") == Decimal("0.05")


def test_a_configured_rate_of_zero_is_used_not_replaced_by_the_default() -> None:
    table = make_tax_table(default_rate=Decimal("0.05"))

    assert table.rate("FOOD", "NY") == Decimal(0)
    # The same tax group elsewhere still falls back to the default
    assert table.rate("FOOD", "NJ") == Decimal("0.05")


def test_the_default_rate_is_zero_when_none_is_configured() -> None:
    table = make_tax_table(rates={})

    assert table.default_rate == Decimal(0)
    assert table.rate("STANDARD", "NY") == Decimal(0)


def test_jurisdiction_is_not_confused_with_tax_group() -> None:
    # The key is ordered: (tax group, jurisdiction), not the other way round
    table = make_tax_table(rates={("NY", "STANDARD"): Decimal("0.99")}, default_rate=Decimal(0))

    assert table.rate("STANDARD", "NY") == Decimal(0)

"""Sales tax (docs/rules.md §1, Prices and sales tax): a rate per (tax group, jurisdiction)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class TaxTable:
    """Rates as fractions (0.0825 for 8.25 %), keyed by (tax group, jurisdiction)."""

    rates: Mapping[tuple[str, str], Decimal]
    default_rate: Decimal = Decimal(0)

    def rate(self, tax_group: str, jurisdiction: str) -> Decimal:
        """The rate for a tax group in a jurisdiction, or the default rate where none is set.

        Jurisdiction is the fulfilling store for pickup and carry-out lines and the
        ship-to address's region for ship lines.
        """
        return self.rates.get((tax_group, jurisdiction), self.default_rate)

"""The date a new ship or pickup line starts with at the POS (docs/rules.md §2)."""

from __future__ import annotations

from datetime import date

from omniorder.domain.creation import suggested_date
from omniorder.domain.statuses import Fulfilment

TODAY = date(2026, 12, 30)


def test_pickup_starts_the_next_day_and_shipping_three_days_on() -> None:
    assert suggested_date(Fulfilment.PICKUP, TODAY) == date(2026, 12, 31)
    assert suggested_date(Fulfilment.SHIP, TODAY) == date(2027, 1, 2)


def test_carry_out_has_no_date() -> None:
    assert suggested_date(Fulfilment.CARRY_OUT, TODAY) is None

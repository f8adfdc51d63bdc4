"""How amounts and times read on pages and documents: Babel (CLDR) for the deployment's locale,
the currency's ISO 4217 minor units, times in the store's zone (entrypoints/web.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from omniorder.domain.money import Money
from omniorder.entrypoints import web

NEW_YORK = ZoneInfo("America/New_York")
AT = datetime(2026, 12, 2, 4, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def en_us() -> Iterator[None]:
    yield
    web.use_locale("en_US")


@pytest.mark.parametrize(
    ("money", "shown"),
    [
        (Money(128_786, "USD"), "$1,287.86"),
        (Money(-28_786, "USD"), "-$287.86"),
        (Money(1234, "JPY"), "¥1,234"),
        (Money(1234, "KWD"), "KWD1.234"),
        (Money(99, "EUR"), "€0.99"),
    ],
)
def test_money_reads_the_en_us_way_with_the_currency_minor_units(money: Money, shown: str) -> None:
    assert web.format_money(money).replace("\xa0", " ") == shown


def test_another_locale_writes_the_same_amount_its_own_way() -> None:
    web.use_locale("fr_CA")

    assert (
        web.format_money(Money(128_786, "CAD")).replace("\u202f", " ").replace("\xa0", " ")
        == "1 287,86 $"
    )


def test_a_time_is_shown_in_the_stores_zone_with_its_name() -> None:
    assert web.format_local(AT, NEW_YORK).replace("\u202f", " ") == "Dec 1, 2026, 11:15 PM EST"
    assert web.format_local(AT, "America/New_York") == web.format_local(AT, NEW_YORK)


def test_a_day_is_a_calendar_day_and_a_time_without_a_zone_says_utc() -> None:
    assert web.format_date(date(2026, 12, 7)) == "Dec 7, 2026"
    assert web.format_date(AT).replace("\u202f", " ") == "Dec 2, 2026, 4:15 AM UTC"


def test_the_browser_gets_what_it_needs_to_show_change_like_the_server() -> None:
    attributes = str(web.money_format_attributes("KWD"))

    assert attributes == 'data-locale="en-US" data-currency="KWD" data-minor-units="3"'


def test_an_unknown_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="xx_YY"):
        web.use_locale("xx_YY")

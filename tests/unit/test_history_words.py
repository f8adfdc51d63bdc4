"""History entries carry data; words are made at the edge (entrypoints/history_words.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from omniorder.adapters.order_mapping import event_params_from_json, event_params_to_json
from omniorder.domain.money import Money
from omniorder.domain.order import LineCount, OrderEvent
from omniorder.domain.statuses import OrderEventType
from omniorder.entrypoints.history_words import describe

AT = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def event(action: OrderEventType, **data: object) -> OrderEvent:
    return OrderEvent(uuid.uuid4(), AT, action, "1001", **data)  # type: ignore[arg-type]


def usd(text: str) -> Money:
    return Money.parse(text)


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (
            event(
                OrderEventType.PICKED_UP,
                lines=(LineCount("LAMP-FLOOR", 1),),
                collected_by="Ada",
                amounts={"invoice_total": usd("163.29"), "deposit_applied": usd("16.33")},
            ),
            "1 × LAMP-FLOOR collected by Ada; invoice total 163.29 USD, deposit applied 16.33 USD",
        ),
        (
            event(
                OrderEventType.EDITED,
                counts={"added": 1, "voided": 2},
                flags=("prices_recalculated",),
                amounts={"total": usd("10.00"), "settled": usd("-1.00")},
            ),
            "1 line(s) added, 2 voided, prices recalculated, total 10.00 USD, settled -1.00 USD",
        ),
        (
            event(
                OrderEventType.CANCELLED, amounts={"charge": usd("8.17"), "settled": usd("-8.16")}
            ),
            "charge 8.17 USD, settled -8.16 USD",
        ),
        (event(OrderEventType.PICK_LIST_CREATED, counts={"units": 4}), "4 unit(s) to pick"),
        (
            event(OrderEventType.PACKED, lines=(LineCount("SOFA-3S", 1), LineCount("RUG", 2))),
            "1 × SOFA-3S, 2 × RUG",
        ),
        (event(OrderEventType.RETURNED, amounts={"refund": usd("42.00")}), "refund 42.00 USD"),
        (
            event(OrderEventType.SHIPPED, detail="written before events carried data"),
            "written before events carried data",
        ),
    ],
)
def test_each_kind_of_entry_is_said_in_words(entry: OrderEvent, words: str) -> None:
    assert describe(entry) == words


def test_what_an_entry_changed_survives_the_database_exactly() -> None:
    entry = event(
        OrderEventType.PICKED_UP,
        lines=(LineCount("LAMP-FLOOR", 2),),
        collected_by="Ada",
        counts={"units": 2},
        flags=("repriced",),
        amounts={"invoice_total": Money(32658, "USD"), "deposit_applied": Money(-5, "JPY")},
    )

    stored = event_params_to_json(entry)
    assert stored is not None
    loaded = OrderEvent(entry.id, AT, entry.action, "1001", **event_params_from_json(stored))

    assert loaded == entry


def test_an_entry_without_data_stores_none() -> None:
    assert event_params_to_json(event(OrderEventType.SHIPPED, detail="old text")) is None

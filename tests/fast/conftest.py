"""The fast tier: the service layer's use cases on the in-memory unit of work (tests/fakes.py),
store and HQ alike, with no database — milliseconds per test."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import pytest

from omniorder.adapters.demo_data import demo_rows
from omniorder.adapters.payments import TestCardConnector
from omniorder.adapters.records_codec import record_to_dict
from omniorder.domain.order import Order
from omniorder.service_layer.cart import OrderInput
from omniorder.service_layer.channel_data import export_channel_data, import_channel_data
from omniorder.service_layer.customer_orders import create_customer_order
from tests.builders import FAST_HASHER, NOW, InProcessHQ, as_cashier
from tests.fakes import FakeDatabase, FakeUnitOfWork


def state(db: FakeDatabase) -> tuple[Any, ...]:
    """Everything a fake database holds, comparable with ==."""
    return (
        copy.deepcopy(db.orders),
        {key: record_to_dict(row) for key, row in db.rows.items()},
        dict(db.counters),
    )


@dataclass
class FastWorld:
    """HQ and store S001 on fake databases, with channel data downloaded."""

    hq_db: FakeDatabase = field(default_factory=FakeDatabase)
    store_db: FakeDatabase = field(default_factory=FakeDatabase)
    cards: TestCardConnector = field(default_factory=TestCardConnector)

    def __post_init__(self) -> None:
        self.hq_db.load(demo_rows(FAST_HASHER.hash))
        self.hq = InProcessHQ(self.hq_uow)
        import_channel_data(self.store_uow(), export_channel_data(self.hq_uow(), store_code="S001"))

    def hq_uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.hq_db)

    def store_uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store_db)

    def both(self) -> tuple[Any, ...]:
        return state(self.hq_db), state(self.store_db)

    def take(self, request: OrderInput) -> Order:
        return create_customer_order(
            self.store_uow(),
            hq=self.hq,
            payments=self.cards,
            request=request,
            auth=as_cashier(),
            store_code="S001",
            now=NOW,
        )


@pytest.fixture
def world() -> FastWorld:
    return FastWorld()

from __future__ import annotations

from dataclasses import dataclass

import pytest

from omniorder.adapters.payments import TestCardConnector
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.domain.order import Order
from omniorder.service_layer.cart import OrderInput
from omniorder.service_layer.customer_orders import create_customer_order
from omniorder.service_layer.unit_of_work import UnitOfWork
from tests.builders import NOW, InProcessHQ, as_cashier, download, seed_hq
from tests.conftest import Database


@dataclass
class World:
    """An HQ and store S001 on real databases, with channel data downloaded."""

    hq_db: Database
    store_db: Database
    hq: InProcessHQ
    cards: TestCardConnector

    def store_uow(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.store_db.session_factory)

    def hq_uow(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.hq_db.session_factory)

    def take(self, request: OrderInput) -> Order:
        """A customer order taken at S001 by cashier 1001 at NOW, through the use case."""
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
def world(hq_db: Database, store_db: Database) -> World:
    seed_hq(hq_db.session_factory)
    download(hq_db.session_factory, store_db.session_factory)
    return World(hq_db, store_db, InProcessHQ(hq_db.session_factory), TestCardConnector())

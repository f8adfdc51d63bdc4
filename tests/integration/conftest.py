from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from omniorder.adapters.hq_client import HQClient
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.config import Settings
from omniorder.entrypoints.hq.app import create_hq_app
from omniorder.entrypoints.store.app import create_store_app
from omniorder.service_layer.auth import token_hash
from tests.builders import NOW, seed_hq
from tests.conftest import Database

STORE_TOKEN = "s001-test-token"


@dataclass
class Apps:
    hq: TestClient
    store: TestClient
    hq_db: Database
    store_db: Database

    def sign_in(self, operator_id: str = "1001", password: str = "cashier1") -> dict[str, str]:
        response = self.store.post(
            "/api/v1/auth/token", json={"operator_id": operator_id, "password": password}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def hq_admin(self) -> dict[str, str]:
        response = self.hq.post(
            "/api/v1/auth/token", json={"operator_id": "admin", "password": "hqadmin1"}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def apps(hq_db: Database, store_db: Database) -> Iterator[Apps]:
    """HQ and store S001 as ASGI apps in this process; the store reaches HQ through httpx."""
    seed_hq(hq_db.session_factory)
    with SqlAlchemyUnitOfWork(hq_db.session_factory) as uow:
        store = uow.records.store("S001")
        assert store is not None
        store.token_hash = token_hash(STORE_TOKEN)
        uow.commit()
    hq_app = create_hq_app(Settings(database_url=hq_db.url), clock=lambda: NOW)
    with TestClient(hq_app) as hq:
        hq_client = HQClient(
            "http://hq",
            store_code="S001",
            token=STORE_TOKEN,
            timeout_seconds=5,
            transport=hq._transport,
        )
        store_app = create_store_app(
            Settings(database_url=store_db.url), store_code="S001", hq=hq_client, clock=lambda: NOW
        )
        with TestClient(store_app) as store:
            yield Apps(hq, store, hq_db, store_db)
        hq_client.close()

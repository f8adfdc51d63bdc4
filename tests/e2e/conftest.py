from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, PostgresDatabases, require_backend
from tests.e2e.shop import CASHIERS, Shop
from tests.servers import Servers, running_servers, sign_in


@pytest.fixture
def servers(
    backend: str, pg_databases: PostgresDatabases | None, tmp_path: Path
) -> Iterator[Servers]:
    """A real HQ and store S001, as processes on loopback, on SQLite or PostgreSQL."""
    require_backend(backend, pg_databases)
    hq_url = store_url = None
    if backend == "postgresql":
        assert pg_databases is not None
        hq_url, store_url = pg_databases.create(), pg_databases.create()
    with running_servers(
        tmp_path,
        hq_database_url=hq_url,
        store_database_urls={"S001": store_url} if store_url else None,
    ) as running:
        yield running


@pytest.fixture(scope="module", params=BACKENDS)
def shop(
    request: pytest.FixtureRequest,
    pg_databases: PostgresDatabases | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Shop]:
    require_backend(request.param, pg_databases)
    tmp: Path = tmp_path_factory.mktemp(f"race-{request.param}")
    if request.param == "postgresql":
        assert pg_databases is not None
        hq_url = pg_databases.create()
        store_dbs = {code: pg_databases.create() for code in ("S001", "S002")}
    else:
        hq_url = f"sqlite:///{tmp / 'hq.db'}"
        store_dbs = {code: f"sqlite:///{tmp / f'store-{code}.db'}" for code in ("S001", "S002")}
    with running_servers(
        tmp,
        stores=("S001", "S002"),
        async_stores=("S002",),
        hq_database_url=hq_url,
        store_database_urls=store_dbs,
    ) as servers:
        tokens = {code: sign_in(servers.store_url(code), *CASHIERS[code]) for code in CASHIERS}
        yield Shop(servers, store_dbs, tokens, sign_in(servers.hq_url, "admin", "hqadmin1"))

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PostgresDatabases, require_backend
from tests.servers import Servers, running_servers


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

"""Test databases: every database test runs on SQLite, and on PostgreSQL when
OMNIORDER_TEST_PG_URL is set (CI sets it, and sets OMNIORDER_REQUIRE_PG=1 so that a
PostgreSQL test can never be skipped there).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.orm import Base

PG_URL = os.environ.get("OMNIORDER_TEST_PG_URL")
REQUIRE_PG = os.environ.get("OMNIORDER_REQUIRE_PG") == "1"
BACKENDS = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_PG and not PG_URL:
        raise pytest.UsageError("OMNIORDER_REQUIRE_PG=1 needs OMNIORDER_TEST_PG_URL")


@dataclass
class Database:
    backend: str
    url: str
    engine: Engine
    session_factory: sessionmaker[Session]


class PostgresDatabases:
    """Creates and drops throwaway PostgreSQL databases on the test server."""

    def __init__(self, admin_url: str) -> None:
        self.admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.base_url = admin_url.rsplit("/", 1)[0]
        self.created: list[str] = []

    def create(self) -> str:
        name = f"omniorder_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return f"{self.base_url}/{name}"

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PostgresDatabases | None]:
    if not PG_URL:
        yield None
        return
    databases = PostgresDatabases(PG_URL)
    yield databases
    databases.drop_all()


def require_backend(backend: str, pg: PostgresDatabases | None) -> None:
    if backend == "postgresql" and pg is None:
        if REQUIRE_PG:
            pytest.fail("PostgreSQL tests must run here: OMNIORDER_TEST_PG_URL is not set")
        pytest.skip("PostgreSQL tests need OMNIORDER_TEST_PG_URL")


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


class DatabasePool:
    """Per-test databases: fresh SQLite files, or emptied PostgreSQL databases kept per worker."""

    def __init__(
        self, backend: str, pg: PostgresDatabases | None, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        self.backend = backend
        self.pg = pg
        self.tmp = tmp_path_factory
        self.pg_engines: dict[str, Engine] = {}

    def get(self, name: str) -> Database:
        if self.backend == "sqlite":
            path = self.tmp.mktemp("db") / f"{name}.db"
            url = f"sqlite:///{path}"
            engine = make_engine(url)
            Base.metadata.create_all(engine)
            return Database("sqlite", url, engine, make_session_factory(engine))
        assert self.pg is not None
        if name not in self.pg_engines:
            url = self.pg.create()
            engine = make_engine(url)
            Base.metadata.create_all(engine)
            self.pg_engines[name] = engine
        engine = self.pg_engines[name]
        _truncate_all(engine)
        return Database(
            "postgresql",
            engine.url.render_as_string(hide_password=False),
            engine,
            make_session_factory(engine),
        )

    def dispose(self) -> None:
        for engine in self.pg_engines.values():
            engine.dispose()


@pytest.fixture(scope="session")
def _pools(
    pg_databases: PostgresDatabases | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, DatabasePool]]:
    pools = {b: DatabasePool(b, pg_databases, tmp_path_factory) for b in BACKENDS}
    yield pools
    for pool in pools.values():
        pool.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, pg_databases: PostgresDatabases | None) -> str:
    require_backend(request.param, pg_databases)
    return str(request.param)


@pytest.fixture
def hq_db(backend: str, _pools: dict[str, DatabasePool]) -> Iterator[Database]:
    db = _pools[backend].get("hq")
    yield db
    if backend == "sqlite":
        db.engine.dispose()


@pytest.fixture
def store_db(backend: str, _pools: dict[str, DatabasePool]) -> Iterator[Database]:
    db = _pools[backend].get("store")
    yield db
    if backend == "sqlite":
        db.engine.dispose()

"""Master data kept in the process (adapters/master_cache.py), on both databases: a change
committed by another process is read by the next transaction, a kept row changed is saved,
and a transaction that changed master data reads it from the database.

"Another process" is a second engine on the same database: each engine has its own cache,
as each server process has.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.orm import ProductRow
from omniorder.adapters.records_codec import record_to_dict
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from tests.builders import seed_hq
from tests.conftest import Database

SKU = "LAMP-FLOOR"


@pytest.fixture
def other(hq_db: Database) -> Iterator[sessionmaker[Session]]:
    """Another process's sessions on HQ's database."""
    seed_hq(hq_db.session_factory)
    engine = make_engine(hq_db.url)
    yield make_session_factory(engine)
    engine.dispose()


def _price(factory: sessionmaker[Session], sku: str = SKU) -> Decimal | None:
    with SqlAlchemyUnitOfWork(factory) as uow:
        product = uow.records.product(sku)
        return None if product is None else product.price_amount


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []

    def on_statement(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", on_statement)
    return seen


def test_a_kept_row_is_read_without_querying_its_table(
    hq_db: Database, other: sessionmaker[Session]
) -> None:
    first = _price(hq_db.session_factory)
    seen = _statements(hq_db.engine)

    assert _price(hq_db.session_factory) == first
    assert not [s for s in seen if "FROM products" in s], seen
    assert len(seen) == 1, seen  # the stamp, read once in the transaction


def test_a_change_committed_by_another_process_is_read_by_the_next_transaction(
    hq_db: Database, other: sessionmaker[Session]
) -> None:
    before = _price(hq_db.session_factory)
    assert before is not None
    with SqlAlchemyUnitOfWork(other) as uow:
        product = uow.records.product(SKU)
        assert product is not None
        product.price_amount = before + 1
        uow.commit()

    assert _price(hq_db.session_factory) == before + 1


def test_a_channel_data_style_replace_is_read_by_the_next_transaction(
    hq_db: Database, other: sessionmaker[Session]
) -> None:
    before = _price(hq_db.session_factory)
    assert before is not None
    with SqlAlchemyUnitOfWork(other) as uow:
        items = uow.records.export(ProductRow)
        for item in items:
            if item["sku"] == SKU:
                item["price_amount"] = str(before + 2)
        uow.records.replace_all(ProductRow, items)
        uow.commit()

    assert _price(hq_db.session_factory) == before + 2


def test_a_deleted_row_is_gone_for_the_next_transaction(
    hq_db: Database, other: sessionmaker[Session]
) -> None:
    assert _price(hq_db.session_factory, "PILLOW-2") is not None
    with SqlAlchemyUnitOfWork(other) as uow:
        product = uow.records.product("PILLOW-2")
        assert product is not None
        uow.records.delete(product)
        uow.commit()

    assert _price(hq_db.session_factory, "PILLOW-2") is None


def test_a_rolled_back_change_leaves_what_is_kept(
    hq_db: Database, other: sessionmaker[Session]
) -> None:
    before = _price(hq_db.session_factory)
    assert before is not None
    with SqlAlchemyUnitOfWork(other) as uow:
        product = uow.records.product(SKU)
        assert product is not None
        product.price_amount = before + 5
        uow.records.put(product)  # flushed, then rolled back: never committed

    assert _price(hq_db.session_factory) == before
    assert _price(other) == before


def test_a_kept_row_changed_in_a_transaction_is_saved(
    hq_db: Database, other: sessionmaker[Session]
) -> None:
    _price(hq_db.session_factory)  # kept
    with SqlAlchemyUnitOfWork(hq_db.session_factory) as uow:
        store = uow.records.store("S001")
        assert store is not None
        store.name = "Downtown, renamed"
        uow.commit()

    with SqlAlchemyUnitOfWork(other) as uow:
        renamed = uow.records.store("S001")
        assert renamed is not None
        assert renamed.name == "Downtown, renamed"
    with SqlAlchemyUnitOfWork(hq_db.session_factory) as uow:
        kept = uow.records.store("S001")
        assert kept is not None
        assert kept.name == "Downtown, renamed"


def test_a_transaction_that_changed_master_data_reads_the_database(
    hq_db: Database, other: sessionmaker[Session]
) -> None:
    assert _price(hq_db.session_factory) is not None  # kept
    with SqlAlchemyUnitOfWork(hq_db.session_factory) as uow:
        exported = [record_to_dict(p) for p in uow.records.list(ProductRow, ProductRow.sku)]
        uow.records.replace_all(ProductRow, [p for p in exported if p["sku"] != SKU])

        assert uow.records.product(SKU) is None

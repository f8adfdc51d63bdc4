"""The unit of work's promises (service_layer/unit_of_work.py), checked on the SQLAlchemy one
(SQLite and PostgreSQL) and on the in-memory fake the fast tier uses, so the fake cannot drift."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from omniorder.adapters.demo_data import demo_rows
from omniorder.adapters.orm import JournalEntryRow, ProductRow
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.domain.errors import IdInUse, StaleVersion
from omniorder.domain.order import Order
from omniorder.service_layer.unit_of_work import UnitOfWork
from tests.builders import FAST_HASHER, cash, order_input, seed_hq
from tests.conftest import BACKENDS, DatabasePool, PostgresDatabases, require_backend
from tests.fakes import FakeDatabase, FakeUnitOfWork
from tests.fast.conftest import FastWorld

NewUow = Callable[[], UnitOfWork]


@pytest.fixture(params=[*BACKENDS, "fake"])
def new_uow(
    request: pytest.FixtureRequest,
    pg_databases: PostgresDatabases | None,
    _pools: dict[str, DatabasePool],
) -> NewUow:
    if request.param == "fake":
        fake = FakeDatabase()
        fake.load(demo_rows(FAST_HASHER.hash))
        return lambda: FakeUnitOfWork(fake)
    require_backend(request.param, pg_databases)
    db = _pools[request.param].get("hq")
    seed_hq(db.session_factory)
    return lambda: SqlAlchemyUnitOfWork(db.session_factory)


@pytest.fixture(scope="module")
def an_order() -> Order:
    """A customer order as HQ accepted it (taken in the fast world)."""
    return FastWorld().take(order_input(payments=(cash("16.33"),)))


def price(new_uow: NewUow) -> int:
    with new_uow() as uow:
        row = uow.records.get(ProductRow, "LAMP-FLOOR")
        assert row is not None
        return row.price_amount


def test_what_is_not_committed_is_not_seen(new_uow: NewUow, an_order: Order) -> None:
    with new_uow() as uow:
        uow.orders.add(an_order)
        row = uow.records.get(ProductRow, "LAMP-FLOOR")
        assert row is not None
        row.price_amount += 100

    with new_uow() as uow:
        assert uow.orders.get(an_order.id) is None
    assert price(new_uow) == 14999


def test_a_change_to_a_record_read_is_saved_by_the_commit(new_uow: NewUow) -> None:
    with new_uow() as uow:
        row = uow.records.get(ProductRow, "LAMP-FLOOR")
        assert row is not None
        row.price_amount = 12999
        uow.commit()

    assert price(new_uow) == 12999


def reserve_then_fail(uow: UnitOfWork) -> None:
    with uow.savepoint():
        uow.records.adjust_stock("S001", "LAMP-FLOOR", reserved=5)
        raise RuntimeError("this entry fails")


def test_a_savepoint_undoes_only_what_ran_inside_it(new_uow: NewUow, an_order: Order) -> None:
    with new_uow() as uow:
        uow.orders.add(an_order)
        with pytest.raises(RuntimeError, match="this entry fails"):
            reserve_then_fail(uow)
        uow.commit()

    with new_uow() as uow:
        assert uow.orders.get(an_order.id) == an_order
        stock = uow.records.inventory("LAMP-FLOOR")
    assert [(r.location, r.reserved_qty) for r in stock if r.location == "S001"] == [("S001", 0)]


def test_saving_over_a_newer_version_is_stale(new_uow: NewUow, an_order: Order) -> None:
    with new_uow() as uow:
        uow.orders.add(an_order)
        uow.commit()
    newer = dataclasses.replace(an_order, version=an_order.version + 1)
    with new_uow() as uow:
        uow.orders.save(newer, expected_version=an_order.version)
        uow.commit()

    with new_uow() as uow, pytest.raises(StaleVersion):
        uow.orders.save(
            dataclasses.replace(newer, version=newer.version + 1),
            expected_version=an_order.version,
        )
    with new_uow() as uow:
        assert uow.orders.get(an_order.id) == newer


def test_an_order_id_taken_twice_is_id_in_use(new_uow: NewUow, an_order: Order) -> None:
    with new_uow() as uow:
        uow.orders.add(an_order)
        uow.commit()

    with new_uow() as uow, pytest.raises(IdInUse):
        uow.orders.add(dataclasses.replace(an_order, channel_ref="S001-OTHER"))


def test_counters_never_repeat_within_or_across_units_of_work(new_uow: NewUow) -> None:
    with new_uow() as uow:
        first = [uow.counters.next("invoice") for _ in range(3)]
        uow.commit()
    with new_uow() as uow:
        uow.counters.next("invoice")  # rolled back: the number may come again
    with new_uow() as uow:
        after = uow.counters.next("invoice")

    assert first == [1, 2, 3]
    assert after == 4


def test_an_unknown_key_is_none(new_uow: NewUow) -> None:
    with new_uow() as uow:
        assert uow.records.get(ProductRow, "NO-SUCH-SKU") is None
        assert uow.orders.get(uuid.uuid4()) is None
        assert uow.orders.get_by_ref("SO-999999") is None


def test_the_journal_answers_the_statuses_of_several_orders_in_one_call(
    new_uow: NewUow,
) -> None:
    first, second, without = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    entries = [(1, first, "synchronized"), (2, second, "pending"), (3, first, "failed")]
    with new_uow() as uow:
        for seq, order_id, status in entries:
            uow.journal.append(
                JournalEntryRow(
                    seq=seq,
                    id=uuid.uuid4(),
                    order_id=order_id,
                    kind="operation",
                    document={},
                    created_at=datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
                    sync_status=status,
                )
            )
        uow.commit()

    with new_uow() as uow:
        found = uow.journal.statuses_of([first, second, without])

    assert found == {first: ["synchronized", "failed"], second: ["pending"]}

"""Job workers (docs/sync.md, *Job workers*) on real databases: the locks that elect one
puller per store, the job cycle and its `job_runs` records, and acknowledgements sent
until the backlog is empty."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from omniorder.adapters.job_locks import LOCK_CLASS, DatabaseJobLocks
from omniorder.adapters.orm import StoreTransactionRow
from omniorder.adapters.payments import TestCardConnector
from omniorder.service_layer import job_worker, synchronization
from tests.builders import NOW, InProcessHQ, cash, download, seed_hq
from tests.conftest import Database
from tests.service.test_async import AsyncWorld, InProcessStores, set_profile


class CountingStores(InProcessStores):
    """The in-process stores, counting acknowledgement requests; `broken` makes the journal
    fail with an unexpected error."""

    def __init__(self, stores: dict[str, Database]) -> None:
        super().__init__(stores)
        self.acknowledgement_sizes: list[int] = []
        self.broken = False

    def journal(
        self, store_url: str, *, store_code: str, after: int, limit: int
    ) -> list[dict[str, Any]]:
        if self.broken:
            raise RuntimeError("journal exploded (test)")
        return super().journal(store_url, store_code=store_code, after=after, limit=limit)

    def acknowledge(
        self, store_url: str, acknowledgements: list[dict[str, Any]], *, store_code: str
    ) -> None:
        self.acknowledgement_sizes.append(len(acknowledgements))
        super().acknowledge(store_url, acknowledgements, store_code=store_code)


class Locks:
    """Job locks as another worker leaves them: `held` stores and, maybe, the cycle."""

    def __init__(self, *, held: frozenset[str] = frozenset(), cycle_held: bool = False) -> None:
        self.held = set(held)
        self.cycle_held = cycle_held

    @contextmanager
    def store(self, store_code: str) -> Iterator[bool]:
        yield store_code not in self.held

    @contextmanager
    def cycle(self) -> Iterator[bool]:
        yield not self.cycle_held


@pytest.fixture
def world(hq_db: Database, store_db: Database) -> AsyncWorld:
    seed_hq(hq_db.session_factory)
    set_profile(hq_db, code="ASYNC", is_async=True)
    download(hq_db.session_factory, store_db.session_factory)
    return AsyncWorld(
        hq_db,
        store_db,
        InProcessHQ(hq_db.session_factory),
        CountingStores({"S001": store_db}),
        TestCardConnector(),
    )


def take_orders(world: AsyncWorld, count: int) -> list[uuid.UUID]:
    world.hq.down = True  # async: the orders wait in the store's journal
    return [world.create(payments=(cash("16.33"),)).id for _ in range(count)]


def staged(world: AsyncWorld) -> list[StoreTransactionRow]:
    with world.hq_uow() as uow:
        return list(uow.staging.search(status=None, store_code=None, limit=1000))


def job_runs(world: AsyncWorld) -> dict[str, Any]:
    with world.hq_uow() as uow:
        return {row.name: row for row in uow.staging.job_runs()}


def test_acknowledge_sends_the_whole_backlog_page_after_page(world: AsyncWorld) -> None:
    orders = take_orders(world, 5)
    synchronization.pull(world.hq_uow, world.stores, now=NOW)
    synchronization.synchronize(world.hq_uow, now=NOW)

    result = synchronization.acknowledge(world.hq_uow, world.stores, page_size=2)

    assert result.acknowledged == 5
    assert world.stores.acknowledgement_sizes == [2, 2, 1]  # type: ignore[attr-defined]
    assert [world.status(order_id) for order_id in orders] == ["synchronized"] * 5
    assert all(row.is_acknowledged for row in staged(world))


def test_a_store_another_worker_holds_is_left_to_it(world: AsyncWorld) -> None:
    take_orders(world, 2)
    other_worker = Locks(held=frozenset({"S001"}))

    pulled = synchronization.pull(world.hq_uow, world.stores, now=NOW, locks=other_worker)

    assert pulled.pulled == 0
    assert staged(world) == []
    with world.hq_uow() as uow:
        assert uow.staging.watermark("S001") == 0
    pulled = synchronization.pull(world.hq_uow, world.stores, now=NOW, locks=Locks())
    assert pulled.pulled == 2


def test_acknowledging_a_store_another_worker_holds_sends_nothing(world: AsyncWorld) -> None:
    orders = take_orders(world, 1)
    synchronization.pull(world.hq_uow, world.stores, now=NOW)
    synchronization.synchronize(world.hq_uow, now=NOW)

    result = synchronization.acknowledge(
        world.hq_uow, world.stores, locks=Locks(held=frozenset({"S001"}))
    )

    assert result.acknowledged == 0
    assert world.stores.acknowledgement_sizes == []  # type: ignore[attr-defined]
    assert world.status(orders[0]) == "pending"
    assert [row.is_acknowledged for row in staged(world)] == [False]


def test_a_cycle_runs_every_job_and_records_each_run(world: AsyncWorld) -> None:
    orders = take_orders(world, 3)

    result = job_worker.run_cycle(world.hq_uow, world.stores, Locks(), clock=lambda: NOW)

    assert result is not None
    assert (result.pulled, result.synchronized, result.acknowledged) == (3, 3, 3)
    assert [world.status(order_id) for order_id in orders] == ["synchronized"] * 3
    runs = job_runs(world)
    assert sorted(runs) == ["acknowledge", "pull", "synchronize"]  # no mailer: no mail job
    for run in runs.values():
        assert (run.runs, run.failures, run.last_error) == (1, 0, None)
        assert run.last_started_at == run.last_finished_at == run.last_success_at == NOW
        assert run.last_duration_ms is not None
        assert run.last_duration_ms >= 0


def test_a_failed_job_run_is_counted_with_its_error_and_a_later_success_clears_it(
    world: AsyncWorld,
) -> None:
    take_orders(world, 1)
    world.stores.broken = True  # type: ignore[attr-defined]

    with pytest.raises(RuntimeError, match="journal exploded"):
        job_worker.run_cycle(world.hq_uow, world.stores, Locks(), clock=lambda: NOW)

    pull = job_runs(world)["pull"]
    assert (pull.runs, pull.failures, pull.last_success_at) == (1, 1, None)
    assert pull.last_error == "RuntimeError: journal exploded (test)"
    assert "synchronize" not in job_runs(world)  # the cycle stopped at the failed job
    assert staged(world) == []

    world.stores.broken = False  # type: ignore[attr-defined]
    later = NOW + timedelta(minutes=1)
    job_worker.run_cycle(world.hq_uow, world.stores, Locks(), clock=lambda: later)

    pull = job_runs(world)["pull"]
    assert (pull.runs, pull.failures, pull.last_error) == (2, 1, None)
    assert pull.last_success_at == later


def test_a_cycle_another_worker_holds_does_nothing(world: AsyncWorld) -> None:
    take_orders(world, 1)

    result = job_worker.run_cycle(
        world.hq_uow, world.stores, Locks(cycle_held=True), clock=lambda: NOW
    )

    assert result is None
    assert staged(world) == []
    assert job_runs(world) == {}


# -- the real locks -------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_on_postgresql_one_worker_at_a_time_holds_a_store(hq_db: Database) -> None:
    first, second = DatabaseJobLocks(hq_db.engine), DatabaseJobLocks(hq_db.engine)

    with first.store("S001") as ours:
        assert ours is True
        with second.store("S001") as theirs:
            assert theirs is False
        with second.store("S002") as theirs:
            assert theirs is True
        with second.cycle() as theirs:
            assert theirs is True  # on PostgreSQL workers share the cycle
    with second.store("S001") as theirs:
        assert theirs is True


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_on_postgresql_a_killed_workers_store_lock_dies_with_its_connection(
    hq_db: Database,
) -> None:
    locks = DatabaseJobLocks(hq_db.engine)
    killed = hq_db.engine.connect()
    got = killed.execute(
        text("SELECT pg_try_advisory_xact_lock(:c, hashtext('S001'))"), {"c": LOCK_CLASS}
    ).scalar_one()
    pid = killed.execute(text("SELECT pg_backend_pid()")).scalar_one()
    assert got is True
    with locks.store("S001") as ours:
        assert ours is False

    with hq_db.engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
    killed.invalidate()
    killed.close()

    with locks.store("S001") as ours:
        assert ours is True


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_on_sqlite_one_worker_at_a_time_runs_the_cycle(hq_db: Database) -> None:
    first, second = DatabaseJobLocks(hq_db.engine), DatabaseJobLocks(hq_db.engine)

    with first.cycle() as ours:
        assert ours is True
        with second.cycle() as theirs:
            assert theirs is False
        with second.store("S001") as store:
            assert store is True  # within a cycle, SQLite needs no store lock
    with second.cycle() as theirs:
        assert theirs is True

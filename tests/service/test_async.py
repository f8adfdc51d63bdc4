"""Async mode (docs/rules.md §10) on real databases: the store journal, the P-job, Synchronize
orders and acknowledgements, with HQ reaching the store's journal in process."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from omniorder.adapters.orm import CustomerRow
from omniorder.adapters.payments import TestCardConnector
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.domain.errors import Unavailable
from omniorder.domain.money import Money
from omniorder.domain.statuses import OrderType
from omniorder.service_layer import journal, synchronization
from omniorder.service_layer import order_operations as ops
from omniorder.service_layer.customer_orders import create_customer_order
from omniorder.service_layer.order_operations import Context, EditInput, LineUpdate
from omniorder.service_layer.sales_orders import get_sales_order
from omniorder.service_layer.unit_of_work import UnitOfWork
from tests.builders import NOW, InProcessHQ, as_cashier, cash, download, order_input, seed_hq
from tests.conftest import Database


class InProcessStores:
    """HQ's view of store servers, reaching each store's journal service directly."""

    def __init__(self, stores: dict[str, Database]) -> None:
        self.stores = stores
        self.down: set[str] = set()

    def _db(self, url: str) -> Database:
        code = url.removeprefix("inproc://")
        if code in self.down:
            raise Unavailable(f"store {code} is down (test)")
        return self.stores[code]

    def journal(
        self, store_url: str, *, store_code: str, after: int, limit: int
    ) -> list[dict[str, Any]]:
        db = self._db(store_url)
        return journal.entries_after(
            SqlAlchemyUnitOfWork(db.session_factory), after=after, limit=limit
        )

    def acknowledge(
        self, store_url: str, acknowledgements: list[dict[str, Any]], *, store_code: str
    ) -> None:
        journal.acknowledge(
            SqlAlchemyUnitOfWork(self._db(store_url).session_factory), acknowledgements
        )


@dataclass
class AsyncWorld:
    hq_db: Database
    store_db: Database
    hq: InProcessHQ
    stores: InProcessStores
    cards: TestCardConnector

    def store_uow(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.store_db.session_factory)

    def hq_uow(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.hq_db.session_factory)

    def create(self, **kw: Any):  # type: ignore[no-untyped-def]
        return create_customer_order(
            self.store_uow(),
            hq=self.hq,
            payments=self.cards,
            request=order_input(**kw),
            auth=as_cashier(),
            store_code="S001",
            now=NOW,
        )

    def run_jobs(self) -> synchronization.JobResult:
        return synchronization.run_all(self.hq_uow, self.stores, now=NOW)

    def status(self, order_id: uuid.UUID) -> str | None:
        return journal.sync_status(self.store_uow(), order_id)


def set_profile(db: Database, *, code: str, is_async: bool, backup: bool = False) -> None:
    with SqlAlchemyUnitOfWork(db.session_factory) as uow:
        store = uow.records.store("S001")
        profile = uow.records.profile(code)
        assert store is not None
        assert profile is not None
        profile.is_async, profile.is_async_backup = is_async, backup
        store.profile_code = code
        store.server_url = "inproc://S001"
        uow.commit()


@pytest.fixture
def world(hq_db: Database, store_db: Database) -> Iterator[AsyncWorld]:
    seed_hq(hq_db.session_factory)
    set_profile(hq_db, code="ASYNC", is_async=True)
    download(hq_db.session_factory, store_db.session_factory)
    return AsyncWorld(
        hq_db,
        store_db,
        InProcessHQ(hq_db.session_factory),
        InProcessStores({"S001": store_db}),
        TestCardConnector(),
    )


def test_an_async_order_is_taken_while_hq_is_down_and_synchronized_later(
    world: AsyncWorld,
) -> None:
    world.hq.down = True

    order = world.create(payments=(cash("16.33"),))

    assert order.channel_ref == "S001-000001"
    assert order.sales_order_number is None
    assert world.status(order.id) == "pending"
    assert world.hq.calls == 0
    result = world.run_jobs()
    assert (result.pulled, result.synchronized, result.failed) == (1, 1, 0)
    at_hq = get_sales_order(world.hq_uow(), ref="S001-000001")
    assert at_hq.sales_order_number == "SO-000001"
    assert at_hq.order_value == order.order_value == Money.parse("163.30")
    with world.store_uow() as uow:
        local = uow.orders.get(order.id)
    assert local == at_hq
    assert world.status(order.id) == "synchronized"
    assert synchronization.sync_statuses(world.hq_uow(), [order.id]) == {order.id: "synchronized"}


def test_pulling_again_stages_nothing_twice(world: AsyncWorld) -> None:
    world.create(payments=(cash("16.33"),))
    first = synchronization.pull(world.hq_uow, world.stores, now=NOW)

    again = synchronization.pull(world.hq_uow, world.stores, now=NOW)
    with world.hq_uow() as uow:
        counts = uow.staging.counts()
        watermark = uow.staging.watermark("S001")

    assert (first.pulled, again.pulled) == (1, 0)
    assert counts == {"pending": 1}
    assert watermark == 1


def test_operations_on_an_unsynchronized_order_follow_it_to_hq_in_order(
    world: AsyncWorld,
) -> None:
    order = world.create(payments=(cash("16.33"),))
    context = Context(
        world.store_uow(), world.hq, world.cards, as_cashier(), "S001", NOW, uuid.uuid4()
    )
    cancelled = ops.cancel_order(context, ref=order.channel_ref, charge=None)
    assert cancelled.status.value == "cancelled"

    result = world.run_jobs()

    assert (result.pulled, result.synchronized) == (2, 2)
    at_hq = get_sales_order(world.hq_uow(), ref=order.channel_ref)
    assert at_hq.status.value == "cancelled"
    assert at_hq.amount_paid == Money.parse("8.17")
    assert world.status(order.id) == "synchronized"


def test_an_offline_edit_of_a_quotes_expiry_and_collector_reaches_hq_as_made(
    world: AsyncWorld,
) -> None:
    quote = world.create(order_type=OrderType.QUOTE)
    context = Context(
        world.store_uow(), world.hq, world.cards, as_cashier(), "S001", NOW, uuid.uuid4()
    )
    expires = NOW.date() + timedelta(days=90)
    edited = ops.edit_order(
        context,
        ref=quote.channel_ref,
        request=EditInput(
            expected_version=quote.version,
            change=(LineUpdate(quote.lines[0].id, pickup_by="Grace Hopper"),),
            expires_on=expires,
            is_expiry_changed=True,
        ),
    )
    assert world.hq.calls == 0  # journaled at the store: HQ does not hold the quote yet

    result = world.run_jobs()

    assert (result.pulled, result.synchronized, result.failed) == (2, 2, 0)
    at_hq = get_sales_order(world.hq_uow(), ref=quote.channel_ref)
    assert (at_hq.expires_on, at_hq.lines[0].pickup_by) == (expires, "Grace Hopper")
    assert at_hq.events[-1].flags == edited.events[-1].flags == ("expiry_changed",)


def test_a_failing_entry_holds_back_only_its_own_order_until_retried(
    world: AsyncWorld,
) -> None:
    # A customer the store knows but HQ does not (yet): its order cannot be created at HQ.
    with world.store_uow() as uow:
        uow.records.put(CustomerRow(account="C0999", name="New Person"))
        uow.commit()
    stuck = world.create(customer="C0999", payments=(cash("16.33"),))
    context = Context(
        world.store_uow(), world.hq, world.cards, as_cashier(), "S001", NOW, uuid.uuid4()
    )
    ops.create_pick_list(context, ref=stuck.channel_ref)
    fine = world.create(payments=(cash("16.33"),))

    result = world.run_jobs()

    assert (result.synchronized, result.failed) == (1, 1)
    assert world.status(stuck.id) == "failed"
    assert world.status(fine.id) == "synchronized"
    with world.hq_uow() as uow:
        failed = uow.staging.search(status="failed", store_code=None, limit=10)
        waiting = uow.staging.search(status="pending", store_code=None, limit=10)
    assert [(r.kind, r.retry_count) for r in failed] == [("create", 0)]
    assert "C0999" in (failed[0].error or "")
    assert [r.kind for r in waiting] == ["operation"]

    # Fix the data at HQ, retry: the order and the pick list behind it go through.
    with world.hq_uow() as uow:
        uow.records.put(CustomerRow(account="C0999", name="New Person"))
        uow.commit()
    assert synchronization.retry(world.hq_uow(), transaction_id=None) == 1
    with world.hq_uow() as uow:
        assert [
            r.retry_count for r in uow.staging.search(status="pending", store_code=None, limit=9)
        ] == [1, 0]
    again = world.run_jobs()

    assert (again.synchronized, again.failed) == (2, 0)
    at_hq = get_sales_order(world.hq_uow(), ref=stuck.channel_ref)
    assert at_hq.documents[0].kind == "pick_list"
    assert world.status(stuck.id) == "synchronized"


def test_async_backup_records_the_order_when_hq_does_not_answer(world: AsyncWorld) -> None:
    set_profile(world.hq_db, code="SYNC", is_async=False, backup=True)
    download(world.hq_db.session_factory, world.store_db.session_factory)
    world.hq.down = True

    order = world.create(payments=(cash("16.33"),))

    assert order.sales_order_number is None
    assert world.status(order.id) == "pending"
    world.hq.down = False
    assert world.run_jobs().synchronized == 1
    assert world.status(order.id) == "synchronized"


def test_an_unreachable_store_is_reported_and_nothing_is_lost(world: AsyncWorld) -> None:
    order = world.create(payments=(cash("16.33"),))
    world.stores.down.add("S001")

    result = world.run_jobs()

    assert [entry.split(" ")[0] for entry in result.unreachable] == ["S001"]
    assert result.pulled == 0
    world.stores.down.clear()
    assert world.run_jobs().synchronized == 1
    assert get_sales_order(world.hq_uow(), ref=order.channel_ref).id == order.id

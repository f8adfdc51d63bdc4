"""Job credentials and acknowledgements (docs/sync.md, *Job credentials*; docs/security.md):
each store has its own job token, HQ presents the calling store's own, and a store checks
every acknowledgement against its journal — a forged one changes nothing. Sync error text
never carries a card token or a card number."""

from __future__ import annotations

import copy
import logging
import re
import traceback
import uuid
from typing import Any

import httpx
import pytest

from omniorder.adapters.orm import StoreTransactionRow
from omniorder.adapters.payments import TestCardConnector
from omniorder.adapters.store_gateway import HttpStoreGateway, job_token_for
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.service_layer import journal, synchronization
from omniorder.service_layer.documents import order_to_document
from tests.builders import NOW, InProcessHQ, card, download, seed_hq
from tests.conftest import Database
from tests.service.snapshots import snapshot
from tests.service.test_async import AsyncWorld, InProcessStores, set_profile


@pytest.fixture
def world(hq_db: Database, store_db: Database) -> AsyncWorld:
    seed_hq(hq_db.session_factory)
    set_profile(hq_db, code="ASYNC", is_async=True)
    download(hq_db.session_factory, store_db.session_factory)
    return AsyncWorld(
        hq_db,
        store_db,
        InProcessHQ(hq_db.session_factory),
        InProcessStores({"S001": store_db}),
        TestCardConnector(token_secret="test-card-secret"),
    )


def test_each_store_has_its_own_job_token_and_hq_presents_the_callers() -> None:
    seen: list[tuple[str, str]] = []

    def store(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.host, request.headers["Authorization"]))
        if request.method == "GET":
            return httpx.Response(200, json={"entries": []})
        return httpx.Response(200, json={"acknowledged": 0})

    gateway = HttpStoreGateway(job_secret="hq-secret", transport=httpx.MockTransport(store))
    gateway.journal("http://s001", store_code="S001", after=0, limit=10)
    gateway.acknowledge("http://s002", [], store_code="S002")
    gateway.close()

    s001, s002 = job_token_for("hq-secret", "S001"), job_token_for("hq-secret", "S002")
    assert seen == [("s001", f"Bearer {s001}"), ("s002", f"Bearer {s002}")]
    assert s001 != s002
    assert job_token_for("another-secret", "S001") != s001
    assert "hq-secret" not in s001


def test_a_forged_acknowledgement_changes_nothing(world: AsyncWorld) -> None:
    world.hq.down = True
    mine = world.create(payments=(card("16.33"),))
    other = world.create(payments=(card("16.33"),))
    with world.store_uow() as uow:
        entry_of_mine = uow.journal.for_order(mine.id)[0].id
    # A copy of "other" as a forger would send it: its money gone, a made-up number.
    forged = copy.deepcopy(order_to_document(other))
    forged["sales_order_number"] = "SO-999999"
    forged["payments"] = []
    forged["version"] = 99
    acks: list[dict[str, Any]] = [
        # an entry id the store does not have
        {
            "entry_id": str(uuid.uuid4()),
            "status": "synchronized",
            "sales_order_number": "SO-999999",
            "error": None,
            "order": forged,
        },
        # a real entry, carrying another order's document
        {
            "entry_id": str(entry_of_mine),
            "status": "synchronized",
            "sales_order_number": "SO-999999",
            "error": None,
            "order": forged,
        },
        # a real entry, with a status the store does not know
        {"entry_id": str(entry_of_mine), "status": "done", "error": None},
    ]
    before = snapshot(world.store_db.session_factory)

    assert journal.acknowledge(world.store_uow(), acks) == 0

    assert snapshot(world.store_db.session_factory) == before
    assert world.status(mine.id) == world.status(other.id) == "pending"


def _failed_error(world: AsyncWorld) -> str:
    """Synchronize what was pulled; the one entry fails: its error text, as HQ keeps it,
    shows it in the back office and the API, and sends it to the store."""
    result = synchronization.synchronize(world.hq_uow, now=NOW)
    assert result.failed == 1
    with SqlAlchemyUnitOfWork(world.hq_db.session_factory) as uow:
        rows = list(uow.records.list(StoreTransactionRow, StoreTransactionRow.id))
    assert [r.status for r in rows] == ["failed"]
    error = rows[0].error or ""
    assert error
    synchronization.acknowledge(world.hq_uow, world.stores)
    with world.store_uow() as uow:
        entries = list(uow.journal.after(0, 10))
    assert [(e.sync_status, e.error) for e in entries] == [("failed", error)]
    return error


def test_an_unexpected_sync_error_keeps_no_card_data_nor_logs_it(
    world: AsyncWorld, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    world.hq.down = True
    order = world.create(payments=(card("16.33"),))
    token = order.payments[0].card_token
    assert token is not None
    synchronization.pull(world.hq_uow, world.stores, now=NOW)

    def fails(*_args: Any, **_kw: Any) -> None:
        raise RuntimeError(f"constraint failed: card_token={token}, pan=4242424242424242")

    monkeypatch.setattr(synchronization.sales_orders, "create_in", fails)
    with caplog.at_level(logging.DEBUG):
        error = _failed_error(world)

    assert "RuntimeError" in error
    assert token not in error
    assert "4242424242424242" not in error
    # HQ's log has the error's type, its safe text and where it happened — no card data,
    # neither in the message nor in the traceback
    logged = "\n".join(
        [record.getMessage() for record in caplog.records]
        + [caplog.text]
        + [
            "".join(traceback.format_exception(*record.exc_info))
            for record in caplog.records
            if record.exc_info
        ]
    )
    assert "failed unexpectedly" in logged
    assert "RuntimeError: constraint failed: card_token=[card data removed]" in logged
    assert "in fails" in logged  # the frame that raised
    assert token not in logged
    assert "tok_" not in logged
    assert re.search(r"(?<![0-9])[0-9](?:[ -]?[0-9]){11,18}(?![0-9])", logged) is None


def test_a_sync_error_naming_a_card_number_keeps_no_card_data(world: AsyncWorld) -> None:
    world.hq.down = True
    world.create(payments=(card("16.33"),))
    synchronization.pull(world.hq_uow, world.stores, now=NOW)
    # An entry whose customer account is a card number typed in the wrong field: HQ's
    # refusal names the customer.
    with world.hq_uow() as uow:
        row = next(iter(uow.staging.claim_pending(10)))
        document = copy.deepcopy(row.document)
        document["new_order"]["customer_account"] = "4242424242424242"
        row.document = document
        uow.commit()

    error = _failed_error(world)

    assert "does not exist" in error
    assert "4242424242424242" not in error


def test_a_logged_traceback_keeps_the_frames_and_drops_card_data_of_every_cause() -> None:
    def charge(pan: str) -> None:
        raise ValueError(f"declined {pan}")

    try:
        try:
            charge("4000000000000002")
        except ValueError as cause:
            raise RuntimeError("card tok_0123abcd failed") from cause
    except RuntimeError as error:
        logged = synchronization.safe_traceback(error)

    assert "in charge" in logged
    assert "ValueError: declined [card data removed]" in logged
    assert "RuntimeError: card [card data removed] failed" in logged
    assert "4000000000000002" not in logged
    assert "tok_0123abcd" not in logged


def test_safe_error_text_removes_tokens_and_card_numbers() -> None:
    text = "card tok_0123abcd refused; number 4242 4242 4242 4242 or 4000000000000002; 16.33 USD"
    safe = synchronization.safe_error_text(text)
    assert "tok_0123abcd" not in safe
    assert "4242 4242 4242 4242" not in safe
    assert "4000000000000002" not in safe
    assert "16.33 USD" in safe

"""Master data at HQ (service_layer/master_data.py): the checks every caller gets — the API,
the back-office pages and the command line — each refusal naming its field and changing
nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from omniorder.adapters.orm import InventoryRow, StoreRow
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.domain.errors import Conflict, IdInUse, InvalidInput, NotFound
from omniorder.service_layer import master_data
from omniorder.service_layer.auth import token_hash
from omniorder.service_layer.unit_of_work import UnitOfWork
from tests.builders import seed_hq
from tests.conftest import Database
from tests.service.snapshots import snapshot

STORE = {
    "name": "Harbour",
    "time_zone": "America/New_York",
    "region": "NY",
    "is_pickup_location": True,
    "warehouse": "S009",
    "shipping_warehouse": "WH1",
    "profile_code": "SYNC",
    "server_url": None,
}


@pytest.fixture
def hq(hq_db: Database) -> Database:
    seed_hq(hq_db.session_factory)
    return hq_db


def uow_of(db: Database) -> UnitOfWork:
    return SqlAlchemyUnitOfWork(db.session_factory)


def refused(db: Database, error: type[Exception], run: Any) -> Any:
    """What `run` raised, after checking that it raised `error` and changed nothing."""
    before = snapshot(db.session_factory)
    with pytest.raises(error) as raised:
        run()
    assert snapshot(db.session_factory) == before
    return raised.value


@pytest.mark.parametrize(
    ("name", "key", "values", "field"),
    [
        ("stores", {"code": "S009"}, {**STORE, "profile_code": "NOPE"}, "profile_code"),
        (
            "products",
            {"sku": "KETTLE"},
            {"name": "Kettle", "price_amount": 3900, "tax_group": "NOPE"},
            "tax_group",
        ),
        (
            "charge-codes",
            {"code": "WRAP"},
            {"description": "Wrap", "tax_group": "NOPE"},
            "tax_group",
        ),
        (
            "staff",
            {"operator_id": "3001"},
            {"name": "Nell", "role": "cashier", "store_code": "S999", "password": "x" * 12},
            "store_code",
        ),
        ("staff", {"operator_id": "3001"}, {"name": "Nell", "role": "cashier"}, "password"),
        ("inventory", {"location": "WH1", "sku": "NOPE"}, {"on_hand_qty": 1}, "sku"),
        ("stores", {"code": "S 009"}, STORE, "code"),
        ("tax-rates", {"tax_group": "GENERAL", "jurisdiction": ""}, {"rate": 0}, "jurisdiction"),
        ("stores", {"code": "S009"}, {**STORE, "token_hash": "x"}, "token_hash"),
        # A store's time zone is an IANA name (it decides the store's today).
        ("stores", {"code": "S009"}, {**STORE, "time_zone": "Mars/Olympus"}, "time_zone"),
        ("stores", {"code": "S009"}, {**STORE, "time_zone": "America"}, "time_zone"),
        ("stores", {"code": "S009"}, {**STORE, "time_zone": "../../etc/passwd"}, "time_zone"),
        ("stores", {"code": "S009"}, {**STORE, "time_zone": " UTC"}, "time_zone"),
    ],
)
def test_a_record_naming_what_does_not_exist_is_refused_on_its_field(
    hq: Database, name: str, key: dict[str, str], values: dict[str, Any], field: str
) -> None:
    error = refused(hq, InvalidInput, lambda: master_data.put_record(uow_of(hq), name, key, values))

    assert error.field == field


def test_a_record_naming_what_exists_is_saved_and_read_back(hq: Database) -> None:
    master_data.put_record(uow_of(hq), "stores", {"code": "S009"}, STORE)
    master_data.put_record(
        uow_of(hq),
        "staff",
        {"operator_id": "9001"},
        {"name": "Hal", "role": "cashier", "store_code": "S009", "password": "x" * 12},
    )

    store = master_data.get_record(uow_of(hq), "stores", {"code": "S009"})
    codes = [s.code for s in master_data.list_records(uow_of(hq), "stores")]
    assert (store.name, store.profile_code) == ("Harbour", "SYNC")
    assert codes == ["S001", "S002", "S009"]
    assert master_data.get_record(uow_of(hq), "staff", {"operator_id": "9001"}).store_code == "S009"


def test_saving_a_store_keeps_its_token(hq: Database) -> None:
    token = master_data.issue_store_token(uow_of(hq), "S001")
    stored = master_data.get_record(uow_of(hq), "stores", {"code": "S001"})

    master_data.put_record(uow_of(hq), "stores", {"code": "S001"}, {**STORE, "name": "Uptown"})

    again = master_data.get_record(uow_of(hq), "stores", {"code": "S001"})
    assert stored.token_hash == token_hash(token)
    assert (again.name, again.token_hash) == ("Uptown", token_hash(token))


def test_a_token_for_an_unknown_store_is_not_found(hq: Database) -> None:
    refused(hq, NotFound, lambda: master_data.issue_store_token(uow_of(hq), "S999"))


def test_a_form_for_a_new_record_does_not_overwrite_one_that_exists(hq: Database) -> None:
    error = refused(
        hq,
        IdInUse,
        lambda: master_data.put_record(uow_of(hq), "stores", {"code": "S001"}, STORE, is_new=True),
    )

    assert error.field == "code"
    assert "already exists" in error.message


def test_a_form_editing_a_record_that_is_gone_is_not_found(hq: Database) -> None:
    refused(
        hq,
        NotFound,
        lambda: master_data.put_record(uow_of(hq), "stores", {"code": "S009"}, STORE, is_new=False),
    )


def test_parameters_naming_a_missing_delivery_mode_are_refused(hq: Database) -> None:
    current = master_data.get_parameters(uow_of(hq))
    values = {
        c: getattr(current, c)
        for c in (
            "currency",
            "default_deposit_percent",
            "cancellation_charge_percent",
            "cancellation_charge_code",
            "shipping_charge_code",
            "is_shipping_refund_allowed",
            "max_shipping_refund_without_approval_amount",
            "pickup_delivery_mode",
            "carry_out_delivery_mode",
            "quote_expiration_days",
            "default_tax_rate",
        )
    }

    error = refused(
        hq,
        InvalidInput,
        lambda: master_data.update_parameters(
            uow_of(hq), {**values, "pickup_delivery_mode": "NOPE"}
        ),
    )
    master_data.update_parameters(uow_of(hq), {**values, "quote_expiration_days": 7})

    assert (error.field, error.message) == (
        "pickup_delivery_mode",
        "Delivery mode NOPE does not exist.",
    )
    assert master_data.get_parameters(uow_of(hq)).quote_expiration_days == 7


def test_only_records_nothing_names_are_deleted(hq: Database) -> None:
    profile = {"name": "Spare", "is_async": False, "is_async_backup": False}
    master_data.put_record(uow_of(hq), "functionality-profiles", {"code": "SPARE"}, profile)
    master_data.put_record(
        uow_of(hq), "tax-rates", {"tax_group": "EXEMPT", "jurisdiction": "NY"}, {"rate": Decimal(0)}
    )

    used = refused(
        hq,
        Conflict,
        lambda: master_data.delete_record(uow_of(hq), "functionality-profiles", {"code": "SYNC"}),
    )
    master_data.delete_record(uow_of(hq), "functionality-profiles", {"code": "SPARE"})
    # EXEMPT keeps its S001 rate, so deleting the NY one leaves GIFT-CARD's group named.
    master_data.delete_record(
        uow_of(hq), "tax-rates", {"tax_group": "EXEMPT", "jurisdiction": "NY"}
    )
    last = refused(
        hq,
        Conflict,
        lambda: master_data.delete_record(
            uow_of(hq), "tax-rates", {"tax_group": "EXEMPT", "jurisdiction": "S001"}
        ),
    )
    store = refused(
        hq, Conflict, lambda: master_data.delete_record(uow_of(hq), "stores", {"code": "S002"})
    )

    assert "store S001" in used.message
    assert "product GIFT-CARD" in last.message
    assert "orders" in store.message
    assert master_data.find_record(uow_of(hq), "functionality-profiles", {"code": "SPARE"}) is None


def test_stock_with_reservations_is_not_deleted(hq: Database) -> None:
    with uow_of(hq) as uow:
        uow.records.adjust_stock("WH1", "SOFA-3S", reserved=2)
        uow.commit()

    refused(
        hq,
        Conflict,
        lambda: master_data.delete_record(
            uow_of(hq), "inventory", {"location": "WH1", "sku": "SOFA-3S"}
        ),
    )
    master_data.delete_record(uow_of(hq), "inventory", {"location": "S001", "sku": "SOFA-3S"})

    with uow_of(hq) as uow:
        assert uow.records.get(InventoryRow, ("S001", "SOFA-3S")) is None
        assert uow.records.get(StoreRow, "S001") is not None


def test_store_server_urls_are_set_for_known_stores(hq: Database) -> None:
    master_data.set_store_server_urls(
        uow_of(hq), {"S002": "http://127.0.0.1:8002", "S999": "http://nowhere"}
    )

    stores = {s.code: s.server_url for s in master_data.list_records(uow_of(hq), "stores")}
    assert stores == {"S001": None, "S002": "http://127.0.0.1:8002"}

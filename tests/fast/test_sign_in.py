"""Sign-in, manager overrides and sessions on the in-memory unit of work, with the clock passed
in (docs/security.md, *Sign-in and sessions*)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from omniorder.adapters.demo_data import demo_rows
from omniorder.adapters.orm import SignInFailureRow, StaffRow
from omniorder.domain.errors import (
    InvalidInput,
    PermissionDenied,
    TooManyAttempts,
    Unauthenticated,
    WrongCredentials,
)
from omniorder.service_layer import auth, master_data
from omniorder.service_layer.channel_data import export_channel_data
from tests.builders import CASHIER, FAST_HASHER, NOW
from tests.fakes import FakeDatabase, FakeUnitOfWork


@pytest.fixture
def db() -> FakeDatabase:
    database = FakeDatabase()
    database.load(demo_rows(FAST_HASHER.hash))
    return database


def sign_in(
    db: FakeDatabase,
    operator_id: str = "1001",
    password: str = "cashier1",
    *,
    at: datetime = NOW,
    store_code: str | None = "S001",
    client: str | None = "10.0.0.7",
) -> str:
    token, _staff = auth.sign_in(
        FakeUnitOfWork(db),
        operator_id=operator_id,
        password=password,
        store_code=store_code,
        now=at,
        hours=12,
        client=client,
    )
    return token


def rows(db: FakeDatabase) -> dict[Any, Any]:
    return {key: row for key, row in db.rows.items() if key[0] is not SignInFailureRow}


def test_no_transaction_is_open_while_the_password_is_checked(
    db: FakeDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    uow = FakeUnitOfWork(db)
    seen: list[bool] = []
    real = auth.password_matches

    def watching(password_hash: str, password: str) -> bool:
        seen.append(hasattr(uow, "state"))  # a fake unit of work has a state only when entered
        return real(password_hash, password)

    monkeypatch.setattr(auth, "password_matches", watching)
    auth.sign_in(uow, operator_id="1001", password="cashier1", store_code="S001", now=NOW, hours=1)
    with pytest.raises(WrongCredentials):
        auth.sign_in(uow, operator_id="1001", password="nope", store_code="S001", now=NOW, hours=1)

    assert seen == [False, False]


def test_an_unknown_operator_and_a_wrong_password_are_the_same_401(db: FakeDatabase) -> None:
    with pytest.raises(WrongCredentials) as unknown:
        sign_in(db, "9999", "cashier1")
    with pytest.raises(WrongCredentials) as wrong:
        sign_in(db, "1001", "cashier2")

    assert (unknown.value.code, unknown.value.field, unknown.value.message) == (
        wrong.value.code,
        wrong.value.field,
        wrong.value.message,
    )
    assert isinstance(wrong.value, Unauthenticated)


def test_the_sixth_attempt_is_refused_even_with_the_right_password(db: FakeDatabase) -> None:
    for n in range(5):
        with pytest.raises(WrongCredentials):
            sign_in(db, password=f"guess{n}", at=NOW + timedelta(seconds=n))
    before = rows(db)

    with pytest.raises(TooManyAttempts) as locked:
        sign_in(db, at=NOW + timedelta(seconds=10))

    assert locked.value.retry_after_seconds == 54  # locked for a minute from the 5th failure
    assert rows(db) == before  # no session opened, nothing else written
    # Once the lock has passed, the right password works and the count starts over.
    sign_in(db, at=NOW + timedelta(seconds=65))
    with FakeUnitOfWork(db) as uow:
        assert uow.sign_in_failures.get("operator:1001") is None


def test_each_further_failure_doubles_the_lock_up_to_an_hour(db: FakeDatabase) -> None:
    at = NOW
    locks = []
    for _ in range(12):
        with pytest.raises(WrongCredentials):  # never locked: each guess waits for the lock
            sign_in(db, password="wrong", at=at)
        with FakeUnitOfWork(db) as uow:
            row = uow.sign_in_failures.get("operator:1001")
            assert row is not None
            if row.locked_until is not None:
                locks.append(round((row.locked_until - at).total_seconds() / 60))
                at = row.locked_until  # the next guess waits for the lock to pass
        at += timedelta(seconds=1)

    assert locks == [1, 2, 4, 8, 16, 32, 60, 60]


def test_failures_spread_over_more_than_the_window_do_not_lock(db: FakeDatabase) -> None:
    for n in range(10):
        with pytest.raises(WrongCredentials):
            sign_in(db, password="wrong", at=NOW + n * timedelta(minutes=4))

    sign_in(db, at=NOW + timedelta(minutes=40))  # never five within 15 minutes


def test_one_address_guessing_many_operators_is_locked(db: FakeDatabase) -> None:
    for n in range(20):
        with pytest.raises(WrongCredentials):
            sign_in(db, f"9{n:03d}", "wrong", client="203.0.113.9")

    with pytest.raises(TooManyAttempts):
        sign_in(db, client="203.0.113.9")
    sign_in(db, client="10.0.0.8")  # the operator itself is not locked


def test_a_manager_override_is_throttled_with_the_managers_sign_in(db: FakeDatabase) -> None:
    def override(password: str) -> Any:
        return auth.authorize(
            FakeUnitOfWork(db),
            CASHIER,
            manager_id="1002",
            manager_password=password,
            store_code="S001",
            now=NOW,
        )

    with pytest.raises(WrongCredentials) as wrong:
        override("guess")
    assert wrong.value.field == "manager_override"
    for _ in range(4):
        with pytest.raises(WrongCredentials):
            override("guess")

    with pytest.raises(TooManyAttempts) as locked:
        override("manager1")
    assert locked.value.field == "manager_override"
    with pytest.raises(TooManyAttempts):
        sign_in(db, "1002", "manager1")
    # A right password of someone who is not a manager may still say so.
    with pytest.raises(PermissionDenied):
        auth.authorize(
            FakeUnitOfWork(db),
            CASHIER,
            manager_id="1001",
            manager_password="cashier1",
            store_code="S001",
            now=NOW,
        )


def test_a_session_ends_after_the_idle_time(db: FakeDatabase) -> None:
    token = sign_in(db)
    uow = FakeUnitOfWork(db)

    auth.staff_for_token(uow, token, now=NOW + timedelta(minutes=29), idle_minutes=30)
    auth.staff_for_token(uow, token, now=NOW + timedelta(minutes=58), idle_minutes=30)
    with pytest.raises(Unauthenticated):
        auth.staff_for_token(uow, token, now=NOW + timedelta(minutes=89), idle_minutes=30)
    with pytest.raises(Unauthenticated):  # and stays ended
        auth.staff_for_token(uow, token, now=NOW + timedelta(minutes=90), idle_minutes=30)


def test_last_seen_is_written_at_most_once_a_minute(db: FakeDatabase) -> None:
    token = sign_in(db)
    commits = db.commits

    auth.staff_for_token(FakeUnitOfWork(db), token, now=NOW + timedelta(seconds=30))
    assert db.commits == commits
    auth.staff_for_token(FakeUnitOfWork(db), token, now=NOW + timedelta(seconds=61))
    assert db.commits == commits + 1


def test_the_absolute_lifetime_still_holds(db: FakeDatabase) -> None:
    token = sign_in(db)
    at = NOW
    for _ in range(12 * 4):
        at += timedelta(minutes=15)
        if at >= NOW + timedelta(hours=12):
            break
        auth.staff_for_token(FakeUnitOfWork(db), token, now=at)
    with pytest.raises(Unauthenticated):
        auth.staff_for_token(FakeUnitOfWork(db), token, now=NOW + timedelta(hours=12))


def test_a_password_change_ends_the_sessions_and_deactivation_too(db: FakeDatabase) -> None:
    token = sign_in(db)
    master_data.put_record(
        FakeUnitOfWork(db),
        "staff",
        {"operator_id": "1001"},
        {"name": "Casey Downtown", "role": "cashier", "store_code": "S001", "password": "n" * 12},
    )
    with pytest.raises(Unauthenticated):
        auth.staff_for_token(FakeUnitOfWork(db), token, now=NOW)

    token = sign_in(db, password="n" * 12)
    auth.staff_for_token(FakeUnitOfWork(db), token, now=NOW)
    master_data.put_record(
        FakeUnitOfWork(db),
        "staff",
        {"operator_id": "1001"},
        {"name": "Casey Downtown", "role": "cashier", "store_code": "S001", "is_active": False},
    )
    with pytest.raises(Unauthenticated):
        auth.staff_for_token(FakeUnitOfWork(db), token, now=NOW)
    # An inactive staff member's right password is refused like a wrong one.
    with pytest.raises(WrongCredentials):
        sign_in(db, password="n" * 12)


def test_a_staff_password_needs_12_characters_and_is_hashed_before_the_transaction(
    db: FakeDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    casey = {"name": "Casey Downtown", "role": "cashier", "store_code": "S001"}
    before = rows(db)
    with pytest.raises(InvalidInput) as short:
        master_data.put_record(
            FakeUnitOfWork(db), "staff", {"operator_id": "1001"}, {**casey, "password": "x" * 11}
        )
    assert short.value.field == "password"
    assert "12" in short.value.message
    assert rows(db) == before

    uow = FakeUnitOfWork(db)
    seen: list[bool] = []
    real = master_data.hash_password

    def watching(password: str) -> str:
        seen.append(hasattr(uow, "state"))  # a fake unit of work has a state only when entered
        return real(password)

    monkeypatch.setattr(master_data, "hash_password", watching)
    master_data.put_record(uow, "staff", {"operator_id": "1001"}, {**casey, "password": "x" * 12})

    assert seen == [False]
    sign_in(db, password="x" * 12)


def test_an_hq_admin_signs_in_at_hq_only_and_never_reaches_a_store(db: FakeDatabase) -> None:
    sign_in(db, "admin", "hqadmin1", store_code=None)
    with pytest.raises(PermissionDenied):
        sign_in(db, "admin", "hqadmin1", store_code="S001")

    staff = export_channel_data(FakeUnitOfWork(db), store_code="S001")["staff"]
    assert [s["operator_id"] for s in staff] == ["1001", "1002"]
    assert all(s["is_active"] is True for s in staff)


def test_sign_out_ends_the_session(db: FakeDatabase) -> None:
    token = sign_in(db)
    auth.sign_out(FakeUnitOfWork(db), token=token)

    with pytest.raises(Unauthenticated):
        auth.staff_for_token(FakeUnitOfWork(db), token, now=NOW)


def test_staff_rows_default_to_active() -> None:
    row = StaffRow(operator_id="x", name="X", role="cashier", store_code=None, password_hash="")
    assert row.is_active is not False

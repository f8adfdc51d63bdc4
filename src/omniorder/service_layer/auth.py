"""Signing in, manager overrides and checking bearer tokens (docs/api.md, *Authentication*;
the controls are listed in docs/security.md, *Sign-in and sessions*).

A password is checked in three steps so that no database transaction stays open while argon2
works (on SQLite every transaction holds the write lock): a short unit of work reads the
throttle and the staff row, the hash is verified with no transaction open, and a second short
unit of work records the failure or opens the session.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from omniorder.adapters.orm import AuthSessionRow, StaffRow
from omniorder.domain.errors import (
    PermissionDenied,
    TooManyAttempts,
    Unauthenticated,
    WrongCredentials,
)
from omniorder.domain.staff import Authorization, Permission, Role, Staff
from omniorder.service_layer.unit_of_work import UnitOfWork

_hasher = PasswordHasher()


NotSignedIn = Unauthenticated

WRONG = "The operator id or password is wrong."


@dataclass(frozen=True)
class Throttle:
    """When wrong passwords lock an operator id or a client address (docs/security.md)."""

    max_failures: int = 5  # per operator id, within `window`
    # Per client address: higher, as a store's tills may reach the server from one address.
    address_max_failures: int = 20
    window: timedelta = timedelta(minutes=15)
    first_lock: timedelta = timedelta(minutes=1)  # doubled at each further failure …
    longest_lock: timedelta = timedelta(hours=1)  # … up to this


THROTTLE = Throttle()
# A session's last-seen time is written at most once per this share of the idle timeout (a
# minute for the default 30), not at every request.
LAST_SEEN_STEPS = 30


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    """Tokens are 256 random bits, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def staff_from_row(row: StaffRow) -> Staff:
    return Staff(
        operator_id=row.operator_id, name=row.name, role=Role(row.role), store_code=row.store_code
    )


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# -- throttling -----------------------------------------------------------------------------


def _keys(operator_id: str, client: str | None, throttle: Throttle) -> list[tuple[str, int]]:
    """The throttle keys of an attempt, each with the failures that lock it."""
    keys = [(operator_key(operator_id), throttle.max_failures)]
    if client:
        keys.append((f"address:{client[:100]}", throttle.address_max_failures))
    return keys


def operator_key(operator_id: str) -> str:
    return f"operator:{operator_id[:100]}"


def _refuse_if_locked(
    uow: UnitOfWork, keys: list[tuple[str, int]], now: datetime, field: str
) -> None:
    for key, _limit in keys:
        row = uow.sign_in_failures.get(key)
        if row is not None and row.locked_until is not None and now < row.locked_until:
            seconds = max(1, math.ceil((row.locked_until - now).total_seconds()))
            minutes = math.ceil(seconds / 60)
            raise TooManyAttempts(
                field,
                f"Too many wrong passwords: try again in {minutes} minute"
                f"{'' if minutes == 1 else 's'}.",
                retry_after_seconds=seconds,
            )


def _record_failure(
    uow: UnitOfWork, keys: list[tuple[str, int]], now: datetime, throttle: Throttle
) -> None:
    """Count a wrong password against each key; the `limit`-th failure within the window
    locks the key for `first_lock`, each further one for twice as long (up to
    `longest_lock`). A key's count starts over once it has been quiet for the window."""
    with uow:
        for key, limit in keys:
            row = uow.sign_in_failures.claim(key, now)
            quiet_since = row.locked_until or row.first_failed_at
            if row.failures and now >= quiet_since + throttle.window:
                row.failures = 0
                row.locked_until = None
            if not row.failures:
                row.first_failed_at = now
            row.failures += 1
            row.last_failed_at = now
            if row.failures >= limit:
                doublings = min(row.failures - limit, 20)
                row.locked_until = now + min(
                    throttle.first_lock * 2**doublings, throttle.longest_lock
                )
        uow.commit()


def _check_password(
    uow: UnitOfWork,
    operator_id: str,
    password: str,
    *,
    field: str,
    now: datetime,
    client: str | None,
    throttle: Throttle,
) -> StaffRow:
    """The active staff member with these credentials; a wrong operator id, a wrong password
    and an inactive staff member are the same 401, after the same work (one argon2 verify)."""
    keys = _keys(operator_id, client, throttle)
    with uow:
        _refuse_if_locked(uow, keys, now, field)
        row = uow.records.staff(operator_id)
    # No transaction is open while argon2 works.
    if row is None:
        _dummy_verify()
        right = False
    else:
        right = password_matches(row.password_hash, password) and row.is_active is not False
    if not right or row is None:
        _record_failure(uow, keys, now, throttle)
        raise WrongCredentials(field, WRONG)
    return row


def _dummy_verify() -> None:
    # Spend the same time on an unknown operator id as on a wrong password.
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, "not the password")


_DUMMY_HASH = _hasher.hash("dummy")


def _check_may_work_here(staff: Staff, store_code: str | None) -> None:
    if store_code is None and staff.role is not Role.HQ_ADMIN:
        raise PermissionDenied("hq_admin", f"{staff.name} may not sign in to the back office.")
    if store_code is not None and staff.role is Role.HQ_ADMIN:
        raise PermissionDenied("store", "HQ administrators sign in to the back office only.")
    if store_code is not None and staff.store_code not in (None, store_code):
        raise PermissionDenied(
            "store", f"{staff.name} works at store {staff.store_code}, not at {store_code}."
        )


# -- sessions -------------------------------------------------------------------------------


def sign_in(
    uow: UnitOfWork,
    *,
    operator_id: str,
    password: str,
    store_code: str | None,
    now: datetime,
    hours: int,
    client: str | None = None,
    throttle: Throttle = THROTTLE,
) -> tuple[str, Staff]:
    """Check the credentials and open a session; returns the bearer token and who signed in.

    Wrong credentials are a `WrongCredentials` (401, field `password`); too many of them for
    the operator id or from `client` (an address) a `TooManyAttempts` (429), even with the
    right password; staff who may not work on this server a `PermissionDenied` (403)."""
    row = _check_password(
        uow,
        operator_id,
        password,
        field="password",
        now=now,
        client=client,
        throttle=throttle,
    )
    staff = staff_from_row(row)
    _check_may_work_here(staff, store_code)
    token = secrets.token_urlsafe(32)
    with uow:
        # Locked by concurrent guesses while the hash was checked: refused all the same.
        _refuse_if_locked(uow, _keys(operator_id, None, throttle), now, "password")
        uow.sign_in_failures.clear(operator_key(operator_id))
        uow.auth_sessions.add(
            AuthSessionRow(
                token_hash=token_hash(token),
                operator_id=staff.operator_id,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
                last_seen_at=now,
                session_epoch=row.session_epoch or 0,
            )
        )
        uow.commit()
    return token, staff


def sign_out(uow: UnitOfWork, *, token: str) -> None:
    with uow:
        uow.auth_sessions.delete(token_hash(token))
        uow.commit()


def staff_for_token(uow: UnitOfWork, token: str, *, now: datetime, idle_minutes: int = 30) -> Staff:
    """Who holds this session token. The session ends after `idle_minutes` without a
    request, at its absolute expiry, when the staff member's password changes or when they
    are deactivated."""
    with uow:
        try:
            staff, seen = _session_staff(uow, token, now=now, idle_minutes=idle_minutes)
        except SessionEnded as ended:
            uow.auth_sessions.delete(token_hash(token))
            uow.commit()
            raise NotSignedIn(ended.message) from None
        if seen:
            uow.commit()
        return staff


class SessionEnded(NotSignedIn):
    """A session that has ended (`staff_in()`): the caller deletes it."""


def staff_in(uow: UnitOfWork, token: str, *, now: datetime, idle_minutes: int = 30) -> Staff:
    """`staff_for_token()` in the caller's transaction, which saves the session's last-seen
    time when it moves (every `idle_minutes / LAST_SEEN_STEPS`) if it commits. An ended
    session is `SessionEnded` (the caller deletes it) and a missing one `NotSignedIn`."""
    return _session_staff(uow, token, now=now, idle_minutes=idle_minutes)[0]


def _session_staff(
    uow: UnitOfWork, token: str, *, now: datetime, idle_minutes: int
) -> tuple[Staff, bool]:
    """The session's staff member, and whether its last-seen time moved (to be saved)."""
    session = uow.auth_sessions.get(token_hash(token))
    if session is None or session.expires_at <= now:
        raise NotSignedIn("Sign in first: the session is missing or has expired.")
    last_seen = session.last_seen_at or session.created_at
    row = uow.records.staff(session.operator_id)
    if now - last_seen > timedelta(minutes=idle_minutes):
        raise SessionEnded("The session ended after a time without use; sign in again.")
    if row is None:
        raise SessionEnded("This operator no longer exists; sign in again.")
    if row.is_active is False or (row.session_epoch or 0) != (session.session_epoch or 0):
        raise SessionEnded("The password changed or the account was disabled; sign in again.")
    seen = now - last_seen >= timedelta(minutes=idle_minutes) / LAST_SEEN_STEPS
    if seen:
        session.last_seen_at = now
    return staff_from_row(row), seen


# -- manager overrides ----------------------------------------------------------------------


def authorize(
    uow: UnitOfWork,
    staff: Staff,
    *,
    manager_id: str | None,
    manager_password: str | None,
    store_code: str | None,
    now: datetime | None = None,
    client: str | None = None,
    throttle: Throttle = THROTTLE,
) -> Authorization:
    """The acting staff member, plus a manager who approved the action on the spot, if any.

    The manager's password is throttled with their sign-in (one count per operator id): a
    wrong one is a 401 on `manager_override`, a locked one a 429, whatever the password."""
    if manager_id is None:
        return Authorization(staff)
    row = _check_password(
        uow,
        manager_id,
        manager_password or "",
        field="manager_override",
        now=now or datetime.now(UTC),
        client=client,
        throttle=throttle,
    )
    manager = staff_from_row(row)
    if store_code is not None and (
        manager.role is Role.HQ_ADMIN or manager.store_code not in (None, store_code)
    ):
        raise PermissionDenied("store", f"{manager.name} does not work at store {store_code}.")
    if not manager.has(Permission.MANAGER):
        raise PermissionDenied(
            Permission.MANAGER.value,
            f"{manager.name} is not a manager and cannot approve overrides.",
        )
    with uow:
        uow.sign_in_failures.clear(operator_key(manager_id))
        uow.commit()
    return Authorization(staff, override_by=manager)


def staff_with_known_passwords(uow: UnitOfWork, known: list[tuple[str, str]]) -> list[str]:
    """The operator ids among `known` (operator id, password) whose stored password is still
    that one — the demo staff's, before a real server may start."""
    with uow:
        rows = {operator_id: uow.records.staff(operator_id) for operator_id, _ in known}
    return [
        operator_id
        for operator_id, password in known
        if (row := rows[operator_id]) is not None and password_matches(row.password_hash, password)
    ]

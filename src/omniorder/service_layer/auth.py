"""Signing in and checking bearer tokens (docs/api.md, *Authentication*)."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from omniorder.adapters.orm import AuthSessionRow, StaffRow
from omniorder.domain.errors import InvalidInput, PermissionDenied, Unauthenticated
from omniorder.domain.staff import Authorization, Permission, Role, Staff
from omniorder.service_layer.unit_of_work import UnitOfWork

_hasher = PasswordHasher()


NotSignedIn = Unauthenticated


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    """Tokens are 256 random bits, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def staff_from_row(row: StaffRow) -> Staff:
    return Staff(
        operator_id=row.operator_id, name=row.name, role=Role(row.role), store_code=row.store_code
    )


def verify_credentials(
    uow: UnitOfWork,
    operator_id: str,
    password: str,
    *,
    store_code: str | None,
    field: str = "password",
) -> Staff:
    """The staff member with these credentials, allowed to work at this store (None: HQ)."""
    row = uow.records.staff(operator_id)
    wrong = InvalidInput(field, "The operator id or password is wrong.")
    if row is None:
        _hasher_dummy_verify()
        raise wrong
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise wrong from None
    staff = staff_from_row(row)
    if store_code is None and staff.role is not Role.HQ_ADMIN:
        raise PermissionDenied("hq_admin", f"{staff.name} may not sign in to the back office.")
    if store_code is not None and staff.store_code not in (None, store_code):
        raise PermissionDenied(
            "store", f"{staff.name} works at store {staff.store_code}, not at {store_code}."
        )
    return staff


def _hasher_dummy_verify() -> None:
    # Spend the same time on an unknown operator id as on a wrong password.
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, "not the password")


_DUMMY_HASH = _hasher.hash("dummy")


def sign_in(
    uow: UnitOfWork,
    *,
    operator_id: str,
    password: str,
    store_code: str | None,
    now: datetime,
    hours: int,
) -> tuple[str, Staff]:
    """Check the credentials and open a session; returns the bearer token and who signed in."""
    with uow:
        staff = verify_credentials(uow, operator_id, password, store_code=store_code)
        token = secrets.token_urlsafe(32)
        uow.auth_sessions.add(
            AuthSessionRow(
                token_hash=token_hash(token),
                operator_id=staff.operator_id,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
            )
        )
        uow.commit()
    return token, staff


def sign_out(uow: UnitOfWork, *, token: str) -> None:
    with uow:
        uow.auth_sessions.delete(token_hash(token))
        uow.commit()


def staff_for_token(uow: UnitOfWork, token: str, *, now: datetime) -> Staff:
    with uow:
        session = uow.auth_sessions.get(token_hash(token))
        if session is None or session.expires_at <= now:
            raise NotSignedIn("Sign in first: the session is missing or has expired.")
        row = uow.records.staff(session.operator_id)
        if row is None:
            raise NotSignedIn("This operator no longer exists; sign in again.")
        return staff_from_row(row)


def authorize(
    uow: UnitOfWork,
    staff: Staff,
    *,
    manager_id: str | None,
    manager_password: str | None,
    store_code: str | None,
) -> Authorization:
    """The acting staff member, plus a manager who approved the action on the spot, if any."""
    if manager_id is None:
        return Authorization(staff)
    with uow:
        manager = verify_credentials(
            uow, manager_id, manager_password or "", store_code=store_code, field="manager_override"
        )
    if not manager.has(Permission.MANAGER):
        raise PermissionDenied(
            Permission.MANAGER.value,
            f"{manager.name} is not a manager and cannot approve overrides.",
        )
    return Authorization(staff, override_by=manager)

"""HQ request dependencies: the back-office staff and the calling store."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from omniorder.domain.errors import PermissionDenied
from omniorder.domain.staff import Role, Staff
from omniorder.entrypoints.deps import UowDep, get_staff, get_token
from omniorder.service_layer.auth import NotSignedIn, token_hash
from omniorder.service_layer.unit_of_work import UnitOfWork


async def get_hq_staff(staff: Annotated[Staff, Depends(get_staff)]) -> Staff:
    if staff.role is not Role.HQ_ADMIN:
        raise PermissionDenied("hq_admin", f"{staff.name} may not use the HQ API.")
    return staff


def get_calling_store(token: Annotated[str, Depends(get_token)], uow: UowDep) -> str:
    """The store whose own token signed this request (store → HQ calls only)."""
    with uow:
        return calling_store_in(uow, token)


def calling_store_in(uow: UnitOfWork, token: str) -> str:
    """`get_calling_store()` in the caller's transaction."""
    store = uow.records.store_by_token_hash(token_hash(token))
    if store is None:
        raise NotSignedIn("This call needs a store's token.")
    return store.code


HQStaff = Annotated[Staff, Depends(get_hq_staff)]
CallingStore = Annotated[str, Depends(get_calling_store)]


def require_same_store(calling: str, code: str) -> None:
    if calling != code:
        raise PermissionDenied("store", f"Store {calling}'s token cannot act for store {code}.")

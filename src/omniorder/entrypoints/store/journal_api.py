"""The store's journal, for HQ's P-job only (docs/rules.md §10); needs the job token."""

from __future__ import annotations

import hmac
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from omniorder.domain.errors import Unauthenticated
from omniorder.domain.statuses import SyncStatus
from omniorder.entrypoints.deps import UowDep, get_token
from omniorder.entrypoints.http_errors import ERROR_RESPONSES
from omniorder.entrypoints.store.context import StoreCtx
from omniorder.service_layer import journal

router = APIRouter(prefix="/api/v1/journal", tags=["journal"], responses=ERROR_RESPONSES)


async def require_job_token(ctx: StoreCtx, token: Annotated[str, Depends(get_token)]) -> None:
    expected = ctx.settings.job_token
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Unauthenticated("This call needs HQ's job token.")


JobToken = Annotated[None, Depends(require_job_token)]


class JournalPage(BaseModel):
    entries: list[dict[str, Any]]


@router.get("", response_model=JournalPage)
def read_journal(
    uow: UowDep,
    _job: JobToken,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> JournalPage:
    """Journal entries after a sequence number, oldest first (the P-job's read)."""
    return JournalPage(entries=journal.entries_after(uow, after=after, limit=limit))


class Acknowledgement(BaseModel):
    """What HQ did with one journal entry (fields HQ may add later are ignored)."""

    entry_id: UUID
    status: SyncStatus
    sales_order_number: str | None = Field(default=None, max_length=40)
    error: str | None = Field(default=None, max_length=10_000)
    order: dict[str, Any] | None = Field(
        default=None, description="HQ's copy of the order, with status `synchronized`"
    )


class Acknowledgements(BaseModel):
    # HQ sends at most 500 at a time (synchronization.acknowledge()).
    acknowledgements: list[Acknowledgement] = Field(max_length=1000)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [a.model_dump(mode="json") for a in self.acknowledgements]


class Acknowledged(BaseModel):
    acknowledged: int


@router.post("/acknowledgements", response_model=Acknowledged)
def acknowledge(body: Acknowledgements, uow: UowDep, _job: JobToken) -> Acknowledged:
    """HQ reports each entry's sync status and sends its copy of synchronized orders."""
    return Acknowledged(acknowledged=journal.acknowledge(uow, body.as_dicts()))

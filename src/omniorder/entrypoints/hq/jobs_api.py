"""HQ API for asynchronous mode (docs/rules.md §10): run the P-job and Synchronize orders, see
store transactions with their sync status, and retry failed ones after fixing the data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel

from omniorder.adapters.orm import StoreTransactionRow
from omniorder.entrypoints.deps import NowDep, UowDep, get_ctx
from omniorder.entrypoints.hq.context import HQStaff
from omniorder.entrypoints.http_errors import ERROR_RESPONSES
from omniorder.service_layer import synchronization

router = APIRouter(prefix="/api/v1", tags=["synchronization"], responses=ERROR_RESPONSES)


class JobResultPublic(BaseModel):
    pulled: int
    synchronized: int
    failed: int
    skipped: int
    acknowledged: int
    unreachable: list[str]


class StoreTransactionPublic(BaseModel):
    id: int
    store_code: str
    entry_id: str
    seq: int
    order_id: str
    kind: str
    status: str
    error: str | None
    retry_count: int
    pulled_at: datetime
    synchronized_at: datetime | None
    sales_order_number: str | None
    channel_ref: str | None

    @classmethod
    def of(cls, row: StoreTransactionRow) -> StoreTransactionPublic:
        document: dict[str, Any] = row.document
        new_order = document.get("new_order") if isinstance(document, dict) else None
        return cls(
            id=row.id,
            store_code=row.store_code,
            entry_id=str(row.entry_id),
            seq=row.seq,
            order_id=str(row.order_id),
            kind=row.kind,
            status=row.status,
            error=synchronization.safe_error_text(row.error) if row.error else None,
            retry_count=row.retry_count,
            pulled_at=row.pulled_at,
            synchronized_at=row.synchronized_at,
            sales_order_number=row.sales_order_number,
            channel_ref=new_order.get("channel_ref") if isinstance(new_order, dict) else None,
        )


def _jobs(request: Request) -> Any:
    return request.app.state.jobs


@router.post("/jobs/pull", response_model=JobResultPublic)
def run_pull(
    request: Request,
    staff: HQStaff,
    now: NowDep,
    store: Annotated[str | None, Query(max_length=20)] = None,
) -> JobResultPublic:
    """The P-job: pull new journal entries from async stores into staging, then tell the
    stores how earlier entries went."""
    ctx = get_ctx(request)
    pulled = synchronization.pull(ctx.uow, _jobs(request), now=now, store_code=store)
    acked = synchronization.acknowledge(ctx.uow, _jobs(request), store_code=store)
    pulled.acknowledged = acked.acknowledged
    pulled.unreachable = sorted(set(pulled.unreachable + acked.unreachable))
    return JobResultPublic(**pulled.as_dict())


@router.post("/jobs/synchronize-orders", response_model=JobResultPublic)
def run_synchronize(request: Request, staff: HQStaff, now: NowDep) -> JobResultPublic:
    """Synchronize orders: create sales orders from pending staged entries, in order."""
    ctx = get_ctx(request)
    return JobResultPublic(**synchronization.synchronize(ctx.uow, now=now).as_dict())


@router.get("/store-transactions", response_model=list[StoreTransactionPublic])
def list_store_transactions(
    uow: UowDep,
    staff: HQStaff,
    status: Annotated[str | None, Query(pattern="^(pending|synchronized|failed)$")] = None,
    store: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[StoreTransactionPublic]:
    """Staged store transactions with their sync status, error and retry count."""
    with uow:
        rows = uow.staging.search(status=status, store_code=store, limit=limit, offset=offset)
        return [StoreTransactionPublic.of(row) for row in rows]


class Retried(BaseModel):
    retried: int


@router.post("/store-transactions/{transaction_id}/retry", response_model=Retried)
def retry_one(
    transaction_id: Annotated[int, Path(ge=1, le=2**31 - 1)], uow: UowDep, staff: HQStaff
) -> Retried:
    """Put one failed transaction back in the queue (after fixing what made it fail)."""
    return Retried(retried=synchronization.retry(uow, transaction_id=transaction_id))


@router.post("/store-transactions/retry", response_model=Retried)
def retry_all(uow: UowDep, staff: HQStaff) -> Retried:
    """Put every failed transaction back in the queue."""
    return Retried(retried=synchronization.retry(uow, transaction_id=None))

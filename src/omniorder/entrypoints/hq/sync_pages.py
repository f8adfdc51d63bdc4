"""Back office: store transactions of async stores (docs/rules.md §10) — the list with its sync
status, the P-job and Synchronize orders buttons, and fix-and-retry of failed entries.

The buttons run the same service functions as the jobs API (jobs_api.py); each POST redirects
to the list with what the job did in the query string, so a reload never runs a job twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omniorder.adapters.orm import StoreRow, StoreTransactionRow
from omniorder.domain.statuses import SyncStatus
from omniorder.entrypoints.deps import NowDep, UowDep, get_ctx
from omniorder.entrypoints.hq.pages import PageStaff, page_router, render
from omniorder.entrypoints.web import words
from omniorder.service_layer import synchronization
from omniorder.service_layer.synchronization import JobResult
from omniorder.service_layer.unit_of_work import UnitOfWork

router = page_router()
PAGE_SIZE = 100
STATUSES = [s.value for s in SyncStatus]
# What each job's result shows, in this order.
JOB_COUNTS = {
    "pull": ("pulled", "acknowledged"),
    "synchronize": ("synchronized", "failed", "skipped"),
}
COUNT_LABELS = {
    "pulled": "Pulled",
    "acknowledged": "Acknowledged to stores",
    "synchronized": "Synchronized",
    "failed": "Failed",
    "skipped": "Waiting behind a failed entry",
}


@dataclass(frozen=True)
class TransactionView:
    """One staged store transaction as the list shows it."""

    row: StoreTransactionRow
    what: str
    channel_ref: str | None
    sales_order_number: str | None
    error: str | None = None


def _what(row: StoreTransactionRow) -> str:
    """ "New order", or the operation in words: "Operation: pick list"."""
    if row.kind == "create":
        return "New order"
    action = row.document.get("action") if isinstance(row.document, dict) else None
    kind = action.get("kind") if isinstance(action, dict) else None
    return f"Operation: {words(kind).lower()}" if kind else words(row.kind)


def _views(uow: UnitOfWork, rows: list[StoreTransactionRow]) -> list[TransactionView]:
    """Each row with its order's channel reference and sales order number once HQ has it."""
    known: dict[uuid.UUID, tuple[str | None, str | None]] = {}
    for row in rows:
        document: dict[str, Any] = row.document if isinstance(row.document, dict) else {}
        new_order = document.get("new_order")
        if isinstance(new_order, dict) and new_order.get("channel_ref"):
            known.setdefault(row.order_id, (str(new_order["channel_ref"]), None))
    for order_id in {row.order_id for row in rows}:
        order = uow.orders.get(order_id)
        if order is not None:
            known[order_id] = (order.channel_ref, order.sales_order_number)
    views = []
    for row in rows:
        channel_ref, number = known.get(row.order_id, (None, None))
        number = row.sales_order_number or number
        views.append(
            TransactionView(
                row,
                _what(row),
                channel_ref,
                number,
                synchronization.safe_error_text(row.error) if row.error else None,
            )
        )
    return views


def _job_result(params: Any) -> dict[str, Any] | None:
    """What the last button did, read back from the redirect's query string."""
    job = params.get("ran", "")
    if job not in JOB_COUNTS and job != "retry":
        return None
    counts = {}
    for name in (*JOB_COUNTS.get(job, ()), "retried"):
        text = params.get(name, "")
        if text.isdecimal():
            counts[name] = int(text)
    unreachable = [text[:300] for text in params.getlist("unreachable")[:20]]
    return {"job": job, "counts": counts, "unreachable": unreachable}


@dataclass(frozen=True)
class Filters:
    """The list's filters, sent back by every button so the list stays as it was."""

    status: str
    store: str


async def filters_form(
    status: Annotated[str, Form()] = "",
    store: Annotated[str, Form()] = "",
) -> Filters:
    return Filters(status.strip()[:20], store.strip()[:20])


FiltersForm = Annotated[Filters, Depends(filters_form)]


@router.get("/store-transactions", response_class=HTMLResponse)
def store_transactions(request: Request, uow: UowDep, staff: PageStaff) -> HTMLResponse:
    params = request.query_params
    status, store = params.get("status", "").strip(), params.get("store", "").strip()
    offset_text = params.get("offset", "0")
    offset = int(offset_text) if offset_text.isdecimal() and len(offset_text) < 8 else 0
    errors: dict[str, str] = {}
    if status and status not in STATUSES:
        errors["status"] = "Choose a status from the list."
    with uow:
        rows_of_stores = uow.records.list(StoreRow, StoreRow.code)
        stores = [s.code for s in rows_of_stores]
        zones = {s.code: s.time_zone for s in rows_of_stores}
        if store and store not in stores:
            errors["store"] = "Choose a store from the list."
        counts = uow.staging.counts()
        views: list[TransactionView] = []
        if not errors:
            rows = list(
                uow.staging.search(
                    status=status or None,
                    store_code=store or None,
                    limit=PAGE_SIZE + 1,
                    offset=offset,
                )
            )
            views = _views(uow, rows[:PAGE_SIZE])
            has_more = len(rows) > PAGE_SIZE
        else:
            has_more = False
    return render(
        request,
        "store_transactions.html",
        staff=staff,
        status_code=422 if errors else 200,
        form={"status": status[:20], "store": store[:20]},
        statuses=STATUSES,
        stores=stores,
        zones=zones,
        counts={s: counts.get(s, 0) for s in STATUSES},
        total=sum(counts.values()),
        transactions=views,
        offset=offset,
        page_size=PAGE_SIZE,
        has_more=has_more,
        errors=errors,
        result=_job_result(params),
        count_labels=COUNT_LABELS,
    )


def _back_to_list(filters: Filters, job: str, **values: Any) -> Response:
    """Back to the list with its filters kept and the job's result in the query string."""
    query: dict[str, Any] = {
        k: v for k, v in (("status", filters.status), ("store", filters.store)) if v
    }
    query["ran"] = job
    query.update(values)
    return RedirectResponse(f"/store-transactions?{urlencode(query, doseq=True)}", status_code=303)


def _result_values(job: str, result: JobResult) -> dict[str, Any]:
    done = result.as_dict()
    values = {name: done[name] for name in JOB_COUNTS[job]}
    if result.unreachable:
        values["unreachable"] = list(result.unreachable)  # "S002 (why)", one per store
    return values


# The jobs call store servers and take a while: plain `def` routes run in the thread pool.


@router.post("/store-transactions/pull")
def run_pull(request: Request, staff: PageStaff, now: NowDep, filters: FiltersForm) -> Response:
    """The P-job, as POST /api/v1/jobs/pull: pull new entries, then acknowledge outcomes."""
    ctx, gateway = get_ctx(request), request.app.state.jobs
    pulled = synchronization.pull(ctx.uow, gateway, now=now)
    acked = synchronization.acknowledge(ctx.uow, gateway)
    pulled.acknowledged = acked.acknowledged
    pulled.unreachable = sorted(set(pulled.unreachable + acked.unreachable))
    return _back_to_list(filters, "pull", **_result_values("pull", pulled))


@router.post("/store-transactions/synchronize")
def run_synchronize(
    request: Request, staff: PageStaff, now: NowDep, filters: FiltersForm
) -> Response:
    """Synchronize orders, as POST /api/v1/jobs/synchronize-orders."""
    result = synchronization.synchronize(get_ctx(request).uow, now=now)
    return _back_to_list(filters, "synchronize", **_result_values("synchronize", result))


@router.post("/store-transactions/retry")
def retry_all(uow: UowDep, staff: PageStaff, filters: FiltersForm) -> Response:
    """Put every failed transaction back in the queue."""
    retried = synchronization.retry(uow, transaction_id=None)
    return _back_to_list(filters, "retry", retried=retried)


@router.post("/store-transactions/{transaction_id}/retry")
def retry_one(
    transaction_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    uow: UowDep,
    staff: PageStaff,
    filters: FiltersForm,
) -> Response:
    """Put one failed transaction back in the queue, after its data was fixed."""
    retried = synchronization.retry(uow, transaction_id=transaction_id)
    return _back_to_list(filters, "retry", retried=retried)

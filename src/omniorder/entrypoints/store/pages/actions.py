"""What the pages for actions on an existing order share (docs/rules.md §4–§8): the request
as they use it (`Req`), the use case's context, showing an action form and leaving it.

Each form carries an operation id generated when it was first shown; it becomes the use
case's `Context.operation_id`, so a double submit (or a resubmit from the browser's
history) changes nothing twice. Where money changes hands, a first step shows what the
customer pays or gets back (a pure query, `order_operations.preview()`); the confirming
POST checks that the amount shown is still the amount due before it takes payment. Errors
are keyed by the domain's field paths and shown next to their fields; a missing permission
shows the manager approval fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from omniorder.adapters.orm import StoreRow
from omniorder.domain.order import Order
from omniorder.domain.returns import RETURN_REASONS
from omniorder.domain.staff import Staff
from omniorder.entrypoints.deps import NowDep, UowDep, client_address
from omniorder.entrypoints.store import offers
from omniorder.entrypoints.store.context import StoreContext, StoreCtx
from omniorder.entrypoints.store.pages.common import PageStaff, render
from omniorder.entrypoints.store.pages.forms import Fields, operation_id_of
from omniorder.service_layer import auth, order_operations
from omniorder.service_layer.cart import require_parameters, require_store, store_today
from omniorder.service_layer.order_operations import Context
from omniorder.service_layer.unit_of_work import UnitOfWork


@dataclass
class Req:
    """One action page request: who acts, at which store, when, in which currency."""

    request: Request
    ctx: StoreContext
    uow: UnitOfWork
    staff: Staff
    now: datetime
    store: StoreRow = field(init=False)
    currency: str = field(init=False)

    def __post_init__(self) -> None:
        with self.uow:
            self.store = require_store(self.uow.records, self.ctx.store_code)
            self.currency = require_parameters(self.uow.records).currency

    @property
    def today(self) -> date:
        return store_today(self.store, self.now)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.store.time_zone)


async def _req(request: Request, ctx: StoreCtx, uow: UowDep, staff: PageStaff, now: NowDep) -> Req:
    return Req(request, ctx, uow, staff, now)


ReqDep = Annotated[Req, Depends(_req)]


def use_case_context(p: Req, form: Fields) -> Context:
    """Who acts (and which manager approved it, if the approval fields were filled in; the
    approval is throttled by the request's clock, the manager's id and the till's address)."""
    manager_id = form.get("manager_override.operator_id") or None
    authorization = auth.authorize(
        p.uow,
        p.staff,
        manager_id=manager_id,
        manager_password=form.get("manager_override.password") or None,
        store_code=p.ctx.store_code,
        now=p.now,
        client=client_address(p.request),
    )
    return Context(
        uow=p.uow,
        hq=p.ctx.hq,
        payments=p.ctx.payments,
        auth=authorization,
        store_code=p.ctx.store_code,
        now=p.now,
        operation_id=operation_id_of(form),
    )


def latest(p: Req, ref: str) -> Order:
    return order_operations.latest(use_case_context(p, {}), ref)


def show(
    p: Req,
    template: str,
    *,
    order: Order,
    form: Fields,
    errors: dict[str, str] | None = None,
    **extra: Any,
) -> HTMLResponse:
    """An action page, with `errors` (422) or without (200)."""
    errors = errors or {}
    # The version the associate sees goes back with the form: if someone changed the order
    # meanwhile, HQ refuses the action (409) instead of applying it to an order not shown.
    form.setdefault("version", str(order.version))
    return render(
        p.request,
        template,
        ctx=p.ctx,
        staff=p.staff,
        status_code=422 if errors else 200,
        order=order,
        form=form,
        errors=errors,
        zone=p.zone,
        today=p.today,
        lines_by_id={line.id: line for line in order.lines},
        reasons=RETURN_REASONS,
        returnable=offers.returnable,
        show_manager="manager_override" in errors or bool(form.get("manager_override.operator_id")),
        **extra,
    )


def redirect_done(order: Order, what: str) -> RedirectResponse:
    """Back to the order, which says what was done (orders.DONE_MESSAGES)."""
    return RedirectResponse(f"/orders/{order.channel_ref}?done={what}", status_code=303)

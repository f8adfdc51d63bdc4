"""Signing in and out at the store's POS, and the home page a signed-in associate lands on.

The form and its rules are the HQ back office's too (entrypoints/signin.py); here staff sign
in to this store, so only staff who may work at it get in.
"""

from __future__ import annotations

from functools import partial

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from omniorder.entrypoints import signin as shared
from omniorder.entrypoints.deps import NowDep, UowDep
from omniorder.entrypoints.store.context import StoreCtx
from omniorder.entrypoints.store.pages.common import PageStaff, page_router, render
from omniorder.service_layer import work_lists

router = page_router()


@router.get("/signin", response_class=HTMLResponse)
def sign_in_page(request: Request, ctx: StoreCtx, next: str = "/") -> HTMLResponse:
    return shared.sign_in_form(request, partial(render, ctx=ctx, staff=None), next=next)


@router.post("/signin", response_class=HTMLResponse)
def sign_in(
    request: Request,
    ctx: StoreCtx,
    uow: UowDep,
    now: NowDep,
    operator_id: shared.OperatorIdField = "",
    password: shared.PasswordField = "",
    next: shared.NextField = "/",
) -> Response:
    return shared.sign_in(
        request,
        partial(render, ctx=ctx, staff=None),
        uow,
        now=now,
        operator_id=operator_id,
        password=password,
        next=next,
        store_code=ctx.store_code,
        hours=ctx.settings.session_hours,
    )


@router.post("/signout")
def sign_out(request: Request, uow: UowDep) -> Response:
    return shared.sign_out(request, uow)


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, ctx: StoreCtx, staff: PageStaff, uow: UowDep, now: NowDep
) -> HTMLResponse:
    work = work_lists.store_work(uow, store_code=ctx.store_code, now=now)
    return render(request, "home.html", ctx=ctx, staff=staff, work=work)

"""The HQ back office (HTML): sign in and out, and the page plumbing the other page modules
share.

Pages authenticate like the HQ API (a session token, here in an HttpOnly cookie) and only
HQ staff (role hq_admin) may use them. Every POST form carries a CSRF token (web.py).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omniorder.domain.errors import PermissionDenied
from omniorder.domain.staff import Role, Staff
from omniorder.entrypoints import signin
from omniorder.entrypoints.deps import NowDep, UowDep, get_ctx
from omniorder.entrypoints.web import (
    Names,
    html_error,
    make_templates,
    page_globals,
    page_route_class,
    require_session_token,
    use_names,
)
from omniorder.service_layer import auth
from omniorder.service_layer.unit_of_work import UnitOfWork

TEMPLATES = make_templates(Path(__file__).parent / "templates")
PageRoute = page_route_class(html_error(TEMPLATES, "error.html"))


def page_router() -> APIRouter:
    """A router for back-office pages: CSRF-checked POSTs, errors as pages in words."""
    return APIRouter(include_in_schema=False, route_class=PageRoute)


router = page_router()


def page_staff(request: Request, uow: UowDep, now: NowDep) -> Staff:
    idle = get_ctx(request).settings.session_idle_minutes
    staff = auth.staff_for_token(uow, require_session_token(request), now=now, idle_minutes=idle)
    request.state.operator_id = staff.operator_id  # the access line names who did it
    if staff.role is not Role.HQ_ADMIN:
        raise PermissionDenied("hq_admin", f"{staff.name} may not use the back office.")
    return staff


PageStaff = Annotated[Staff, Depends(page_staff)]


def render(
    request: Request,
    name: str,
    *,
    staff: Staff | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    use_names(Names.load(get_ctx(request).uow()))
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {"staff": staff, "nav": request.url.path, **page_globals(request), **context},
        status_code=status_code,
    )


def currency_of(uow: UnitOfWork) -> str:
    with uow:
        parameters = uow.records.parameters()
        return parameters.currency if parameters else "USD"


# -- sign in / sign out (the shared form: entrypoints/signin.py) ----------------------------


@router.get("/signin", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/") -> HTMLResponse:
    return signin.sign_in_form(request, partial(render, staff=None), next=next)


@router.post("/signin", response_class=HTMLResponse)
def sign_in(
    request: Request,
    uow: UowDep,
    now: NowDep,
    operator_id: signin.OperatorIdField = "",
    password: signin.PasswordField = "",
    next: signin.NextField = "/",
) -> Response:
    return signin.sign_in(
        request,
        partial(render, staff=None),
        uow,
        now=now,
        operator_id=operator_id,
        password=password,
        next=next,
        store_code=None,
        hours=get_ctx(request).settings.session_hours,
    )


@router.post("/signout")
def sign_out(request: Request, uow: UowDep) -> Response:
    return signin.sign_out(request, uow)


@router.get("/")
def home(staff: PageStaff) -> Response:
    return RedirectResponse("/sales-orders", status_code=303)

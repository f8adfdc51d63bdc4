"""The HQ back office (HTML): sign in and out, and the page plumbing the other page modules
share.

Pages authenticate like the HQ API (a session token, here in an HttpOnly cookie) and only
HQ staff (role hq_admin) may use them. Every POST form carries a CSRF token (web.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omniorder.domain.errors import OmniorderError, PermissionDenied
from omniorder.domain.staff import Role, Staff
from omniorder.entrypoints.deps import NowDep, UowDep, get_ctx
from omniorder.entrypoints.web import (
    clear_session_cookie,
    field_errors,
    html_error,
    make_templates,
    page_globals,
    page_route_class,
    require_session_token,
    session_token,
    set_session_cookie,
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
    staff = auth.staff_for_token(uow, require_session_token(request), now=now)
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


def safe_next(target: str) -> str:
    """Only paths on this server: never `//other.site` or an absolute URL."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


# -- sign in / sign out ---------------------------------------------------------------------


@router.get("/signin", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "signin.html", staff=None, next=safe_next(next), form={}, errors={})


@router.post("/signin", response_class=HTMLResponse)
def sign_in(
    request: Request,
    uow: UowDep,
    now: NowDep,
    operator_id: Annotated[str, Form(max_length=20)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    errors: dict[str, str] = {}
    if not operator_id.strip():
        errors["operator_id"] = "Enter your operator id."
    if not password:
        errors["password"] = "Enter your password."
    if not errors:
        hours = get_ctx(request).settings.session_hours
        try:
            token, _staff = auth.sign_in(
                uow,
                operator_id=operator_id.strip(),
                password=password,
                store_code=None,
                now=now,
                hours=hours,
            )
        except OmniorderError as error:
            errors = {
                ("password" if key.startswith("permission:") else key): message
                for key, message in field_errors(error).items()
            }
        else:
            response = RedirectResponse(safe_next(next), status_code=303)
            set_session_cookie(request, response, token, hours)
            return response
    return render(
        request,
        "signin.html",
        staff=None,
        status_code=422,
        next=safe_next(next),
        form={"operator_id": operator_id},
        errors=errors,
    )


@router.post("/signout")
def sign_out(request: Request, uow: UowDep) -> Response:
    token = session_token(request)
    if token:
        auth.sign_out(uow, token=token)
    response = RedirectResponse("/signin", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/")
def home(staff: PageStaff) -> Response:
    return RedirectResponse("/sales-orders", status_code=303)

"""Signing in and out of the HTML pages: the same form and rules for the HQ back office and
the store POS.

Each app keeps its own `/signin` and `/signout` routes (their dependencies differ: the store
signs staff in to its own store, HQ to none) and hands the work to the functions here. A
signed-in browser gets the session cookie (web.py) and goes on to the page it first asked
for, on this server only (`safe_next`); a refused sign-in shows the form again (422) with
the reason next to the field it concerns. The form is the shared templates/signin.html.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omniorder.domain.errors import OmniorderError, TooManyAttempts
from omniorder.entrypoints.deps import client_address
from omniorder.entrypoints.web import (
    clear_session_cookie,
    field_errors,
    session_token,
    set_session_cookie,
)
from omniorder.service_layer import auth
from omniorder.service_layer.unit_of_work import UnitOfWork

TEMPLATE = "signin.html"

# The sign-in form's fields, as both apps' POST /signin take them.
OperatorIdField = Annotated[str, Form(max_length=20)]
PasswordField = Annotated[str, Form(max_length=200)]
NextField = Annotated[str, Form(max_length=500)]

RenderPage = Callable[..., HTMLResponse]
"""An app's `render(request, name, *, status_code=200, **context)`, with what that app's pages
also need (no staff yet; the store's own context) already bound, e.g. with functools.partial."""


def safe_next(target: str) -> str:
    """Only paths on this server: never `//other.site` or an absolute URL."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def sign_in_form(request: Request, render: RenderPage, *, next: str) -> HTMLResponse:
    """The empty sign-in form; `next` is where to go once signed in."""
    return render(request, TEMPLATE, next=safe_next(next), form={}, errors={})


def sign_in(
    request: Request,
    render: RenderPage,
    uow: UnitOfWork,
    *,
    now: datetime,
    operator_id: str,
    password: str,
    next: str,
    store_code: str | None,
    hours: int,
) -> Response:
    """Sign in at `store_code` (None: HQ) for `hours`: a redirect to `next` with the session
    cookie set, or the form again with what stopped it."""
    errors: dict[str, str] = {}
    status = 422
    if not operator_id.strip():
        errors["operator_id"] = "Enter your operator id."
    if not password:
        errors["password"] = "Enter your password."
    if not errors:
        try:
            token, _staff = auth.sign_in(
                uow,
                operator_id=operator_id.strip(),
                password=password,
                store_code=store_code,
                now=now,
                hours=hours,
                client=client_address(request),
            )
        except OmniorderError as error:
            status = 429 if isinstance(error, TooManyAttempts) else 422
            # Not allowed to sign in here: said next to the password, like a wrong one.
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
        TEMPLATE,
        status_code=status,
        next=safe_next(next),
        form={"operator_id": operator_id},
        errors=errors,
    )


def sign_out(request: Request, uow: UnitOfWork) -> Response:
    """End the session (if there is one) and go back to the sign-in form."""
    token = session_token(request)
    if token:
        auth.sign_out(uow, token=token)
    response = RedirectResponse("/signin", status_code=303)
    clear_session_cookie(request, response)
    return response

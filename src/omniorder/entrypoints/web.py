"""What the HTML pages of both servers share: the session cookie, CSRF, Jinja and money format.

The browser holds the same bearer token the API uses, in an HttpOnly, SameSite=Lax cookie, so
page routes authenticate exactly like API routes (service_layer/auth.py). Each server has its
own cookie name (`omniorder_hq`, `omniorder_store_S001`), so servers on one host name do not
overwrite each other's sign-in, and the cookies are Secure when the settings say the server is
reached over TLS (`OMNIORDER_TLS=1`). Every POST form
carries a CSRF token: derived from the session token once signed in, and a random
double-submit cookie before (the sign-in form).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Coroutine
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from omniorder.domain.errors import (
    InvalidInput,
    OmniorderError,
    PermissionDenied,
    TooManyAttempts,
    Unavailable,
    WrongCredentials,
)
from omniorder.domain.money import MINOR_UNITS, Money
from omniorder.entrypoints import history_words
from omniorder.service_layer import auth

SESSION_COOKIE = "omniorder_session"  # only when a request reaches no server's app context
PRESESSION_COOKIE = "omniorder_csrf"
CSRF_FIELD = "csrf_token"

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "JPY": "¥"}


# -- money and dates ------------------------------------------------------------------------


def format_money(money: Money | None) -> str:
    """$1,299.00 — grouped, with the currency's minor units; a minus sign for refunds."""
    if money is None:
        return ""
    decimals = MINOR_UNITS[money.currency]
    text = f"{abs(money.to_decimal()):,.{decimals}f}"
    symbol = CURRENCY_SYMBOLS.get(money.currency)
    text = f"{symbol}{text}" if symbol else f"{text} {money.currency}"
    return f"−{text}" if money.amount < 0 else text


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def format_percent(value: Decimal) -> str:
    """10.00 → "10", 8.875 → "8.875" (never "1E+1")."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def words(value: object) -> str:
    """An enum value or code as words: "partially_invoiced" → "Partially invoiced"."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def field_id(name: str) -> str:
    """An HTML id for a field path: "lines[0].requested_date" → "lines-0-requested_date"."""
    return re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-") or "form"


SHARED_TEMPLATES = Path(__file__).parent / "templates"


def make_templates(directory: Path) -> Jinja2Templates:
    """An app's templates: its own `directory` first, then the ones both apps share
    (SHARED_TEMPLATES: signin.html and _macros.html)."""
    templates = Jinja2Templates(directory=[directory, SHARED_TEMPLATES])
    env = templates.env
    env.filters["money"] = format_money
    env.filters["day"] = format_date
    env.filters["words"] = words
    env.filters["fid"] = field_id
    env.filters["percent"] = format_percent
    env.filters["event_words"] = history_words.describe
    env.globals["CSRF_FIELD"] = CSRF_FIELD
    return templates


# -- session cookie -------------------------------------------------------------------------


def session_cookie_name(request: Request) -> str:
    """`omniorder_hq` at HQ, `omniorder_store_<code>` at a store."""
    ctx = getattr(request.app.state, "ctx", None)
    if ctx is None:
        return SESSION_COOKIE
    store_code = getattr(ctx, "store_code", None)
    return f"omniorder_store_{store_code}" if store_code else "omniorder_hq"


def secure_cookies(request: Request) -> bool:
    """Secure cookies when the settings say the server is reached over HTTPS (not from the
    request's scheme, which is http behind a TLS proxy)."""
    ctx = getattr(request.app.state, "ctx", None)
    return bool(ctx is not None and ctx.settings.tls)


def session_token(request: Request) -> str | None:
    return request.cookies.get(session_cookie_name(request)) or None


def require_session_token(request: Request) -> str:
    token = session_token(request)
    if token is None:
        raise auth.NotSignedIn("Sign in first.")
    return token


def set_session_cookie(request: Request, response: Response, token: str, hours: int) -> None:
    response.set_cookie(
        session_cookie_name(request),
        token,
        max_age=hours * 3600,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )
    response.delete_cookie(PRESESSION_COOKIE, path="/")


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(session_cookie_name(request), path="/")


# -- CSRF -----------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The token every POST form of this browser session must send back."""
    token = session_token(request)
    if token is not None:
        return hashlib.sha256(f"omniorder-csrf:{token}".encode()).hexdigest()
    presession = request.cookies.get(PRESESSION_COOKIE)
    if not presession:
        presession = getattr(request.state, "new_presession", None) or secrets.token_urlsafe(32)
        request.state.new_presession = presession
    return presession


def remember_presession(request: Request, response: Response) -> None:
    """Set the pre-session CSRF cookie if this request had to invent one."""
    value = getattr(request.state, "new_presession", None)
    if value:
        response.set_cookie(
            PRESESSION_COOKIE,
            value,
            httponly=True,
            samesite="lax",
            secure=secure_cookies(request),
            path="/",
        )


class CsrfMismatch(Exception):
    pass


async def check_csrf(request: Request) -> None:
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    has_cookie = session_token(request) is not None or PRESESSION_COOKIE in request.cookies
    if not isinstance(sent, str) or not has_cookie:
        raise CsrfMismatch
    if not hmac.compare_digest(sent, csrf_token(request)):
        raise CsrfMismatch


# -- error pages ----------------------------------------------------------------------------

ErrorPage = Callable[[Request, int, str, str], Response]


def page_route_class(render_error: ErrorPage, sign_in_path: str = "/signin") -> type[APIRoute]:
    """A route class for HTML pages: checks CSRF on every POST before the handler runs,
    sends a visitor who is not signed in to the sign-in page, and shows any other domain
    error as a page in words (never a stack trace or a JSON body)."""

    class PageRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def page_handler(request: Request) -> Response:
                try:
                    if request.method == "POST":
                        await check_csrf(request)
                    response = await handler(request)
                except CsrfMismatch:
                    return render_error(
                        request,
                        403,
                        "This form has expired",
                        "The page was open too long or came from another site, so it was not "
                        "sent. Go back, reload the page and try again.",
                    )
                except WrongCredentials as error:
                    # A manager override's password, not this browser's session.
                    return render_error(request, 401, "Please check", error.message)
                except auth.NotSignedIn:
                    target = request.url.path if request.method == "GET" else "/"
                    return RedirectResponse(
                        f"{sign_in_path}?next={quote(target, safe='/')}", status_code=303
                    )
                except OmniorderError as error:
                    status, title = _error_status(error)
                    return render_error(request, status, title, error.message)
                remember_presession(request, response)
                response.headers.setdefault("Cache-Control", "no-store")
                return response

            return page_handler

    return PageRoute


def _error_status(error: OmniorderError) -> tuple[int, str]:
    from omniorder.entrypoints.http_errors import status_for

    titles = {
        403: "Not allowed",
        404: "Not found",
        409: "Not possible now",
        422: "Please check",
        429: "Too many attempts",
        503: "HQ cannot be reached",
    }
    status = status_for(error)
    return status, titles.get(status, "Something went wrong")


def field_errors(error: OmniorderError) -> dict[str, str]:
    """The error keyed by the form field it concerns ("" for the whole form)."""
    if isinstance(error, InvalidInput | WrongCredentials | TooManyAttempts):
        return {error.field: error.message}
    if isinstance(error, PermissionDenied):
        return {f"permission:{error.permission}": error.message}
    if isinstance(error, Unavailable):
        return {"": f"{error.message} Nothing was created; try again in a moment."}
    return {"": error.message}


def html_error(templates: Jinja2Templates, template: str) -> ErrorPage:
    def render(request: Request, status: int, title: str, message: str) -> HTMLResponse:
        response = templates.TemplateResponse(
            request,
            template,
            {"title": title, "message": message, "status": status, **page_globals(request)},
            status_code=status,
        )
        remember_presession(request, response)
        return response

    return render


def page_globals(request: Request) -> dict[str, Any]:
    return {"csrf_token": csrf_token(request)}


def format_local(value: datetime | None, zone: tzinfo) -> str:
    """A UTC time as the store's wall clock: "2025-03-01 14:05 EST"."""
    if value is None:
        return ""
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")

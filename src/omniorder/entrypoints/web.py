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
import logging
import re
import secrets
import uuid
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel.numbers import format_currency
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException

from omniorder.adapters.orm import DeliveryModeRow, StaffRow, StoreRow
from omniorder.domain.errors import (
    InvalidInput,
    OmniorderError,
    PermissionDenied,
    TooManyAttempts,
    Unavailable,
    WrongCredentials,
)
from omniorder.domain.money import MINOR_UNITS, Money
from omniorder.domain.settlement import balance_of
from omniorder.entrypoints import history_words
from omniorder.service_layer import auth
from omniorder.service_layer.unit_of_work import UnitOfWork

SESSION_COOKIE = "omniorder_session"  # only when a request reaches no server's app context
PRESESSION_COOKIE = "omniorder_csrf"
CSRF_FIELD = "csrf_token"

logger = logging.getLogger("omniorder.pages")

# The deployment's locale (OMNIORDER_LOCALE, default en_US): how amounts and dates read on
# every page and document. Set once by each app factory from its settings (`use_locale`).
_LOCALE = ["en_US"]


def use_locale(name: str) -> None:
    """Format money and dates for this locale (a CLDR name such as en_US, fr_CA, de_DE)."""
    try:
        _LOCALE[0] = str(Locale.parse(name))
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValueError(
            f"OMNIORDER_LOCALE={name!r} is not a locale Babel knows (en_US, en_GB, fr_CA, …)"
        ) from None


# -- money and dates ------------------------------------------------------------------------


def format_money(money: Money | None) -> str:
    """The amount in the deployment's locale and currency, by Babel (CLDR): "$1,299.00" in
    en_US, "1 299,00 $" in fr_CA; the currency's ISO 4217 minor units; refunds negative."""
    if money is None:
        return ""
    return format_currency(money.to_decimal(), money.currency, locale=_LOCALE[0])


def money_input(money: Money | None) -> str:
    """An amount as a form field takes it back ("1299.00"): digits and a point, no grouping."""
    return "" if money is None else str(money.to_decimal())


def money_format_attributes(currency: str) -> Markup:
    """HTML attributes that let pos.js show an amount it computes (the change for cash) the
    way `format_money` does: the locale (BCP 47) and the currency with its minor units, for
    the browser's Intl.NumberFormat — pos.js never writes a currency symbol itself."""
    return Markup(
        f'data-locale="{_LOCALE[0].replace("_", "-")}" data-currency="{currency}" '
        f'data-minor-units="{MINOR_UNITS[currency]}"'
    )


def format_date(value: date | datetime | None) -> str:
    """A calendar day in the deployment's locale ("Dec 7, 2026"). A moment in time belongs
    in its store's zone (`format_local`); given one here, it is shown in UTC, saying so."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_local(value, None)
    return babel_dates.format_date(value, "medium", locale=_LOCALE[0])


def format_local(value: datetime | None, zone: tzinfo | str | None) -> str:
    """A UTC time as the store's wall clock, with its zone: "Dec 1, 2026, 11:15 PM EST"
    (`zone` a tzinfo or an IANA name such as "America/New_York"; None: UTC)."""
    if value is None:
        return ""
    if zone is None:
        zone = UTC
    elif isinstance(zone, str):
        zone = ZoneInfo(zone)
    locale = Locale.parse(_LOCALE[0])
    day = babel_dates.format_date(value.astimezone(zone).date(), "medium", locale=locale)
    time = babel_dates.format_time(value, "short", tzinfo=zone, locale=locale)
    zone_name = babel_dates.format_time(value, "z", tzinfo=zone, locale=locale)
    return f"{locale.datetime_formats['medium'].format(time, day)} {zone_name}"


# -- names instead of codes ------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """Stores' and staff's names for one page, read once per render: people see "Downtown"
    and "Casey Downtown", not S001 and 1001."""

    stores: dict[str, str]
    staff: dict[str, str]
    delivery_modes: dict[str, str]
    addresses: dict[str, list[str]]

    @classmethod
    def load(cls, uow: UnitOfWork) -> Names:
        with uow:
            rows = uow.records.list(StoreRow, StoreRow.code)
            stores = {row.code: row.name for row in rows}
            addresses = {row.code: address_lines(row) for row in rows}
            staff = {
                row.operator_id: row.name
                for row in uow.records.list(StaffRow, StaffRow.operator_id)
            }
            modes = {row.code: row.name for row in uow.records.list(DeliveryModeRow)}
        return cls(stores, staff, modes, addresses)


def address_lines(store: StoreRow) -> list[str]:
    """A store's postal address and phone as printed: "120 Broadway", "New York NY 10271",
    "(212) 555-0120" — as far as its record holds them."""
    town = " ".join(part for part in (store.city, store.region, store.postal_code) if part)
    return [part for part in (store.street, town, store.phone) if part]


_NAMES: ContextVar[Names | None] = ContextVar("omniorder_page_names", default=None)


def use_names(names: Names) -> None:
    """The names the templates rendered next in this request use (`store_name`, `person`)."""
    _NAMES.set(names)


def store_name(code: str | None) -> str:
    """A store's name ("Downtown"); its code when this server does not know it."""
    names = _NAMES.get()
    if not code:
        return ""
    return names.stores.get(code, code) if names else code


def store_address(code: str | None) -> str:
    """A store's address on one line; empty when this server does not know it."""
    names = _NAMES.get()
    return ", ".join(names.addresses.get(code, [])) if names and code else ""


def delivery_mode_name(code: str | None) -> str:
    """A delivery mode's name ("Standard delivery"); its code when not known here."""
    names = _NAMES.get()
    if not code:
        return ""
    return names.delivery_modes.get(code, code) if names else code


def person(operator_id: str | None) -> str:
    """A staff member's name ("Casey Downtown"); "operator 1001" when this server does not
    know them (another store's associate)."""
    names = _NAMES.get()
    if not operator_id:
        return ""
    name = names.staff.get(operator_id) if names else None
    return name or f"operator {operator_id}"


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
    env.filters["local"] = format_local
    env.filters["amount_input"] = money_input
    env.filters["balance"] = balance_of
    env.filters["store_name"] = store_name
    env.filters["store_address"] = store_address
    env.filters["person"] = person
    env.filters["delivery_mode_name"] = delivery_mode_name
    env.filters["words"] = words
    env.filters["fid"] = field_id
    env.filters["percent"] = format_percent
    env.filters["event_words"] = partial(history_words.describe, money=format_money)
    env.globals["CSRF_FIELD"] = CSRF_FIELD
    env.globals["money_format"] = money_format_attributes
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
                except (StarletteHTTPException, RequestValidationError):
                    raise  # answered by the app's handlers (entrypoints/http_errors.py)
                except Exception:
                    # Anything else is our fault: a page of ours, and a reference the log
                    # carries with the traceback, so the associate can quote it.
                    reference = error_reference(request)
                    logger.exception(
                        "unexpected error on %s %s (reference %s)",
                        request.method,
                        request.url.path,
                        reference,
                    )
                    return render_error(
                        request,
                        500,
                        "Something went wrong",
                        "This was not saved or was only partly done: open the order again to "
                        "see where it stands. If it happens again, tell support the "
                        "reference below.",
                    )
                remember_presession(request, response)
                response.headers.setdefault("Cache-Control", "no-store")
                return response

            return page_handler

    return PageRoute


def error_reference(request: Request) -> str:
    """The reference an unexpected error is shown and logged with: the request's id when the
    logging middleware gave it one (`request.state.request_id`), else a new one."""
    reference = getattr(request.state, "request_id", None)
    if not reference:
        reference = uuid.uuid4().hex[:12]
        request.state.request_id = reference
    request.state.error_reference = str(reference)
    return str(reference)


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
            {
                "title": title,
                "message": message,
                "status": status,
                "reference": getattr(request.state, "error_reference", None),
                **page_globals(request),
            },
            status_code=status,
        )
        remember_presession(request, response)
        return response

    return render


def page_globals(request: Request) -> dict[str, Any]:
    return {"csrf_token": csrf_token(request)}

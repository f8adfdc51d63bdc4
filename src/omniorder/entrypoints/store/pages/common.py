"""What every store POS page shares: the templates, the page router, the signed-in staff
and `render()`, which gives each template the staff and the store's code.

Page routes check CSRF on every POST, send a visitor who is not signed in to the sign-in
page and show domain errors as a page in words (web.py, `page_route_class`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from omniorder.domain.staff import Staff
from omniorder.entrypoints.barcodes import qr_svg
from omniorder.entrypoints.deps import NowDep, UowDep, get_ctx
from omniorder.entrypoints.store.context import StoreContext
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

TEMPLATES = make_templates(Path(__file__).parent.parent / "templates")
TEMPLATES.env.filters["qr"] = qr_svg
PageRoute = page_route_class(html_error(TEMPLATES, "error.html"))


def page_router() -> APIRouter:
    """A router for POS pages: CSRF-checked POSTs, errors as pages in words."""
    return APIRouter(include_in_schema=False, route_class=PageRoute)


def page_staff(request: Request, uow: UowDep, now: NowDep) -> Staff:
    idle = get_ctx(request).settings.session_idle_minutes
    staff = auth.staff_for_token(uow, require_session_token(request), now=now, idle_minutes=idle)
    request.state.operator_id = staff.operator_id  # the access line names who did it
    return staff


PageStaff = Annotated[Staff, Depends(page_staff)]


def render(
    request: Request,
    name: str,
    *,
    ctx: StoreContext,
    staff: Staff | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    use_names(Names.load(ctx.uow()))
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {"staff": staff, "store_code": ctx.store_code, **page_globals(request), **context},
        status_code=status_code,
    )

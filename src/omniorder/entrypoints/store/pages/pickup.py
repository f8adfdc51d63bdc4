"""Picking up at the store (docs/rules.md §5): the customer collects some or all of the lines
to pick up here, pays what is still due (shown first, confirmed second) and gets an invoice.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse, Response

from omniorder.domain.errors import OmniorderError
from omniorder.domain.money import Money
from omniorder.domain.order import Order
from omniorder.domain.settlement import Handover
from omniorder.entrypoints.store import offers
from omniorder.entrypoints.store.pages.actions import (
    ReqDep,
    latest,
    redirect_done,
    show,
    use_case_context,
)
from omniorder.entrypoints.store.pages.common import page_router
from omniorder.entrypoints.store.pages.forms import (
    FormDep,
    FormErrors,
    change_for,
    check_quoted,
    fields_of,
    new_fields,
    payments_for,
    placed_errors,
    quantities_of,
    refund_tender_of,
    version_of,
)
from omniorder.service_layer import order_operations

router = page_router()


def _pickup_lines(order: Order, store_code: str) -> list[Any]:
    return [
        line
        for line in order.lines
        if offers.is_pickup_here(line, store_code) and line.open_qty > 0
    ]


@router.get("/orders/{ref}/pickup", response_class=HTMLResponse)
def pickup_page(ref: str, p: ReqDep) -> HTMLResponse:
    order = latest(p, ref)
    lines = _pickup_lines(order, p.ctx.store_code)
    form = new_fields(
        collected_by=next((line.pickup_by for line in lines if line.pickup_by), None)
        or order.customer_name,
        **{f"lines.{line.id}": str(line.open_qty) for line in lines},
    )
    return show(p, "pickup.html", order=order, form=form, lines=lines, due=None, handover=None)


@router.post("/orders/{ref}/pickup", response_class=HTMLResponse)
def pick_up(ref: str, p: ReqDep, raw: FormDep) -> Response:
    form = fields_of(raw)
    confirm = form.get("action") == "confirm"
    due: Money | None = None
    handover: Handover | None = None
    order: Order | None = None
    try:
        context = use_case_context(p, form)
        order = order_operations.latest(context, ref)
        quantities = quantities_of(form)
        if not quantities:
            raise FormErrors({"lines": "Enter how many of at least one line are collected."})
        handover = order_operations.pickup_handover(context, ref=ref, quantities=quantities)
        due = handover.due
        if confirm:
            check_quoted(form, due)
            order = order_operations.pick_up(
                context,
                ref=ref,
                quantities=quantities,
                collected_by=form.get("collected_by", ""),
                payments=payments_for(form, due),
                refund_tender=refund_tender_of(form),
                expected_version=version_of(form),
            )
            return redirect_done(order, "picked_up")
        form["quoted_due"] = str(due.to_decimal())
        errors: dict[str, str] = {}
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        errors = placed_errors(error)
    order = order or latest(p, ref)
    return show(
        p,
        "pickup.html",
        order=order,
        form=form,
        errors=errors,
        lines=_pickup_lines(order, p.ctx.store_code),
        due=due,
        handover=handover,
        change=change_for(form, due),
    )

"""Cancelling (docs/rules.md §6): the whole order, with a cancellation charge and the refund
shown before it is confirmed, or some of its lines.

The page holds two forms, each with its own operation id: cancel the order
(`operation_id`) and cancel lines (`lines_operation_id`). Each has its own manager approval
fields (the lines form's are `lines_manager_override.*`): cancelling every line of an order
needs a manager's override as cancelling the order does (domain/cancellation.py).
"""

from __future__ import annotations

import re
import uuid

from fastapi.responses import HTMLResponse, Response

from omniorder.domain.errors import OmniorderError
from omniorder.domain.money import Money
from omniorder.entrypoints.store.pages.actions import (
    ReqDep,
    latest,
    redirect_done,
    show,
    use_case_context,
)
from omniorder.entrypoints.store.pages.common import page_router
from omniorder.entrypoints.store.pages.forms import (
    Fields,
    FormDep,
    FormErrors,
    amount_of,
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
from omniorder.service_layer import operation_requests as requests
from omniorder.service_layer import order_operations
from omniorder.service_layer.order_operations import Preview

router = page_router()

# The cancel-lines form's manager approval fields, beside the whole-order form's.
LINES_MANAGER = "lines_manager_override"


def _cancel_charge(form: Fields, currency: str) -> Money:
    charge = amount_of(form, "charge", currency, required=True)
    assert charge is not None
    return charge


@router.get("/orders/{ref}/cancel", response_class=HTMLResponse)
def cancel_page(ref: str, p: ReqDep) -> HTMLResponse:
    context = use_case_context(p, {})
    order = order_operations.latest(context, ref)
    form = new_fields(lines_operation_id=str(uuid.uuid4()))
    errors: dict[str, str] = {}
    result: Preview | None = None
    try:
        charge = order_operations.cancellation_charge(context, ref=ref)
        form["charge"] = str(charge.to_decimal())
        request = requests.CancelRequest(charge=charge, refund_tender=refund_tender_of(form))
        result = order_operations.preview(context, ref=ref, request=request)
        form["quoted_due"] = str(result.due.to_decimal())
    except OmniorderError as error:
        errors = placed_errors(error)
    return show(
        p,
        "cancel.html",
        order=order,
        form=form,
        errors=errors,
        preview=result,
        show_lines_manager=False,
    )


@router.post("/orders/{ref}/cancel", response_class=HTMLResponse)
def cancel(ref: str, p: ReqDep, raw: FormDep) -> Response:
    form = fields_of(raw)
    result: Preview | None = None
    try:
        context = use_case_context(p, form)
        charge = _cancel_charge(form, p.currency)
        request = requests.CancelRequest(charge=charge, refund_tender=refund_tender_of(form))
        result = order_operations.preview(context, ref=ref, request=request)
        if form.get("action") == "confirm":
            check_quoted(form, result.due)
            done = order_operations.cancel_order(
                context,
                ref=ref,
                charge=charge,
                payments=payments_for(form, result.due),
                refund_tender=refund_tender_of(form),
                expected_version=version_of(form),
            )
            return redirect_done(done, "cancelled")
        form["quoted_due"] = str(result.due.to_decimal())
        errors: dict[str, str] = {}
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        errors = placed_errors(error)
    order = latest(p, ref)
    due = result.due if result else None
    return show(
        p,
        "cancel.html",
        order=order,
        form=form,
        errors=errors,
        preview=result,
        change=change_for(form, due),
        show_lines_manager=False,
    )


@router.post("/orders/{ref}/cancel-lines", response_class=HTMLResponse)
def cancel_lines(ref: str, p: ReqDep, raw: FormDep) -> Response:
    form = fields_of(raw)
    try:
        quantities = quantities_of(form, "cancel.")
        if not quantities:
            raise FormErrors({"cancel": "Enter how many of at least one line to cancel."})
        lines_form = {
            **form,
            "operation_id": form.get("lines_operation_id", ""),
            "manager_override.operator_id": form.get(f"{LINES_MANAGER}.operator_id", ""),
            "manager_override.password": form.get(f"{LINES_MANAGER}.password", ""),
        }
        order = order_operations.cancel_lines(
            use_case_context(p, lines_form),
            ref=ref,
            quantities=quantities,
            refund_tender=refund_tender_of({"refund_tender": form.get("lines_refund_tender", "")}),
            expected_version=version_of(form),
        )
        return redirect_done(order, "lines_cancelled")
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        # The domain names the line as "lines.<id>"; on this page that is "cancel.<id>"; the
        # approval this form lacks goes next to its own manager fields.
        errors = {
            LINES_MANAGER if k == "manager_override" else re.sub(r"^lines", "cancel", k): v
            for k, v in placed_errors(error).items()
        }
    form["operation_id"] = str(uuid.uuid4())  # the other form's, which was not sent
    order = latest(p, ref)
    return show(
        p,
        "cancel.html",
        order=order,
        form=form,
        errors=errors,
        preview=None,
        show_lines_manager=LINES_MANAGER in errors
        or bool(form.get(f"{LINES_MANAGER}.operator_id")),
    )

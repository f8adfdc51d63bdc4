"""Converting a quote into a customer order (docs/rules.md §8): the deposit due is shown
first, then paid when the conversion is confirmed.
"""

from __future__ import annotations

from fastapi.responses import HTMLResponse, Response

from omniorder.domain.errors import OmniorderError
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
    version_of,
)
from omniorder.service_layer import operation_requests as requests
from omniorder.service_layer import order_operations
from omniorder.service_layer.order_operations import Preview

router = page_router()


@router.get("/orders/{ref}/convert", response_class=HTMLResponse)
def convert_page(ref: str, p: ReqDep) -> HTMLResponse:
    context = use_case_context(p, {})
    order = order_operations.latest(context, ref)
    form = new_fields()
    errors: dict[str, str] = {}
    result: Preview | None = None
    try:
        result = order_operations.preview(context, ref=ref, request=requests.ConvertRequest())
        form["quoted_due"] = str(result.due.to_decimal())
    except OmniorderError as error:
        errors = placed_errors(error)
    return show(
        p, "convert.html", order=order, form=form, errors=errors, preview=result, change=None
    )


@router.post("/orders/{ref}/convert", response_class=HTMLResponse)
def convert(ref: str, p: ReqDep, raw: FormDep) -> Response:
    form = fields_of(raw)
    result: Preview | None = None
    try:
        context = use_case_context(p, form)
        result = order_operations.preview(context, ref=ref, request=requests.ConvertRequest())
        check_quoted(form, result.due)
        done = order_operations.convert_quote(
            context,
            ref=ref,
            payments=payments_for(form, result.due),
            expected_version=version_of(form),
        )
        return redirect_done(done, "converted")
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        errors = placed_errors(error)
    order = latest(p, ref)
    due = result.due if result else None
    return show(
        p,
        "convert.html",
        order=order,
        form=form,
        errors=errors,
        preview=result,
        change=change_for(form, due),
    )

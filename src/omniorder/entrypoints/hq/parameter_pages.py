"""Back office: the retail parameters (docs/rules.md §1), saved by the same use case as
PUT /api/v1/parameters (`master_data.update_parameters`): same checks, same write."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omniorder.domain.errors import InvalidInput
from omniorder.entrypoints.deps import UowDep
from omniorder.entrypoints.hq import master_data_schemas as s
from omniorder.entrypoints.hq.form_fields import Choices, FormField, read_fields, shown, validate
from omniorder.entrypoints.hq.pages import PageStaff, page_router, render
from omniorder.service_layer import master_data
from omniorder.service_layer.unit_of_work import UnitOfWork

router = page_router()


def _charge_codes(uow: UnitOfWork) -> list[tuple[str, str]]:
    return [(c.code, c.description) for c in master_data.list_records(uow, "charge-codes")]


def _delivery_modes(kind: str) -> Choices:
    def choices(uow: UnitOfWork) -> list[tuple[str, str]]:
        modes = master_data.list_records(uow, "delivery-modes")
        return [(m.code, m.name) for m in modes if m.kind == kind]

    return choices


FIELDS: tuple[FormField, ...] = (
    FormField(
        "default_deposit_percent",
        "Default deposit",
        "percent",
        "Deposit required before an order is confirmed, as % of the order value.",
    ),
    FormField(
        "cancellation_charge_percent",
        "Cancellation charge",
        "percent",
        "Default charge when an order is cancelled, as % of the order total.",
    ),
    FormField(
        "cancellation_charge_code",
        "Cancellation charge code",
        is_optional=True,
        hint="Charge code the cancellation charge is recorded under. Empty: cancelling "
        "with a charge is refused.",
        suggestions=_charge_codes,
    ),
    FormField(
        "shipping_charge_code",
        "Shipping charge code",
        is_optional=True,
        hint="Charge code shipping charges are recorded under.",
        suggestions=_charge_codes,
    ),
    FormField(
        "is_shipping_refund_allowed",
        "Refund shipping charges",
        "bool",
        "Whether shipping charges can be refunded on returns.",
    ),
    FormField(
        "max_shipping_refund_without_approval_amount",
        "Maximum shipping refund without approval",
        "money",
        "Across all returns of one sales order; more needs a manager override.",
    ),
    FormField(
        "pickup_delivery_mode", "Pickup delivery mode", suggestions=_delivery_modes("pickup")
    ),
    FormField(
        "carry_out_delivery_mode",
        "Carry-out delivery mode",
        suggestions=_delivery_modes("carry_out"),
    ),
    FormField(
        "quote_expiration_days",
        "Quote expiration",
        "int",
        "A quote expires this many days after it is created.",
    ),
    FormField(
        "default_tax_rate",
        "Default tax rate",
        "rate",
        "Used where no rate is set for a tax group and jurisdiction.",
    ),
)
KINDS = {f.name: f.kind for f in FIELDS}


def _current(uow: UnitOfWork) -> s.Parameters:
    return s.Parameters.model_validate(master_data.get_parameters(uow))


def _page(
    request: Request,
    uow: UowDep,
    staff: PageStaff,
    *,
    current: s.Parameters,
    form: dict[str, str],
    errors: dict[str, str],
    saved: bool = False,
) -> HTMLResponse:
    return render(
        request,
        "parameters.html",
        staff=staff,
        status_code=422 if errors else 200,
        fields=FIELDS,
        form=form,
        errors=errors,
        currency=current.currency,
        suggestions={f.name: f.suggestions(uow) for f in FIELDS if f.suggestions},
        saved=saved,
    )


@router.get("/parameters", response_class=HTMLResponse)
def parameters_page(
    request: Request, uow: UowDep, staff: PageStaff, saved: bool = False
) -> HTMLResponse:
    current = _current(uow)
    data = current.model_dump()
    form = {f.name: shown(f.kind, data[f.name], current.currency) for f in FIELDS}
    return _page(request, uow, staff, current=current, form=form, errors={}, saved=saved)


@router.post("/parameters", response_class=HTMLResponse)
async def save_parameters(request: Request, uow: UowDep, staff: PageStaff) -> Response:
    submitted = await request.form()
    form = {f.name: str(submitted.get(f.name) or "") for f in FIELDS}
    current = _current(uow)
    values, errors = read_fields(FIELDS, form, current.currency)
    body = None
    if not errors:
        body, errors = validate(s.Parameters, {**current.model_dump(), **values}, KINDS)
    if body is not None:
        try:
            master_data.update_parameters(uow, body.model_dump())
        except InvalidInput as error:
            errors = {error.field: error.message}
        else:
            return RedirectResponse("/parameters?saved=true", status_code=303)
    return _page(request, uow, staff, current=current, form=form, errors=errors)

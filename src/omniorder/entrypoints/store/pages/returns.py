"""Returns (docs/rules.md §7): invoiced goods come back, one invoice at a time, each line
with a reason, and the customer is refunded, shipping too if the form says so.

Lines are named by position on the form ("lines[0].quantity"); the domain names them by
position in the request, which leaves out the lines not returned, so its errors are mapped
back to the form's positions.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.responses import HTMLResponse, Response

from omniorder.domain.errors import OmniorderError
from omniorder.domain.money import Money
from omniorder.domain.order import Order
from omniorder.domain.returns import ReturnLineIn
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
    amount_of,
    fields_of,
    indexed_rows,
    new_fields,
    placed_errors,
    refund_tender_of,
    uuid_or_none,
    version_of,
)
from omniorder.service_layer import order_operations

router = page_router()


def _invoice_of(order: Order, key: str) -> Any:
    for invoice in order.invoices:
        if key in (invoice.number, str(invoice.id)) and any(
            offers.returnable(order, invoice).values()
        ):
            return invoice
    return None


def _returnable_invoices(order: Order) -> list[Any]:
    return [i for i in order.invoices if any(offers.returnable(order, i).values())]


@router.get("/orders/{ref}/return", response_class=HTMLResponse)
def return_page(ref: str, p: ReqDep, invoice: str = "") -> HTMLResponse:
    order = latest(p, ref)
    invoices = _returnable_invoices(order)
    chosen = _invoice_of(order, invoice) if invoice else (invoices[0] if invoices else None)
    form = new_fields(shipping_refund="0.00")
    if chosen is not None:
        form["invoice"] = str(chosen.id)
    return show(p, "return.html", order=order, form=form, invoices=invoices, invoice=chosen)


@router.post("/orders/{ref}/return", response_class=HTMLResponse)
def return_goods(ref: str, p: ReqDep, raw: FormDep) -> Response:
    form = fields_of(raw)
    errors: dict[str, str] = {}
    sent: list[int] = []  # position on the form of each line sent, by position in the request
    try:
        lines = []
        for index, row in indexed_rows(form, "lines"):
            text = row.get("quantity", "")
            if not text or text == "0":
                continue
            if not text.isdecimal():
                errors[f"lines[{index}].quantity"] = "Enter the quantity as a whole number."
                continue
            if not row.get("reason_code"):
                errors[f"lines[{index}].reason_code"] = "Choose why it comes back."
                continue
            line_id = uuid_or_none(row.get("line_id", ""))
            if line_id is None:
                errors[f"lines[{index}].line_id"] = "This line is not on the invoice; reload."
                continue
            if len(text) > 6:
                errors[f"lines[{index}].quantity"] = "Enter a quantity the invoice holds."
                continue
            sent.append(index)
            lines.append(ReturnLineIn(line_id, int(text), row["reason_code"]))
        shipping = amount_of(form, "shipping_refund", p.currency) or Money.zero(p.currency)
        if errors:
            raise FormErrors(errors)
        order = order_operations.return_goods(
            use_case_context(p, form),
            ref=ref,
            invoice=form.get("invoice", ""),
            lines=tuple(lines),
            shipping_refund=shipping,
            refund_tender=refund_tender_of(form),
            expected_version=version_of(form),
        )
        return redirect_done(order, "returned")
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        errors = {}
        for key, message in placed_errors(error).items():
            match = re.match(r"^lines\[(\d+)\](.*)$", key)
            if match and int(match[1]) < len(sent):
                key = f"lines[{sent[int(match[1])]}]{match[2]}"
            errors[key] = message
    order = latest(p, ref)
    return show(
        p,
        "return.html",
        order=order,
        form=form,
        errors=errors,
        invoices=_returnable_invoices(order),
        invoice=_invoice_of(order, form.get("invoice", "")),
    )

"""Picking and packing at the store (docs/rules.md §5): create a pick list, mark lines
picked, pack picked ship lines.

The page holds three forms, each with its own operation id: the pick list
(`list_operation_id`), picking (`operation_id`) and packing (`pack_operation_id`).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omniorder.domain.errors import OmniorderError
from omniorder.domain.order import Order
from omniorder.entrypoints.store import offers
from omniorder.entrypoints.store.pages.actions import Req, ReqDep, latest, show, use_case_context
from omniorder.entrypoints.store.pages.common import page_router
from omniorder.entrypoints.store.pages.forms import (
    Fields,
    FormDep,
    FormErrors,
    fields_of,
    new_fields,
    placed_errors,
    quantities_of,
    version_of,
)
from omniorder.service_layer import order_operations

router = page_router()


def _picking_view(p: Req, order: Order) -> dict[str, Any]:
    code, warehouse = p.ctx.store_code, p.store.warehouse
    return {
        "pick_lines": [li for li in order.lines if offers.can_mark_picked(li, code)],
        "pack_lines": [li for li in order.lines if offers.can_pack(li)],
        "offer": offers.offers_for(order, store_code=code, warehouse=warehouse, today=p.today),
    }


@router.get("/orders/{ref}/picking", response_class=HTMLResponse)
def picking_page(ref: str, p: ReqDep, done: str = "") -> HTMLResponse:
    order = latest(p, ref)
    view = _picking_view(p, order)
    form = new_fields(pack_operation_id=str(uuid.uuid4()), list_operation_id=str(uuid.uuid4()))
    for line in view["pick_lines"]:
        form[f"lines.{line.id}"] = str(line.open_qty - line.picked_qty)
    for line in view["pack_lines"]:
        form[f"pack.{line.id}"] = str(line.picked_qty - line.packed_qty)
    return show(p, "picking.html", order=order, form=form, done=done, **view)


@router.post("/orders/{ref}/pick-list", response_class=HTMLResponse)
def create_pick_list(ref: str, p: ReqDep, raw: FormDep) -> Response:
    form = fields_of(raw)
    form["operation_id"] = form.get("list_operation_id", form.get("operation_id", ""))
    try:
        order = order_operations.create_pick_list(
            use_case_context(p, form), ref=ref, expected_version=version_of(form)
        )
    except OmniorderError as error:
        order = latest(p, ref)
        return show(
            p, "picking.html", order=order, form=form, errors=placed_errors(error),
            done="", **_picking_view(p, order),
        )  # fmt: skip
    return RedirectResponse(f"/orders/{order.channel_ref}/picking?done=pick_list", 303)


@router.post("/orders/{ref}/picking", response_class=HTMLResponse)
def mark_picked(ref: str, p: ReqDep, raw: FormDep) -> Response:
    return _pick_or_pack(ref, p, fields_of(raw), packing=False)


@router.post("/orders/{ref}/packing", response_class=HTMLResponse)
def pack(ref: str, p: ReqDep, raw: FormDep) -> Response:
    return _pick_or_pack(ref, p, fields_of(raw), packing=True)


def _pick_or_pack(ref: str, p: Req, form: Fields, *, packing: bool) -> Response:
    prefix = "pack." if packing else "lines."
    try:
        quantities = quantities_of(form, prefix)
        if not quantities:
            raise FormErrors({prefix.rstrip("."): "Enter a quantity for at least one line."})
        if packing:
            context = use_case_context(
                p, {**form, "operation_id": form.get("pack_operation_id", "")}
            )
            order = order_operations.pack(
                context, ref=ref, quantities=quantities, expected_version=version_of(form)
            )
        else:
            order = order_operations.mark_picked(
                use_case_context(p, form),
                ref=ref,
                quantities=quantities,
                expected_version=version_of(form),
            )
        return RedirectResponse(
            f"/orders/{order.channel_ref}/picking?done={'packed' if packing else 'picked'}", 303
        )
    except FormErrors as error:
        errors = error.errors
    except OmniorderError as error:
        errors = {
            (re.sub(r"^lines\.", prefix, k) if packing else k): v
            for k, v in placed_errors(error).items()
        }
    order = latest(p, ref)
    return show(
        p, "picking.html", order=order, form=form, errors=errors, done="",
        **_picking_view(p, order),
    )  # fmt: skip

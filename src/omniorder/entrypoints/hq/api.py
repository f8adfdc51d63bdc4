"""The HQ API (/api/v1): sign-in, sales orders, the real-time service and channel data."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from omniorder.entrypoints.deps import (
    ClientDep,
    CtxDep,
    NowDep,
    TokenDep,
    UowDep,
    operation_id_for,
)
from omniorder.entrypoints.hq.context import (
    CallingStore,
    HQStaff,
    calling_store_in,
    require_same_store,
)
from omniorder.entrypoints.http_errors import ERROR_RESPONSES
from omniorder.entrypoints.observability import note_operator, note_order
from omniorder.entrypoints.openapi_links import HQ_SALES_ORDER_LINKS, HQ_SEARCH_LINKS, with_links
from omniorder.entrypoints.schemas import (
    CustomerOrderPublic,
    OrderFilters,
    OrderSummaryPublic,
    Quantities,
    SignIn,
    TokenPublic,
)
from omniorder.service_layer import auth, catalogue, sales_orders, synchronization
from omniorder.service_layer.channel_data import export_channel_data
from omniorder.service_layer.documents import order_to_document, summary_to_document
from omniorder.service_layer.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)


@router.post("/auth/token", response_model=TokenPublic, tags=["auth"])
def sign_in(body: SignIn, ctx: CtxDep, uow: UowDep, now: NowDep, client: ClientDep) -> TokenPublic:
    """Sign in to the back office (HQ staff); returns a bearer token for the HQ API."""
    token, staff = auth.sign_in(
        uow,
        operator_id=body.operator_id,
        password=body.password,
        store_code=None,
        now=now,
        hours=ctx.settings.session_hours,
        client=client,
    )
    return TokenPublic(
        access_token=token, operator_id=staff.operator_id, name=staff.name, role=staff.role.value
    )


@router.post("/auth/sign-out", status_code=204, tags=["auth"])
def sign_out(token: TokenDep, uow: UowDep) -> Response:
    """End the session of the bearer token sent (nothing happens for an unknown token)."""
    auth.sign_out(uow, token=token)
    return Response(status_code=204)


@router.get(
    "/sales-orders",
    response_model=list[OrderSummaryPublic],
    tags=["sales orders"],
    openapi_extra=with_links(200, HQ_SEARCH_LINKS),
)
def list_sales_orders(
    uow: UowDep,
    staff: HQStaff,
    now: NowDep,
    filters: Annotated[OrderFilters, Query()],
) -> list[OrderSummaryPublic]:
    """Search sales orders, newest first: summary rows, each with `href` to the whole order."""
    found = sales_orders.search_sales_orders(uow, **filters.search_args())
    today = now.astimezone(UTC).date()
    return [
        OrderSummaryPublic.of(
            s, today=today, href=f"/api/v1/sales-orders/{s.sales_order_number or s.channel_ref}"
        )
        for s in found
    ]


@router.get(
    "/sales-orders/{number}",
    response_model=CustomerOrderPublic,
    tags=["sales orders"],
    openapi_extra=with_links(200, HQ_SALES_ORDER_LINKS),
)
def get_sales_order(number: str, uow: UowDep, staff: HQStaff, now: NowDep) -> CustomerOrderPublic:
    """One sales order by number (SO-…), channel reference id or id."""
    order = sales_orders.get_sales_order(uow, ref=number)
    status = synchronization.sync_statuses(uow, [order.id]).get(order.id)
    return CustomerOrderPublic.of(order, today=now.astimezone(UTC).date(), sync_status=status)


class ShipmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operation_id: UUID | None = None
    lines: Quantities = Field(description="Quantity to ship per line id")


@router.post(
    "/sales-orders/{number}/shipments",
    response_model=CustomerOrderPublic,
    status_code=201,
    tags=["sales orders"],
)
def ship_sales_order(
    number: str,
    body: ShipmentCreate,
    request: Request,
    uow: UowDep,
    staff: HQStaff,
    now: NowDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> CustomerOrderPublic:
    """Ship and invoice ship lines (docs/rules.md §5); the balance is captured from the stored
    card token, or put on the customer account."""
    operation_id = body.operation_id or operation_id_for(f"hq:{number}", idempotency_key)
    order = sales_orders.ship_sales_order(
        uow,
        payments=request.app.state.payments,
        ref=number,
        quantities=body.lines,
        staff=staff,
        operation_id=operation_id,
        now=now,
    )
    return CustomerOrderPublic.of(order, today=now.astimezone(UTC).date())


# -- store → HQ (a store's token, for that store only) ---------------------------------------


@router.post(
    "/rts/stores/{code}/sales-orders",
    tags=["real-time service"],
    response_model=dict[str, Any],
)
def rts_create_sales_order(
    code: str,
    token: TokenDep,
    uow: UowDep,
    request: Request,
    document: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Real-time service: create the sales order for an order the store took (sync mode).

    Idempotent on the order id: a repeated call returns the order created the first time.
    The answer is the order's document with `inventory`: HQ's stock rows (every location)
    of the order's SKUs after its reservations, as the stock read sends them, so that the
    store can warn of back orders without asking again. The calling store's token is
    checked in the create's transaction: one transaction in all.
    """

    def caller(in_uow: UnitOfWork) -> None:
        require_same_store(calling_store_in(in_uow, token), code)

    order, stock = sales_orders.accept_sales_order(
        uow, document=document, store_code=code, caller=caller
    )
    note_order(request, order_id=order.id, ref=order.sales_order_number or order.channel_ref)
    note_operator(request, str(document.get("operator_id") or ""))
    return {
        **order_to_document(order),
        "inventory": [catalogue.inventory_document(row) for row in stock],
    }


@router.post(
    "/rts/stores/{code}/operations", tags=["real-time service"], response_model=dict[str, Any]
)
def rts_apply_operation(
    code: str,
    calling: CallingStore,
    uow: UowDep,
    request: Request,
    document: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Real-time service: HQ decides and applies an operation (edit, pickup, cancel, return,
    …) that an associate asked for at this store, on any store's order, with HQ's own
    parameters and master data, under a row lock. Idempotent on the operation id; a stale
    `expected_version` is refused with 409 and the current version."""
    require_same_store(calling, code)
    order = sales_orders.perform_operation(uow, document=document, store_code=code)
    note_order(request, order_id=order.id, ref=order.sales_order_number or order.channel_ref)
    note_operator(request, str(document.get("operator_id") or ""))
    return order_to_document(order)


@router.get("/rts/stores/{code}/orders", tags=["real-time service"])
def rts_search_orders(
    code: str,
    token: TokenDep,
    uow: UowDep,
    filters: Annotated[OrderFilters, Query()],
) -> dict[str, Any]:
    """Real-time service: find order across every store (docs/rules.md §3), for a store's POS:
    summary rows (amounts in minor units), as `documents.summary_to_document` writes them.
    The calling store's token is checked in the find's transaction: one transaction."""

    def caller(in_uow: UnitOfWork) -> None:
        require_same_store(calling_store_in(in_uow, token), code)

    found = sales_orders.search_sales_orders(uow, caller=caller, **filters.search_args())
    return {"orders": [summary_to_document(s) for s in found]}


@router.get("/rts/stores/{code}/orders/{ref}", tags=["real-time service"])
def rts_get_order(code: str, ref: str, calling: CallingStore, uow: UowDep) -> dict[str, Any]:
    """Real-time service: HQ's current copy of an order, for any store (pickups elsewhere)."""
    require_same_store(calling, code)
    return order_to_document(sales_orders.get_sales_order(uow, ref=ref))


@router.get("/rts/stores/{code}/inventory", tags=["real-time service"])
def rts_inventory(
    code: str,
    calling: CallingStore,
    uow: UowDep,
    sku: Annotated[list[str] | None, Query(description="1 to 50 SKUs, repeated")] = None,
) -> dict[str, Any]:
    """Real-time service: HQ's stock of this moment (on hand and reserved at every location)
    for the SKUs a store's POS shows; the store falls back to its channel data without it."""
    require_same_store(calling, code)
    rows = catalogue.inventory_at_hq(uow, skus=sku or [])
    return {"inventory": [catalogue.inventory_document(row) for row in rows]}


@router.get("/channel-data/stores/{code}", tags=["real-time service"])
def download_channel_data(code: str, calling: CallingStore, uow: UowDep) -> dict[str, Any]:
    """Channel data for one store: parameters, products, prices, customers, staff, stock."""
    require_same_store(calling, code)
    return export_channel_data(uow, store_code=code)

"""The store API (/api/v1): sign-in, customers, products, customer orders, channel data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel

from omniorder.domain.errors import InvalidInput
from omniorder.domain.staff import Authorization
from omniorder.entrypoints.deps import (
    ClientDep,
    CurrentStaff,
    NowDep,
    TokenDep,
    UowDep,
    parse_amount,
)
from omniorder.entrypoints.http_errors import ERROR_RESPONSES
from omniorder.entrypoints.observability import count_order_created, note_operator, note_order
from omniorder.entrypoints.openapi_links import STORE_ORDER_LINKS, with_links
from omniorder.entrypoints.schemas import (
    CustomerOrderCreate,
    CustomerOrderCreated,
    CustomerOrderPublic,
    CustomerPublic,
    Instant,
    OrderSummaryPublic,
    ProductPublic,
    SignIn,
    TokenPublic,
)
from omniorder.entrypoints.store.context import StoreCtx, StoreToday
from omniorder.service_layer import auth, catalogue, customer_orders, journal
from omniorder.service_layer.cart import (
    OrderInput,
    PaymentInput,
)
from omniorder.service_layer.channel_data import import_channel_data
from omniorder.service_layer.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)


@router.post("/auth/token", response_model=TokenPublic, tags=["auth"])
def sign_in(
    body: SignIn, ctx: StoreCtx, uow: UowDep, now: NowDep, client: ClientDep
) -> TokenPublic:
    """Sign in as an operator of this store; returns a bearer token."""
    token, staff = auth.sign_in(
        uow,
        operator_id=body.operator_id,
        password=body.password,
        store_code=ctx.store_code,
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


@router.get("/customers", tags=["customers"])
def search_customers(
    uow: UowDep, staff: CurrentStaff, q: Annotated[str, Query(max_length=100)] = ""
) -> list[CustomerPublic]:
    """Customers from the store's copy of channel data, by account, name, phone or email."""
    return [CustomerPublic.of(c) for c in catalogue.search_customers(uow, text=q)]


@router.get("/products", tags=["products"])
def search_products(
    ctx: StoreCtx,
    uow: UowDep,
    staff: CurrentStaff,
    q: Annotated[str, Query(max_length=100)] = "",
) -> list[ProductPublic]:
    """Products by SKU, name or barcode, with availability here, elsewhere and to ship:
    HQ's stock of this moment, or the store's channel data (`is_cached`) when HQ does not
    answer within the short read timeout."""
    return [
        ProductPublic.of(p)
        for p in catalogue.search_products(uow, text=q, store_code=ctx.store_code, hq=ctx.hq)
    ]


@router.post(
    "/customer-orders",
    status_code=201,
    response_model=CustomerOrderCreated,
    tags=["customer orders"],
    responses={503: {"description": "HQ cannot be reached; nothing was created"}},
    openapi_extra=with_links(201, STORE_ORDER_LINKS),
)
def create_customer_order(
    body: CustomerOrderCreate,
    ctx: StoreCtx,
    uow: UowDep,
    token: TokenDep,
    now: NowDep,
    client: ClientDep,
    request: Request,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> CustomerOrderCreated:
    """Create a customer order or quote. In sync mode HQ creates the sales order at once.

    Repeating the request with the same `Idempotency-Key` (or body `id`) returns the first
    order and changes nothing.
    """
    # The sign-in is checked in the create's first transaction (one transaction fewer),
    # except with a manager override, whose password is checked after the sign-in and
    # outside any transaction (docs/security.md).
    idle = ctx.settings.session_idle_minutes
    override = body.manager_override
    approved: Authorization | None = None
    if override is not None:
        staff = auth.staff_for_token(uow, token, now=now, idle_minutes=idle)
        note_operator(request, staff.operator_id)
        approved = auth.authorize(
            uow,
            staff,
            manager_id=override.operator_id,
            manager_password=override.password,
            store_code=ctx.store_code,
            now=now,
            client=client,
        )

    signed_in = _signed_in(request, token, now=now, idle_minutes=idle)

    def authorization(in_uow: UnitOfWork) -> Authorization:
        return approved if approved is not None else signed_in(in_uow)

    order_id = body.id
    if order_id is None:
        order_id = (
            customer_orders.order_id_for_key(ctx.store_code, idempotency_key)
            if idempotency_key
            else customer_orders.new_order_id()
        )

    def order_input(currency: str) -> OrderInput:
        return OrderInput(
            id=order_id,
            order_type=body.order_type,
            customer_account=body.customer_account,
            lines=tuple(line.to_input() for line in body.lines),
            shipping_charge=parse_amount(body.shipping_charge, currency, "shipping_charge"),
            deposit_override=parse_amount(body.deposit_override, currency, "deposit_override"),
            payments=tuple(
                PaymentInput(
                    id=p.id,
                    tender=p.tender,
                    amount=_required_amount(p.amount, currency, f"payments[{i}].amount"),
                    card_number=p.card_number,
                )
                for i, p in enumerate(body.payments)
            ),
        )

    with _ending_session(uow, token):
        created = customer_orders.create(
            uow,
            hq=ctx.hq,
            payments=ctx.payments,
            request=order_input,
            auth=authorization,
            store_code=ctx.store_code,
            now=now,
        )
    order = created.order
    response.headers["Location"] = f"/api/v1/customer-orders/{order.channel_ref}"
    note_order(request, order_id=order.id, ref=order.channel_ref)
    if created.mode is not None:  # a repeated request is counted once, not per retry
        count_order_created(ctx.store_code, created.mode)
    warnings = catalogue.availability_warnings(
        uow, order=order, hq=ctx.hq, stock=created.stock, warehouses=created.warehouses
    )
    public = CustomerOrderPublic.of(order, today=created.today, sync_status=created.sync_status)
    return CustomerOrderCreated(**public.model_dump(), warnings=warnings)


def _signed_in(
    request: Request, token: str, *, now: datetime, idle_minutes: int
) -> customer_orders.AuthorizationIn:
    """The bearer's sign-in, checked in the caller's transaction (`auth.staff_in()`), which
    saves the session's last-seen time if it commits; the access line names who it is."""

    def signed_in(uow: UnitOfWork) -> Authorization:
        staff = auth.staff_in(uow, token, now=now, idle_minutes=idle_minutes)
        note_operator(request, staff.operator_id)
        return Authorization(staff)

    return signed_in


@contextmanager
def _ending_session(uow: UnitOfWork, token: str) -> Iterator[None]:
    """A session found ended by `_signed_in()` is deleted (the request is refused)."""
    try:
        yield
    except auth.SessionEnded:
        auth.sign_out(uow, token=token)
        raise


def _required_amount(text: str, currency: str, field: str) -> Any:
    amount = parse_amount(text, currency, field)
    if amount is None:
        raise InvalidInput(field, "Enter an amount.")
    return amount


@router.get("/customer-orders", response_model=list[OrderSummaryPublic], tags=["customer orders"])
def find_customer_orders(
    ctx: StoreCtx,
    uow: UowDep,
    token: TokenDep,
    now: NowDep,
    request: Request,
    q: Annotated[str | None, Query(max_length=100, description="Number, reference or name")] = None,
    customer: Annotated[str | None, Query(max_length=20)] = None,
    status: Annotated[str | None, Query(max_length=30)] = None,
    sku: Annotated[str | None, Query(max_length=40)] = None,
    created_from: Annotated[Instant | None, Query()] = None,
    created_to: Annotated[Instant | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[OrderSummaryPublic]:
    """Find orders of every store (docs/rules.md §3), asking HQ; the date range defaults to the
    last 90 days. Summary rows, each with `href` to the whole order. When HQ cannot be
    reached, this store's copies are searched and each one carries `copy_as_of`."""
    # The sign-in is checked first thing in the find's one transaction (docs/performance.md).
    idle = ctx.settings.session_idle_minutes
    with _ending_session(uow, token):
        found = customer_orders.find_orders(
            uow,
            auth=_signed_in(request, token, now=now, idle_minutes=idle),
            hq=ctx.hq,
            store_code=ctx.store_code,
            text=q,
            customer_account=customer,
            status=status,
            sku=sku,
            created_from=created_from or now - timedelta(days=90),
            created_to=created_to,
            limit=limit,
            now=now,
        )
    assert found.today is not None  # given `now`, the find says the store's date
    return [
        OrderSummaryPublic.of(
            summary,
            today=found.today,
            href=f"/api/v1/customer-orders/{summary.channel_ref}",
            copy_as_of=summary.changed_at if found.hq_unreachable else None,
        )
        for summary in found.orders
    ]


@router.get(
    "/customer-orders/{ref}",
    response_model=CustomerOrderPublic,
    tags=["customer orders"],
    openapi_extra=with_links(200, STORE_ORDER_LINKS),
)
def get_customer_order(
    ref: str, ctx: StoreCtx, uow: UowDep, staff: CurrentStaff, today: StoreToday
) -> CustomerOrderPublic:
    """One order of any store by sales order number, channel reference id or id, as HQ has
    it now; this store's copy, with `copy_as_of`, when HQ cannot be reached."""
    view = customer_orders.read_order(
        uow, ref=ref, auth=Authorization(staff), hq=ctx.hq, store_code=ctx.store_code
    )
    return CustomerOrderPublic.of(
        view.order,
        today=today,
        sync_status=journal.sync_status(uow, view.order.id),
        copy_as_of=view.as_of if view.hq_unreachable else None,
    )


class RefreshResult(BaseModel):
    counts: dict[str, int]


@router.post("/channel-data/refresh", response_model=RefreshResult, tags=["channel data"])
def refresh_channel_data(ctx: StoreCtx, uow: UowDep, staff: CurrentStaff) -> RefreshResult:
    """Download channel data from HQ now and replace this store's copy."""
    counts = import_channel_data(uow, ctx.hq.channel_data())
    ctx.channel_data_at = ctx.clock()
    return RefreshResult(counts=counts)

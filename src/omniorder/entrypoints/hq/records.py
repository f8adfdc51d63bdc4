"""HQ master-data API: one router per resource, each with list, read and upsert (PUT)."""

import secrets
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from omniorder.adapters.orm import (
    Base,
    ChargeCodeRow,
    CustomerAddressRow,
    CustomerRow,
    DeliveryModeRow,
    FunctionalityProfileRow,
    InventoryRow,
    ParametersRow,
    ProductRow,
    StaffRow,
    StoreRow,
    TaxRateRow,
)
from omniorder.domain.errors import InvalidInput, NotFound
from omniorder.entrypoints.deps import UowDep
from omniorder.entrypoints.hq import master_data_schemas as s
from omniorder.entrypoints.hq.context import HQStaff
from omniorder.entrypoints.http_errors import ERROR_RESPONSES
from omniorder.service_layer.auth import hash_password, token_hash
from omniorder.service_layer.unit_of_work import UnitOfWork

Builder = Callable[[dict[str, str], Any, Any], Base]


def _plain(row_type: type[Base]) -> Builder:
    def build(key: dict[str, str], body: BaseModel, _existing: Any) -> Base:
        return row_type(**key, **body.model_dump())

    return build


def _store(key: dict[str, str], body: s.Store, existing: StoreRow | None) -> StoreRow:
    return StoreRow(
        **key, **body.model_dump(), token_hash=existing.token_hash if existing else None
    )


def _customer(key: dict[str, str], body: s.Customer, _existing: Any) -> CustomerRow:
    row = CustomerRow(**key, **body.model_dump(exclude={"addresses"}))
    row.addresses = [
        CustomerAddressRow(
            id=a.id or uuid.uuid4(),
            position=n,
            **a.model_dump(exclude={"id"}),
        )
        for n, a in enumerate(body.addresses)
    ]
    return row


def _staff(key: dict[str, str], body: s.StaffMember, existing: StaffRow | None) -> StaffRow:
    if body.password is None and existing is None:
        raise InvalidInput("password", "A new staff member needs a password.")
    password_hash = hash_password(body.password) if body.password else existing.password_hash  # type: ignore[union-attr]
    return StaffRow(**key, **body.model_dump(exclude={"password"}), password_hash=password_hash)


def records_router(
    *,
    path: str,
    tag: str,
    row_type: type[Base],
    body_type: type[BaseModel],
    public_type: type[BaseModel],
    keys: tuple[str, ...],
    build: Builder,
    order_by: tuple[Any, ...],
) -> APIRouter:
    router = APIRouter(prefix=f"/api/v1/{path}", tags=[tag], responses=ERROR_RESPONSES)
    key_path = "/".join("{" + k + "}" for k in keys)

    def key_of(values: dict[str, str]) -> Any:
        return tuple(values[k] for k in keys) if len(keys) > 1 else values[keys[0]]

    @router.get("", response_model=list[public_type])  # type: ignore[valid-type]
    def list_records(uow: UowDep, staff: HQStaff) -> list[Any]:
        with uow:
            return [public_type.model_validate(r) for r in uow.records.list(row_type, *order_by)]

    def read(uow: UnitOfWork, key: dict[str, str]) -> Any:
        with uow:
            row = uow.records.get(row_type, key_of(key))
            if row is None:
                raise NotFound(f"No {tag} {'/'.join(key.values())}.")
            return public_type.model_validate(row)

    def write(uow: UnitOfWork, key: dict[str, str], body: BaseModel) -> Any:
        with uow:
            existing = uow.records.get(row_type, key_of(key))
            row = uow.records.put(build(key, body, existing))
            public = public_type.model_validate(row)
            uow.commit()
            return public

    # Annotations are evaluated at definition time here (no `from __future__ import
    # annotations` in this module), so each route sees its own key names and body type.
    if len(keys) == 1:
        (k1,) = keys
        Key1 = Annotated[str, Path(alias=k1, max_length=40)]

        @router.get(f"/{key_path}", response_model=public_type, name=f"get_{path}")
        def get_one(uow: UowDep, staff: HQStaff, key1: Key1) -> Any:
            return read(uow, {k1: key1})

        @router.put(f"/{key_path}", response_model=public_type, name=f"put_{path}")
        def put_one(uow: UowDep, staff: HQStaff, key1: Key1, body: body_type) -> Any:  # type: ignore[valid-type]
            return write(uow, {k1: key1}, body)

    else:
        k1, k2 = keys
        First = Annotated[str, Path(alias=k1, max_length=40)]
        Second = Annotated[str, Path(alias=k2, max_length=40)]

        @router.get(f"/{key_path}", response_model=public_type, name=f"get_{path}")
        def get_pair(uow: UowDep, staff: HQStaff, key1: First, key2: Second) -> Any:
            return read(uow, {k1: key1, k2: key2})

        @router.put(f"/{key_path}", response_model=public_type, name=f"put_{path}")
        def put_pair(
            uow: UowDep,
            staff: HQStaff,
            key1: First,
            key2: Second,
            body: body_type,  # type: ignore[valid-type]
        ) -> Any:
            return write(uow, {k1: key1, k2: key2}, body)

    return router


RESOURCES: list[APIRouter] = [
    records_router(
        path="functionality-profiles",
        tag="functionality profiles",
        row_type=FunctionalityProfileRow,
        body_type=s.FunctionalityProfile,
        public_type=s.FunctionalityProfilePublic,
        keys=("code",),
        build=_plain(FunctionalityProfileRow),
        order_by=(FunctionalityProfileRow.code,),
    ),
    records_router(
        path="stores",
        tag="stores",
        row_type=StoreRow,
        body_type=s.Store,
        public_type=s.StorePublic,
        keys=("code",),
        build=_store,
        order_by=(StoreRow.code,),
    ),
    records_router(
        path="products",
        tag="products",
        row_type=ProductRow,
        body_type=s.Product,
        public_type=s.ProductPublic,
        keys=("sku",),
        build=_plain(ProductRow),
        order_by=(ProductRow.sku,),
    ),
    records_router(
        path="tax-rates",
        tag="tax rates",
        row_type=TaxRateRow,
        body_type=s.TaxRate,
        public_type=s.TaxRatePublic,
        keys=("tax_group", "jurisdiction"),
        build=_plain(TaxRateRow),
        order_by=(TaxRateRow.tax_group, TaxRateRow.jurisdiction),
    ),
    records_router(
        path="delivery-modes",
        tag="delivery modes",
        row_type=DeliveryModeRow,
        body_type=s.DeliveryMode,
        public_type=s.DeliveryModePublic,
        keys=("code",),
        build=_plain(DeliveryModeRow),
        order_by=(DeliveryModeRow.code,),
    ),
    records_router(
        path="charge-codes",
        tag="charge codes",
        row_type=ChargeCodeRow,
        body_type=s.ChargeCode,
        public_type=s.ChargeCodePublic,
        keys=("code",),
        build=_plain(ChargeCodeRow),
        order_by=(ChargeCodeRow.code,),
    ),
    records_router(
        path="customers",
        tag="customers",
        row_type=CustomerRow,
        body_type=s.Customer,
        public_type=s.CustomerPublic,
        keys=("account",),
        build=_customer,
        order_by=(CustomerRow.account,),
    ),
    records_router(
        path="staff",
        tag="staff",
        row_type=StaffRow,
        body_type=s.StaffMember,
        public_type=s.StaffPublic,
        keys=("operator_id",),
        build=_staff,
        order_by=(StaffRow.operator_id,),
    ),
    records_router(
        path="inventory",
        tag="inventory",
        row_type=InventoryRow,
        body_type=s.Inventory,
        public_type=s.InventoryPublic,
        keys=("location", "sku"),
        build=_plain(InventoryRow),
        order_by=(InventoryRow.location, InventoryRow.sku),
    ),
]

parameters_router = APIRouter(
    prefix="/api/v1", tags=["retail parameters"], responses=ERROR_RESPONSES
)


@parameters_router.get("/parameters", response_model=s.Parameters)
def get_parameters(uow: UowDep, staff: HQStaff) -> s.Parameters:
    """The retail parameters (docs/rules.md §1)."""
    with uow:
        row = uow.records.parameters()
        if row is None:
            raise NotFound("Retail parameters are not set up yet.")
        return s.Parameters.model_validate(row)


@parameters_router.put("/parameters", response_model=s.Parameters)
def put_parameters(body: s.Parameters, uow: UowDep, staff: HQStaff) -> s.Parameters:
    """Replace the retail parameters; stores get them with their next channel-data download."""
    with uow:
        for field in ("cancellation_charge_code", "shipping_charge_code"):
            code = getattr(body, field)
            if code is not None and uow.records.charge_code(code) is None:
                raise InvalidInput(field, f"Charge code {code} does not exist.")
        for field in ("pickup_delivery_mode", "carry_out_delivery_mode"):
            code = getattr(body, field)
            if uow.records.delivery_mode(code) is None:
                raise InvalidInput(field, f"Delivery mode {code} does not exist.")
        uow.records.put(ParametersRow(id=1, **body.model_dump()))
        uow.commit()
    return body


class StoreToken(BaseModel):
    store_code: str
    token: str


@parameters_router.post("/stores/{code}/token", response_model=StoreToken, tags=["stores"])
def issue_store_token(code: str, uow: UowDep, staff: HQStaff) -> StoreToken:
    """Issue a new HQ token for a store server (shown once; the old one stops working)."""
    token = secrets.token_urlsafe(32)
    with uow:
        store = uow.records.store(code)
        if store is None:
            raise NotFound(f"No store {code}.")
        store.token_hash = token_hash(token)
        uow.commit()
    return StoreToken(store_code=code, token=token)

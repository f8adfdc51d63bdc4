"""HQ master-data API: one router per kind of record (service_layer/master_data.py), each
with list, read and upsert (PUT); the retail parameters; store tokens.

Bodies are checked by the schemas in master_data_schemas.py; everything else — keys, the
records a record names, passwords of new staff — by the master-data use cases, which answer
with the domain's errors (422 with `field`, 404, 409).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from omniorder.entrypoints.deps import UowDep
from omniorder.entrypoints.hq import master_data_schemas as s
from omniorder.entrypoints.hq.context import HQStaff
from omniorder.entrypoints.http_errors import ERROR_RESPONSES
from omniorder.service_layer import master_data
from omniorder.service_layer.unit_of_work import UnitOfWork

# Each kind's request body and answer, and its tag in the OpenAPI document.
SCHEMAS: dict[str, tuple[type[BaseModel], type[BaseModel], str]] = {
    "functionality-profiles": (
        s.FunctionalityProfile,
        s.FunctionalityProfilePublic,
        "functionality profiles",
    ),
    "stores": (s.Store, s.StorePublic, "stores"),
    "products": (s.Product, s.ProductPublic, "products"),
    "tax-rates": (s.TaxRate, s.TaxRatePublic, "tax rates"),
    "delivery-modes": (s.DeliveryMode, s.DeliveryModePublic, "delivery modes"),
    "charge-codes": (s.ChargeCode, s.ChargeCodePublic, "charge codes"),
    "customers": (s.Customer, s.CustomerPublic, "customers"),
    "staff": (s.StaffMember, s.StaffPublic, "staff"),
    "inventory": (s.Inventory, s.InventoryPublic, "inventory"),
}


def records_router(name: str) -> APIRouter:
    body_type, public_type, tag = SCHEMAS[name]
    keys = master_data.RESOURCES[name].keys
    router = APIRouter(prefix=f"/api/v1/{name}", tags=[tag], responses=ERROR_RESPONSES)
    key_path = "/".join("{" + k + "}" for k in keys)

    @router.get("", response_model=list[public_type])  # type: ignore[valid-type]
    def list_records(uow: UowDep, staff: HQStaff) -> list[Any]:
        return [public_type.model_validate(r) for r in master_data.list_records(uow, name)]

    def read(uow: UnitOfWork, key: dict[str, str]) -> Any:
        return public_type.model_validate(master_data.get_record(uow, name, key))

    def write(uow: UnitOfWork, key: dict[str, str], body: BaseModel) -> Any:
        return public_type.model_validate(master_data.put_record(uow, name, key, body.model_dump()))

    # Annotations are evaluated at definition time here (no `from __future__ import
    # annotations` in this module), so each route sees its own key names and body type.
    if len(keys) == 1:
        (k1,) = keys
        Key1 = Annotated[str, Path(alias=k1, max_length=40)]

        @router.get(f"/{key_path}", response_model=public_type, name=f"get_{name}")
        def get_one(uow: UowDep, staff: HQStaff, key1: Key1) -> Any:
            return read(uow, {k1: key1})

        @router.put(f"/{key_path}", response_model=public_type, name=f"put_{name}")
        def put_one(uow: UowDep, staff: HQStaff, key1: Key1, body: body_type) -> Any:  # type: ignore[valid-type]
            return write(uow, {k1: key1}, body)

    else:
        k1, k2 = keys
        First = Annotated[str, Path(alias=k1, max_length=40)]
        Second = Annotated[str, Path(alias=k2, max_length=40)]

        @router.get(f"/{key_path}", response_model=public_type, name=f"get_{name}")
        def get_pair(uow: UowDep, staff: HQStaff, key1: First, key2: Second) -> Any:
            return read(uow, {k1: key1, k2: key2})

        @router.put(f"/{key_path}", response_model=public_type, name=f"put_{name}")
        def put_pair(
            uow: UowDep,
            staff: HQStaff,
            key1: First,
            key2: Second,
            body: body_type,  # type: ignore[valid-type]
        ) -> Any:
            return write(uow, {k1: key1, k2: key2}, body)

    return router


RESOURCES: list[APIRouter] = [records_router(name) for name in master_data.RESOURCES]

parameters_router = APIRouter(
    prefix="/api/v1", tags=["retail parameters"], responses=ERROR_RESPONSES
)


@parameters_router.get("/parameters", response_model=s.Parameters)
def get_parameters(uow: UowDep, staff: HQStaff) -> s.Parameters:
    """The retail parameters (docs/rules.md §1)."""
    return s.Parameters.model_validate(master_data.get_parameters(uow))


@parameters_router.put("/parameters", response_model=s.Parameters)
def put_parameters(body: s.Parameters, uow: UowDep, staff: HQStaff) -> s.Parameters:
    """Replace the retail parameters; stores get them with their next channel-data download."""
    master_data.update_parameters(uow, body.model_dump())
    return body


class StoreToken(BaseModel):
    store_code: str
    token: str


@parameters_router.post("/stores/{code}/token", response_model=StoreToken, tags=["stores"])
def issue_store_token(code: str, uow: UowDep, staff: HQStaff) -> StoreToken:
    """Issue a new HQ token for a store server (shown once; the old one stops working)."""
    return StoreToken(store_code=code, token=master_data.issue_store_token(uow, code))

"""Back office: master data — functionality profiles, stores, products and prices, tax rates,
delivery modes, charge codes, customers, staff and inventory.

Each kind of record (service_layer/master_data.py) has a list (with search) and an edit
form. A form is checked by the same pydantic schema as the JSON API and saved by the same use
case (`master_data.put_record`), whose refusals are shown next to the field they name; fields
a form does not show keep their values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from zoneinfo import available_timezones

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from omniorder.domain.errors import IdInUse, InvalidInput
from omniorder.domain.money import Money
from omniorder.entrypoints.deps import UowDep
from omniorder.entrypoints.hq import master_data_schemas as s
from omniorder.entrypoints.hq.form_fields import FormField, read_fields, shown, validate
from omniorder.entrypoints.hq.pages import PageStaff, currency_of, page_router, render
from omniorder.entrypoints.web import format_money, format_percent
from omniorder.service_layer import master_data
from omniorder.service_layer.unit_of_work import UnitOfWork

router = page_router()

Lookups = dict[str, Any]


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Any, Lookups], str]
    is_number: bool = False


@dataclass(frozen=True)
class Resource:
    """How the back office shows one kind of master-data record (`master_data.RESOURCES`)."""

    path: str  # the kind's name: the same segment as its JSON API, /api/v1/<path>
    title: str
    schema: type[BaseModel]
    public: type[BaseModel]
    keys: tuple[FormField, ...]
    fields: tuple[FormField, ...]
    columns: tuple[Column, ...]
    lookups: Callable[[UnitOfWork], Lookups] = lambda _uow: {}
    extra_template: str | None = None
    kinds: dict[str, str] = field(default_factory=dict)

    @property
    def data(self) -> master_data.Resource:
        return master_data.RESOURCES[self.path]

    @property
    def singular(self) -> str:
        return self.data.singular

    def key_text(self, values: dict[str, str]) -> str:
        return self.data.key_text(values)

    def row_keys(self, row: Any) -> dict[str, str]:
        return self.data.key_values(row)


def _attr(name: str) -> Callable[[Any, Lookups], str]:
    return lambda row, _l: "" if getattr(row, name) is None else str(getattr(row, name))


def _yes_no(name: str) -> Callable[[Any, Lookups], str]:
    return lambda row, _l: "Yes" if getattr(row, name) else "No"


def _money(name: str) -> Callable[[Any, Lookups], str]:
    return lambda row, lookups: format_money(Money(getattr(row, name), lookups["currency"]))


def _choices_of(
    name: str, label: Callable[[Any], str], *, blank: str | None = None
) -> Callable[[UnitOfWork], list[tuple[str, str]]]:
    def choices(uow: UnitOfWork) -> list[tuple[str, str]]:
        listed = [(str(r.code), label(r)) for r in master_data.list_records(uow, name)]
        return [("", blank), *listed] if blank is not None else listed

    return choices


def _time_zones(_uow: UnitOfWork) -> list[tuple[str, str]]:
    return [(z, z) for z in sorted(available_timezones()) if "/" in z or z == "UTC"]


def _fixed(*pairs: tuple[str, str]) -> Callable[[UnitOfWork], list[tuple[str, str]]]:
    return lambda _uow: list(pairs)


def _tax_groups(uow: UnitOfWork) -> list[tuple[str, str]]:
    groups: set[str] = set()
    for name in ("tax-rates", "charge-codes", "products"):
        groups |= {r.tax_group for r in master_data.list_records(uow, name)}
    return [(g, g) for g in sorted(groups)]


def _profile_users(uow: UnitOfWork) -> Lookups:
    users: dict[str, list[str]] = {}
    for store in master_data.list_records(uow, "stores"):
        users.setdefault(store.profile_code, []).append(store.code)
    return {"users": users}


def _locations(uow: UnitOfWork) -> list[tuple[str, str]]:
    places: set[str] = set()
    for store in master_data.list_records(uow, "stores"):
        places |= {store.warehouse, store.shipping_warehouse}
    places |= {r.location for r in master_data.list_records(uow, "inventory")}
    return [(p, p) for p in sorted(places)]


def _skus(uow: UnitOfWork) -> list[tuple[str, str]]:
    return [(p.sku, p.name) for p in master_data.list_records(uow, "products")]


PROFILES = _choices_of("functionality-profiles", lambda r: r.name)
STORES_OR_HQ = _choices_of(
    "stores", lambda r: f"{r.code} · {r.name}", blank="None (HQ, every store)"
)

RESOURCES: tuple[Resource, ...] = (
    Resource(
        path="functionality-profiles",
        title="Functionality profiles",
        schema=s.FunctionalityProfile,
        public=s.FunctionalityProfilePublic,
        keys=(FormField("code", "Code"),),
        fields=(
            FormField("name", "Name"),
            FormField(
                "is_async",
                "Create customer order in async mode",
                "bool",
                "Yes: the store saves orders in its journal and HQ pulls them later. "
                "No: every order goes through the real-time service.",
            ),
            FormField(
                "is_async_backup",
                "Async backup",
                "bool",
                "With async mode No: fall back to async when HQ does not answer in time.",
            ),
            FormField(
                "async_backup_timeout_ms",
                "Async backup timeout (ms)",
                "int",
                "How long the store waits for HQ before falling back.",
            ),
        ),
        columns=(
            Column("Code", _attr("code")),
            Column("Name", _attr("name")),
            Column("Async mode", _yes_no("is_async")),
            Column("Async backup", _yes_no("is_async_backup")),
            Column("Timeout (ms)", _attr("async_backup_timeout_ms"), is_number=True),
            Column(
                "Used by stores",
                lambda row, lookups: ", ".join(lookups["users"].get(row.code, [])) or "none",
            ),
        ),
        lookups=_profile_users,
        extra_template="_profile_stores.html",
    ),
    Resource(
        path="stores",
        title="Stores",
        schema=s.Store,
        public=s.StorePublic,
        keys=(FormField("code", "Store code"),),
        fields=(
            FormField("name", "Name"),
            FormField(
                "time_zone",
                "Time zone",
                "choice",
                "“Today” at this store, for requested dates.",
                choices=_time_zones,
            ),
            FormField("region", "Region", hint="Tax jurisdiction of the store, e.g. NY."),
            FormField(
                "street", "Street", hint="Printed on receipts and documents.", is_optional=True
            ),
            FormField("city", "City", is_optional=True),
            FormField("postal_code", "Postal code", is_optional=True),
            FormField(
                "phone", "Phone", hint="Printed on receipts for customers.", is_optional=True
            ),
            FormField(
                "is_pickup_location",
                "Pickup location",
                "bool",
                "Customers may pick up orders here.",
            ),
            FormField("warehouse", "Warehouse", hint="Stock location of the store."),
            FormField(
                "shipping_warehouse",
                "Shipping warehouse",
                hint="Location ship lines of this store's orders are shipped from.",
                suggestions=_locations,
            ),
            FormField("profile_code", "Functionality profile", "choice", choices=PROFILES),
        ),
        columns=(
            Column("Code", _attr("code")),
            Column("Name", _attr("name")),
            Column("Time zone", _attr("time_zone")),
            Column("Region", _attr("region")),
            Column("Pickup", _yes_no("is_pickup_location")),
            Column("Warehouse", _attr("warehouse")),
            Column("Ships from", _attr("shipping_warehouse")),
            Column("Profile", _attr("profile_code")),
            Column("HQ token", lambda row, _l: "issued" if row.token_hash else "none"),
        ),
        extra_template="_store_token.html",
    ),
    Resource(
        path="products",
        title="Products and prices",
        schema=s.Product,
        public=s.ProductPublic,
        keys=(FormField("sku", "SKU"),),
        fields=(
            FormField("name", "Name"),
            FormField("price_amount", "Price", "money", "Excluding tax."),
            FormField("tax_group", "Tax group", suggestions=_tax_groups),
            FormField("barcode", "Barcode", is_optional=True),
            FormField("is_active", "Active", "bool", "Inactive products cannot be ordered."),
        ),
        columns=(
            Column("SKU", _attr("sku")),
            Column("Name", _attr("name")),
            Column("Barcode", _attr("barcode")),
            Column("Price", _money("price_amount"), is_number=True),
            Column("Tax group", _attr("tax_group")),
            Column("Active", _yes_no("is_active")),
        ),
    ),
    Resource(
        path="tax-rates",
        title="Tax rates",
        schema=s.TaxRate,
        public=s.TaxRatePublic,
        keys=(
            FormField("tax_group", "Tax group", suggestions=_tax_groups),
            FormField(
                "jurisdiction",
                "Jurisdiction",
                hint="A store code (pickup, carry out) or a region (ship-to address).",
            ),
        ),
        fields=(FormField("rate", "Rate", "rate", "A percentage; 0 is allowed."),),
        columns=(
            Column("Tax group", _attr("tax_group")),
            Column("Jurisdiction", _attr("jurisdiction")),
            Column("Rate", lambda row, _l: format_percent(row.rate * 100) + " %", is_number=True),
        ),
    ),
    Resource(
        path="delivery-modes",
        title="Delivery modes",
        schema=s.DeliveryMode,
        public=s.DeliveryModePublic,
        keys=(FormField("code", "Code"),),
        fields=(
            FormField("name", "Name"),
            FormField(
                "kind",
                "Kind",
                "choice",
                choices=_fixed(("ship", "Ship"), ("pickup", "Pick up"), ("carry_out", "Carry out")),
            ),
            FormField(
                "rate_amount",
                "Shipping rate",
                "money",
                "Charged per ship line group (ship modes only).",
            ),
        ),
        columns=(
            Column("Code", _attr("code")),
            Column("Name", _attr("name")),
            Column("Kind", lambda row, _l: row.kind.replace("_", " ").capitalize()),
            Column("Rate", _money("rate_amount"), is_number=True),
        ),
    ),
    Resource(
        path="charge-codes",
        title="Charge codes",
        schema=s.ChargeCode,
        public=s.ChargeCodePublic,
        keys=(FormField("code", "Code"),),
        fields=(
            FormField("description", "Description"),
            FormField("tax_group", "Tax group", suggestions=_tax_groups),
        ),
        columns=(
            Column("Code", _attr("code")),
            Column("Description", _attr("description")),
            Column("Tax group", _attr("tax_group")),
        ),
    ),
    Resource(
        path="customers",
        title="Customers",
        schema=s.Customer,
        public=s.CustomerPublic,
        keys=(FormField("account", "Account"),),
        fields=(
            FormField("name", "Name"),
            FormField("phone", "Phone", is_optional=True),
            FormField("email", "E-mail", is_optional=True),
        ),
        columns=(
            Column("Account", _attr("account")),
            Column("Name", _attr("name")),
            Column("Phone", _attr("phone")),
            Column("E-mail", _attr("email")),
            Column(
                "Addresses",
                lambda row, _l: (
                    "; ".join(f"{a.street}, {a.city} {a.region}" for a in row.addresses) or "none"
                ),
            ),
        ),
        extra_template="_addresses.html",
    ),
    Resource(
        path="staff",
        title="Staff and roles",
        schema=s.StaffMember,
        public=s.StaffPublic,
        keys=(FormField("operator_id", "Operator id"),),
        fields=(
            FormField("name", "Name"),
            FormField(
                "role",
                "Role",
                "choice",
                choices=_fixed(
                    ("cashier", "Cashier"),
                    ("supervisor", "Supervisor"),
                    ("manager", "Manager"),
                    ("hq_admin", "HQ admin (back office)"),
                ),
            ),
            FormField(
                "store_code",
                "Store",
                "choice",
                "Where this person may sign in.",
                is_optional=True,
                choices=STORES_OR_HQ,
            ),
            FormField(
                "password",
                "New password",
                "password",
                "At least 12 characters. Leave empty to keep the current password.",
            ),
            FormField(
                "is_active",
                "Active",
                "bool",
                "Inactive staff cannot sign in; their sessions end.",
            ),
        ),
        columns=(
            Column("Operator id", _attr("operator_id")),
            Column("Name", _attr("name")),
            Column("Role", lambda row, _l: row.role.replace("_", " ").capitalize()),
            Column("Store", lambda row, _l: row.store_code or "all (HQ)"),
            Column("Active", lambda row, _l: "no" if row.is_active is False else "yes"),
        ),
    ),
    Resource(
        path="inventory",
        title="Inventory",
        schema=s.Inventory,
        public=s.InventoryPublic,
        keys=(
            FormField("location", "Location", suggestions=_locations),
            FormField("sku", "SKU", suggestions=_skus),
        ),
        fields=(
            FormField(
                "on_hand_qty",
                "On hand",
                "int",
                "Counted stock at this location. "
                "Reservations are kept by orders and not edited here.",
            ),
        ),
        columns=(
            Column("Location", _attr("location")),
            Column("SKU", _attr("sku")),
            Column("On hand", _attr("on_hand_qty"), is_number=True),
            Column("Reserved", _attr("reserved_qty"), is_number=True),
            Column(
                "Available", lambda row, _l: str(row.on_hand_qty - row.reserved_qty), is_number=True
            ),
        ),
        extra_template="_inventory_reserved.html",
    ),
)
BY_PATH = {r.path: r for r in RESOURCES}
assert BY_PATH.keys() == master_data.RESOURCES.keys(), "a page for every kind of master data"


def nav_entries() -> list[tuple[str, str]]:
    return [(f"/{r.path}", r.title) for r in RESOURCES]


# -- pages ----------------------------------------------------------------------------------


def _matches(row: Any, resource: Resource, lookups: Lookups, text: str) -> bool:
    needle = text.lower()
    return any(needle in column.value(row, lookups).lower() for column in resource.columns)


def list_page(request: Request, resource: Resource, uow: UnitOfWork, staff: Any) -> HTMLResponse:
    q = request.query_params.get("q", "").strip()[:100]
    currency = currency_of(uow)
    lookups = {"currency": currency, **resource.lookups(uow)}
    rows = master_data.search_records(uow, resource.path, q) if q else None
    if rows is None:
        rows = master_data.list_records(uow, resource.path)
        if q:
            rows = [r for r in rows if _matches(r, resource, lookups, q)]
    table = [(resource.row_keys(r), [c.value(r, lookups) for c in resource.columns]) for r in rows]
    return render(
        request,
        "records.html",
        staff=staff,
        resource=resource,
        table=table,
        q=q,
        saved=request.query_params.get("saved", "")[:100],
    )


def _key_values(resource: Resource, source: Any) -> dict[str, str]:
    return {k.name: str(source.get(k.name) or "").strip() for k in resource.keys}


def _form_of(resource: Resource, public: dict[str, Any], currency: str) -> dict[str, str]:
    form = {k.name: str(public.get(k.name, "")) for k in resource.keys}
    for f in resource.fields:
        form[f.name] = "" if f.kind == "password" else shown(f.kind, public.get(f.name), currency)
    return form


def _address_forms(public: dict[str, Any]) -> list[dict[str, str]]:
    rows = [
        {k: "" if v is None else str(v) for k, v in a.items()} for a in public.get("addresses", [])
    ]
    return [
        *rows,
        {
            "id": "",
            "name": "",
            "street": "",
            "city": "",
            "region": "",
            "postal_code": "",
            "country": "US",
        },
    ]


def _options(resource: Resource, uow: UnitOfWork) -> dict[str, list[tuple[str, str]]]:
    found = {}
    for f in (*resource.keys, *resource.fields):
        source = f.choices or f.suggestions
        if source is not None:
            found[f.name] = source(uow)
    return found


def edit_page(
    request: Request,
    resource: Resource,
    uow: UnitOfWork,
    staff: Any,
    *,
    is_new: bool,
    form: dict[str, str],
    errors: dict[str, str],
    public: dict[str, Any] | None,
    addresses: list[dict[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "record_edit.html",
        staff=staff,
        status_code=422 if errors else 200,
        resource=resource,
        is_new=is_new,
        form=form,
        errors=errors,
        public=public or {},
        options=_options(resource, uow),
        addresses=addresses
        if addresses is not None
        else _address_forms(public or {"addresses": []}),
        lookups={"currency": currency_of(uow), **resource.lookups(uow)},
        **(extra or {}),
    )


def show_edit(request: Request, resource: Resource, uow: UnitOfWork, staff: Any) -> HTMLResponse:
    keys = _key_values(resource, request.query_params)
    currency = currency_of(uow)
    if not all(keys.values()):
        empty = resource.schema.model_fields
        public: dict[str, Any] = {
            name: (info.default if not info.is_required() else None) for name, info in empty.items()
        }
        public.setdefault("addresses", [])
        form = _form_of(resource, {**public, **keys}, currency)
        return edit_page(
            request, resource, uow, staff, is_new=True, form=form, errors={}, public=None
        )
    row = master_data.get_record(uow, resource.path, keys)
    found = resource.public.model_validate(row).model_dump()
    return edit_page(
        request,
        resource,
        uow,
        staff,
        is_new=False,
        form=_form_of(resource, found, currency),
        errors={},
        public=found,
    )


ADDRESS_FIELD = re.compile(r"^addresses\[(\d+)\]\.(\w+)$")
ADDRESS_KEYS = ("id", "name", "street", "city", "region", "postal_code", "country")


def _addresses_from(form: FormData) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """The address rows as typed, and those to save: removed and all-empty rows dropped."""
    typed: dict[int, dict[str, str]] = {}
    for name, value in form.multi_items():
        match = ADDRESS_FIELD.match(name)
        if match and isinstance(value, str) and int(match.group(1)) < 50:
            typed.setdefault(int(match.group(1)), {})[match.group(2)] = value.strip()
    shown_rows, kept = [], []
    for index in sorted(typed):
        row = {k: typed[index].get(k, "") for k in (*ADDRESS_KEYS, "remove")}
        shown_rows.append(row)
        blank = not any(row[k] for k in ADDRESS_KEYS if k not in ("id", "country"))
        if row["remove"] or (blank and not row["id"]):
            continue
        address: dict[str, Any] = {k: row[k] for k in ADDRESS_KEYS}
        address["id"] = row["id"] or None
        kept.append(address)
    return shown_rows, kept


async def save(request: Request, resource: Resource, uow: UnitOfWork, staff: Any) -> Response:
    submitted = await request.form()
    is_new = submitted.get("is_new") == "yes"
    keys = _key_values(resource, submitted)
    currency = currency_of(uow)
    form = {**keys, **{f.name: str(submitted.get(f.name) or "") for f in resource.fields}}
    errors = master_data.key_errors(resource.path, keys)
    values, field_errors = read_fields(resource.fields, form, currency)
    errors.update(field_errors)
    address_rows: list[dict[str, str]] | None = None
    if resource.path == "customers":
        address_rows, values["addresses"] = _addresses_from(submitted)
        address_rows.append(dict.fromkeys((*ADDRESS_KEYS, "remove"), "") | {"country": "US"})
    public: dict[str, Any] | None = None
    if not errors:
        # Fields the form does not show keep their stored values.
        existing = None if is_new else master_data.get_record(uow, resource.path, keys)
        public = resource.public.model_validate(existing).model_dump() if existing else {}
        data = {n: v for n, v in public.items() if n in resource.schema.model_fields}
        data.update(values)
        body, errors = validate(resource.schema, data, _kinds(resource))
        if body is not None:
            try:
                master_data.put_record(uow, resource.path, keys, body.model_dump(), is_new=is_new)
            except (InvalidInput, IdInUse) as error:
                errors = {error.field: error.message}
            else:
                saved = f"{resource.singular.capitalize()} {resource.key_text(keys)} saved."
                target = f"/{resource.path}?{urlencode({'saved': saved})}"
                return RedirectResponse(target, status_code=303)
    return edit_page(
        request,
        resource,
        uow,
        staff,
        is_new=is_new,
        form=form,
        errors=errors,
        public=public if not is_new else None,
        addresses=address_rows,
    )


def _kinds(resource: Resource) -> dict[str, str]:
    return {f.name: f.kind for f in (*resource.keys, *resource.fields)}


def _add_routes(resource: Resource) -> None:
    @router.get(f"/{resource.path}", response_class=HTMLResponse, name=f"page_{resource.path}")
    def listed(request: Request, uow: UowDep, staff: PageStaff) -> HTMLResponse:
        return list_page(request, resource, uow, staff)

    @router.get(f"/{resource.path}/edit", response_class=HTMLResponse)
    def edit(request: Request, uow: UowDep, staff: PageStaff) -> HTMLResponse:
        return show_edit(request, resource, uow, staff)

    @router.post(f"/{resource.path}/edit", response_class=HTMLResponse)
    async def saved(request: Request, uow: UowDep, staff: PageStaff) -> Response:
        return await save(request, resource, uow, staff)


for _resource in RESOURCES:
    _add_routes(_resource)


@router.post("/stores/token", response_class=HTMLResponse)
async def issue_token(request: Request, uow: UowDep, staff: PageStaff) -> HTMLResponse:
    """A new HQ token for a store server, shown once (the old one stops working)."""
    code = str((await request.form()).get("code") or "")
    token = master_data.issue_store_token(uow, code)
    issued = {"store_code": code, "token": token}
    return render(request, "store_token.html", staff=staff, issued=issued)

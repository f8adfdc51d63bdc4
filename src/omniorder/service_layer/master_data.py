"""HQ's master data: one registry of the kinds of record, and the use cases that read and
write them — for the HQ API (`entrypoints/hq/records.py`), the back-office pages
(`record_pages.py`, `parameter_pages.py`) and the command line (`cli.py`).

Records are the adapters' row types, read and written whole through `uow.records`. Values
come in as plain dicts whose shape the caller has already checked (the HTTP schemas in
`entrypoints/hq/master_data_schemas.py`); what is checked here is what needs the database
or holds for every caller: keys, the records a record names, staff passwords. Each
refusal is a named error of `domain/errors.py` carrying the field it concerns, so the API
answers 4xx with `field` and a page marks that field. Each writing use case commits itself.
"""

from __future__ import annotations

import re
import secrets
import uuid
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
from omniorder.domain.errors import Conflict, IdInUse, InvalidInput, NotFound
from omniorder.service_layer.auth import hash_password, token_hash
from omniorder.service_layer.unit_of_work import Records, UnitOfWork

Key = Mapping[str, str]
Values = Mapping[str, Any]
# (resource, key, values, the record as stored or None) → the record to store
Builder = Callable[["Resource", Key, Values, Any], Base]
Searcher = Callable[[Records, str, int], Sequence[Base]]
# (records, key, values) → None, or raises what is wrong
Check = Callable[[Records, Key, Values], None]

KEY_CHARACTERS = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class Reference:
    """A field naming another record, which must exist when the record is saved.

    `target` is the resource named; `via` is the target's field the value is matched with
    when it is not the target's key (a tax group is named by its tax rates' `tax_group`).
    """

    field: str
    target: str
    via: str | None = None
    message: str = "{what} {value} does not exist."


def _plain(resource: Resource, key: Key, values: Values, _existing: Any) -> Base:
    return resource.row_type(**key, **values)


@dataclass(frozen=True)
class Resource:
    """One kind of master-data record."""

    name: str  # the API's path segment (/api/v1/<name>) and the back office's (/<name>)
    singular: str  # in messages: "No tax rate GENERAL / NY."
    row_type: type[Base]
    keys: tuple[str, ...]
    key_lengths: tuple[int, ...]  # the longest each key may be (its column's length)
    references: tuple[Reference, ...] = ()
    order: tuple[str, ...] = ()  # list order; the keys when empty
    build: Builder = _plain
    search: Searcher | None = None
    check: Check | None = None  # a rule of this kind beyond its references
    # Fields only the use cases write (hashes); a caller sending one is refused.
    internal: frozenset[str] = frozenset()
    # Deleting is allowed only where nothing outside master data can name the record.
    deletable: bool = False

    def key_of(self, key: Key) -> Any:
        parts = tuple(key[k] for k in self.keys)
        return parts if len(parts) > 1 else parts[0]

    def key_text(self, key: Key) -> str:
        return " / ".join(str(key[k]) for k in self.keys)

    def key_values(self, row: Any) -> dict[str, str]:
        return {k: str(getattr(row, k)) for k in self.keys}


def _store(resource: Resource, key: Key, values: Values, existing: StoreRow | None) -> Base:
    # A store's HQ token is issued on its own (`issue_store_token`); saving keeps it.
    return StoreRow(**key, **values, token_hash=existing.token_hash if existing else None)


def _check_time_zone(_records: Records, _key: Key, values: Values) -> None:
    """A store's time zone is an IANA name (America/New_York): it decides the store's today."""
    name = values.get("time_zone")
    if name is None:
        return
    try:
        if not isinstance(name, str) or not name or name != name.strip():
            raise ValueError(name)
        zoneinfo.ZoneInfo(name)
    except (ValueError, OSError, zoneinfo.ZoneInfoNotFoundError):
        raise InvalidInput(
            "time_zone", "Enter an IANA time zone name, such as America/New_York."
        ) from None


def _customer(resource: Resource, key: Key, values: Values, _existing: Any) -> Base:
    row = CustomerRow(**key, **{k: v for k, v in values.items() if k != "addresses"})
    row.addresses = [
        CustomerAddressRow(
            id=address.get("id") or uuid.uuid4(),
            position=n,
            **{k: v for k, v in address.items() if k != "id"},
        )
        for n, address in enumerate(values.get("addresses") or [])
    ]
    return row


# ASVS 2.1.1: a password set through the API, the back office or the CLI. The demo staff's
# shorter ones are seeded directly (adapters/demo_data.py), never through here.
PASSWORD_MIN_LENGTH = 12


def _hash_new_password(values: Values) -> Values:
    """A staff member's new password checked and hashed, before any transaction opens
    (argon2 takes a while and must not hold SQLite's write lock): `password` becomes
    `password_hash`, which `_staff` takes as the new password."""
    password = values.get("password")
    if not password:
        return {k: v for k, v in values.items() if k != "password"}
    if not isinstance(password, str) or len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput(
            "password", f"A password needs at least {PASSWORD_MIN_LENGTH} characters."
        )
    rest = {k: v for k, v in values.items() if k != "password"}
    return {**rest, "password_hash": hash_password(password)}


def _staff(resource: Resource, key: Key, values: Values, existing: StaffRow | None) -> Base:
    new_hash = values.get("password_hash")  # hashed by put_record() before the transaction
    if not new_hash and existing is None:
        raise InvalidInput("password", "A new staff member needs a password.")
    password_hash = new_hash or existing.password_hash  # type: ignore[union-attr]
    fields = {k: v for k, v in values.items() if k != "password_hash"}
    # A new password or a deactivation ends the staff member's sessions (auth.py), at HQ at
    # once and at the stores with their next channel data.
    epoch = (existing.session_epoch or 0) if existing else 0
    if existing is not None and (
        new_hash or (existing.is_active is not False and fields.get("is_active") is False)
    ):
        epoch += 1
    return StaffRow(**key, **fields, password_hash=password_hash, session_epoch=epoch)


def _check_addresses(records: Records, key: Key, values: Values) -> None:
    """A customer's address ids are its own: not listed twice, not another customer's."""
    seen: set[Any] = set()
    for n, address in enumerate(values.get("addresses") or []):
        address_id = address.get("id")
        if address_id is None:
            continue
        where = f"addresses[{n}].id"
        if address_id in seen:
            raise InvalidInput(where, "This address is listed twice.")
        seen.add(address_id)
        stored = records.get(CustomerAddressRow, address_id)
        if stored is not None and stored.customer_account != key["account"]:
            raise IdInUse(
                where,
                f"Address {address_id} belongs to customer {stored.customer_account}; "
                "leave out its id to add a new address.",
            )


TAX_GROUP = Reference(
    "tax_group",
    "tax-rates",
    via="tax_group",
    message="Tax group {value} has no tax rate yet; add a tax rate for it first.",
)

RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        Resource(
            "functionality-profiles",
            "functionality profile",
            FunctionalityProfileRow,
            keys=("code",),
            key_lengths=(20,),
            deletable=True,
        ),
        Resource(
            "stores",
            "store",
            StoreRow,
            keys=("code",),
            key_lengths=(20,),
            references=(Reference("profile_code", "functionality-profiles"),),
            build=_store,
            check=_check_time_zone,
            internal=frozenset({"token_hash"}),
        ),
        Resource(
            "products",
            "product",
            ProductRow,
            keys=("sku",),
            key_lengths=(40,),
            references=(TAX_GROUP,),
            search=lambda records, text, limit: records.search_products(text, limit=limit),
            internal=frozenset({"price_changed_at"}),
        ),
        Resource(
            "tax-rates",
            "tax rate",
            TaxRateRow,
            keys=("tax_group", "jurisdiction"),
            key_lengths=(20, 20),
            deletable=True,
        ),
        Resource("delivery-modes", "delivery mode", DeliveryModeRow, ("code",), (20,)),
        Resource(
            "charge-codes",
            "charge code",
            ChargeCodeRow,
            keys=("code",),
            key_lengths=(20,),
            references=(TAX_GROUP,),
        ),
        Resource(
            "customers",
            "customer",
            CustomerRow,
            keys=("account",),
            key_lengths=(20,),
            build=_customer,
            check=_check_addresses,
            search=lambda records, text, limit: records.search_customers(text, limit=limit),
        ),
        Resource(
            "staff",
            "staff member",
            StaffRow,
            keys=("operator_id",),
            key_lengths=(20,),
            references=(Reference("store_code", "stores"),),
            build=_staff,
            internal=frozenset({"password_hash", "session_epoch"}),
        ),
        Resource(
            "inventory",
            "stock record",
            InventoryRow,
            keys=("location", "sku"),
            key_lengths=(20, 40),
            references=(Reference("sku", "products"),),
            deletable=True,
        ),
    )
}

# The retail parameters are one record (docs/rules.md §1) naming these.
PARAMETER_REFERENCES = (
    Reference("cancellation_charge_code", "charge-codes"),
    Reference("shipping_charge_code", "charge-codes"),
    Reference("pickup_delivery_mode", "delivery-modes"),
    Reference("carry_out_delivery_mode", "delivery-modes"),
)


# -- checks --------------------------------------------------------------------------------


def key_errors(name: str, key: Key) -> dict[str, str]:
    """What is wrong with each key of a record to save (keys end up in URLs and in other
    records' references: short codes without spaces)."""
    kind = RESOURCES[name]
    errors: dict[str, str] = {}
    for k, longest in zip(kind.keys, kind.key_lengths, strict=True):
        text = key.get(k) or ""
        if not text:
            errors[k] = "Enter a code."
        elif len(text) > longest or not KEY_CHARACTERS.match(text):
            errors[k] = f"Use up to {longest} letters, digits, “.”, “_” or “-”, with no spaces."
    return errors


def _check_keys(kind: Resource, key: Key) -> None:
    for k, message in key_errors(kind.name, key).items():
        raise InvalidInput(k, message)


def _check_references(records: Records, references: Sequence[Reference], values: Values) -> None:
    for ref in references:
        value = values.get(ref.field)
        if value is None:
            continue  # optional references (a staff member of every store) name nothing
        if not _exists(records, ref, value):
            what = RESOURCES[ref.target].singular.capitalize() if ref.via is None else ""
            raise InvalidInput(ref.field, ref.message.format(what=what, value=value))


def _exists(records: Records, ref: Reference, value: Any) -> bool:
    target = RESOURCES[ref.target]
    if ref.via is None:
        return records.get(target.row_type, value) is not None
    return any(getattr(row, ref.via) == value for row in records.list(target.row_type))


# -- use cases -----------------------------------------------------------------------------


def list_records(uow: UnitOfWork, name: str) -> list[Any]:
    """Every record of a kind, in key order."""
    kind = RESOURCES[name]
    order = [getattr(kind.row_type, f) for f in kind.order or kind.keys]
    with uow:
        return list(uow.records.list(kind.row_type, *order))


def search_records(uow: UnitOfWork, name: str, text: str, *, limit: int = 100) -> list[Any] | None:
    """Records matching the text, for kinds the repository can search (None for others)."""
    kind = RESOURCES[name]
    if kind.search is None:
        return None
    with uow:
        return list(kind.search(uow.records, text, limit))


def find_record(uow: UnitOfWork, name: str, key: Key) -> Any | None:
    kind = RESOURCES[name]
    with uow:
        return uow.records.get(kind.row_type, kind.key_of(key))


def get_record(uow: UnitOfWork, name: str, key: Key) -> Any:
    row = find_record(uow, name, key)
    if row is None:
        kind = RESOURCES[name]
        raise NotFound(f"No {kind.singular} {kind.key_text(key)}.")
    return row


def put_record(
    uow: UnitOfWork, name: str, key: Key, values: Values, *, is_new: bool | None = None
) -> Any:
    """Create or replace one record whole, after checking its keys and what it names.

    `is_new` True refuses a record that exists (a form for a new one), False one that does
    not (a form editing one); None saves either way (the API's PUT).
    """
    kind = RESOURCES[name]
    _check_keys(kind, key)
    for f in sorted(kind.internal | set(kind.keys)):
        if f in values:
            raise InvalidInput(f, f"{f} cannot be set here.")
    if kind.build is _staff:
        values = _hash_new_password(values)  # hash first, then open the unit of work
    with uow:
        existing = uow.records.get(kind.row_type, kind.key_of(key))
        if is_new is True and existing is not None:
            raise IdInUse(
                kind.keys[0],
                f"{kind.singular.capitalize()} {kind.key_text(key)} already exists; "
                "open it from the list to change it.",
            )
        if is_new is False and existing is None:
            raise NotFound(f"No {kind.singular} {kind.key_text(key)}.")
        _check_references(uow.records, kind.references, {**values, **key})
        if kind.check is not None:
            kind.check(uow.records, key, values)
        row = uow.records.put(kind.build(kind, key, values, existing))
        uow.commit()
    return row


def delete_record(uow: UnitOfWork, name: str, key: Key) -> None:
    """Delete one record that nothing names any more.

    Only kinds that orders and journals never name can be deleted (profiles, tax rates and
    stock records without reservations); a record another record or the parameters still
    need is a conflict.
    """
    kind = RESOURCES[name]
    if not kind.deletable:
        raise Conflict(f"A {kind.singular} cannot be deleted: orders may name it.")
    with uow:
        row = uow.records.get(kind.row_type, kind.key_of(key))
        if row is None:
            raise NotFound(f"No {kind.singular} {kind.key_text(key)}.")
        if isinstance(row, InventoryRow) and row.reserved_qty:
            raise Conflict(
                f"Stock record {kind.key_text(key)} has {row.reserved_qty} reserved for "
                "orders; it cannot be deleted."
            )
        uow.records.delete(row)
        named_by = _named_by(uow.records, kind, row)
        if named_by is not None:
            raise Conflict(
                f"{kind.singular.capitalize()} {kind.key_text(key)} cannot be deleted: "
                f"{named_by} names it."
            )
        uow.commit()


def _named_by(records: Records, deleted: Resource, row: Any) -> str | None:
    """Who still names a record just deleted: another record, or the retail parameters."""
    for other in RESOURCES.values():
        for ref in other.references:
            if ref.target != deleted.name:
                continue
            value = getattr(row, ref.via or deleted.keys[0])
            if _exists(records, ref, value):
                continue  # another record still answers to the name (a rate of the group)
            for named in records.list(other.row_type):
                if getattr(named, ref.field) == value:
                    return f"{other.singular} {other.key_text(other.key_values(named))}"
    parameters = records.parameters()
    for ref in PARAMETER_REFERENCES:
        if ref.target != deleted.name or parameters is None:
            continue
        if getattr(parameters, ref.field) == getattr(row, deleted.keys[0]):
            return "the retail parameters"
    return None


def get_parameters(uow: UnitOfWork) -> ParametersRow:
    with uow:
        row = uow.records.parameters()
    if row is None:
        raise NotFound("Retail parameters are not set up yet.")
    return row


def update_parameters(uow: UnitOfWork, values: Values) -> ParametersRow:
    """Replace the retail parameters; the charge codes and delivery modes they name must
    exist. Stores get them with their next channel-data download."""
    with uow:
        _check_references(uow.records, PARAMETER_REFERENCES, values)
        row = uow.records.put(ParametersRow(id=1, **values))
        uow.commit()
    return row


def issue_store_token(uow: UnitOfWork, code: str) -> str:
    """A new HQ token for a store server, returned in clear this once; HQ keeps only its
    SHA-256 hash, and the store's previous token stops working."""
    token = secrets.token_urlsafe(32)
    with uow:
        store = uow.records.store(code)
        if store is None:
            raise NotFound(f"No store {code}.")
        store.token_hash = token_hash(token)
        uow.commit()
    return token


def set_store_server_urls(uow: UnitOfWork, urls: Mapping[str, str]) -> None:
    """Where HQ's jobs reach each store's server (`omniorder demo`); unknown stores are
    skipped."""
    with uow:
        for code, url in urls.items():
            store = uow.records.store(code)
            if store is not None:
                store.server_url = url
        uow.commit()

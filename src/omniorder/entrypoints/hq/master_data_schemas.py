"""Schemas of the master data HQ owns: parameters, profiles, stores, products, customers, …

Amounts are integer minor units here (`*_amount`), as stored; rates and percentages are
decimal strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from omniorder.domain.money import MINOR_UNITS

Code = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_.-]+$")]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=4)]
Rate = Annotated[Decimal, Field(ge=0, lt=1, decimal_places=6)]
MinorUnits = Annotated[int, Field(ge=0, le=10**12)]


def _known_currency(code: str) -> str:
    if code not in MINOR_UNITS:
        raise ValueError(f"{code} is not an ISO 4217 currency code (e.g. USD, EUR, JPY).")
    return code


# Any ISO 4217 currency the deployment knows (its minor units come from ISO data).
Currency = Annotated[
    str, Field(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$"), AfterValidator(_known_currency)
]


class Record(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")


class Parameters(Record):
    currency: Currency = "USD"
    default_deposit_percent: Percent
    cancellation_charge_percent: Percent
    cancellation_charge_code: Code | None
    shipping_charge_code: Code | None
    is_shipping_refund_allowed: bool
    max_shipping_refund_without_approval_amount: MinorUnits
    pickup_delivery_mode: Code
    carry_out_delivery_mode: Code
    quote_expiration_days: int = Field(ge=0, le=3650)
    default_tax_rate: Rate


class FunctionalityProfile(Record):
    name: str = Field(min_length=1, max_length=100)
    is_async: bool = False
    is_async_backup: bool = False
    async_backup_timeout_ms: int = Field(default=5000, ge=100, le=120_000)


class FunctionalityProfilePublic(FunctionalityProfile):
    code: str


class Store(Record):
    name: str = Field(min_length=1, max_length=100)
    time_zone: str = Field(min_length=1, max_length=64)
    region: Code
    street: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    phone: str | None = Field(default=None, max_length=40)
    is_pickup_location: bool = True
    warehouse: Code
    shipping_warehouse: Code
    profile_code: Code
    server_url: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^https?://[^\s]+$",
        description="Where HQ's jobs reach this store's server (async mode)",
    )


class StorePublic(Store):
    code: str


class Product(Record):
    name: str = Field(min_length=1, max_length=200)
    barcode: str | None = Field(default=None, max_length=40)
    price_amount: MinorUnits
    tax_group: Code
    is_active: bool = True


class ProductPublic(Product):
    sku: str


class TaxRate(Record):
    rate: Rate


class TaxRatePublic(TaxRate):
    tax_group: str
    jurisdiction: str


class DeliveryMode(Record):
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["ship", "pickup", "carry_out"]
    rate_amount: MinorUnits = 0


class DeliveryModePublic(DeliveryMode):
    code: str


class ChargeCode(Record):
    description: str = Field(min_length=1, max_length=100)
    tax_group: Code


class ChargeCodePublic(ChargeCode):
    code: str


class CustomerAddress(Record):
    id: UUID | None = None
    name: str = Field(min_length=1, max_length=200)
    street: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: Code
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(default="US", min_length=2, max_length=2)


class Customer(Record):
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    addresses: list[CustomerAddress] = []


class CustomerPublic(Customer):
    account: str


class StaffMember(Record):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["cashier", "supervisor", "manager", "hq_admin"]
    store_code: Code | None = None
    password: str | None = Field(
        default=None, min_length=12, max_length=200, description="Write-only; omit to keep"
    )
    is_active: bool = Field(
        default=True, description="False: cannot sign in, and their sessions end"
    )


class StaffPublic(Record):
    operator_id: str
    name: str
    role: str
    store_code: str | None
    is_active: bool = True


class Inventory(Record):
    on_hand_qty: int = Field(ge=0, le=10**9)
    reserved_qty: int = Field(default=0, ge=0, le=10**9)


class InventoryPublic(Record):
    """Stock as recorded: on hand goes below zero when more was picked up or shipped than
    the records held (docs/rules.md, *Stock below zero*), and shows as such."""

    location: str
    sku: str
    on_hand_qty: int
    reserved_qty: int

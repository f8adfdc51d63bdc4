"""Request and response schemas shared by the store and HQ APIs (kept apart from the domain).

Amounts travel as decimal strings in major units ("12.34"), never as JSON numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from omniorder.adapters.orm import CustomerRow
from omniorder.domain.creation import MAX_LINE_QUANTITY
from omniorder.domain.money import Money
from omniorder.domain.order import Address, Order
from omniorder.domain.statuses import Fulfilment, OrderType, Tender
from omniorder.domain.summary import OrderSummary
from omniorder.entrypoints.history_words import describe
from omniorder.service_layer.cart import LineInput
from omniorder.service_layer.catalogue import Availability, ProductView

Amount = Annotated[
    str,
    StringConstraints(pattern=r"^-?\d{1,12}(\.\d{1,3})?$"),
    Field(
        description='A decimal amount in major units, as a string, e.g. "12.34"', examples=["12.34"]
    ),
]


# -- limits (docs/api.md, *Limits*) ---------------------------------------------------------
# What one request may hold: enough for any real order, small enough that no request can make
# a server work for long or overflow a 32-bit column.
MAX_QUANTITY = MAX_LINE_QUANTITY  # the domain's rule, checked here first for a clear 422
MAX_LINES = 200
MAX_PAYMENTS = 20
INT32_MAX = 2**31 - 1
FIRST_YEAR, LAST_YEAR = 2000, 2100

Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY, description=f"Units: 1 to {MAX_QUANTITY:,}")]


def _year_in_range(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return value


Day = Annotated[date, AfterValidator(_year_in_range)]
"""A calendar date between the years 2000 and 2100."""

Instant = Annotated[AwareDatetime, AfterValidator(_year_in_range)]
"""A moment with its UTC offset (a time without one is refused), years 2000 to 2100."""


def amount_str(money: Money) -> str:
    return f"{money.to_decimal()}"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- requests -----------------------------------------------------------------------------


class SignIn(Strict):
    operator_id: str = Field(min_length=1, max_length=20)
    password: str = Field(min_length=1, max_length=200)


class ManagerOverride(Strict):
    operator_id: str = Field(min_length=1, max_length=20)
    password: str = Field(min_length=1, max_length=200)


class AddressIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    street: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str = Field(min_length=1, max_length=20)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(default="US", min_length=2, max_length=2)

    def to_domain(self) -> Address:
        return Address(**self.model_dump())


class LineCreate(Strict):
    sku: str = Field(min_length=1, max_length=40)
    quantity: Quantity
    fulfilment: Fulfilment
    requested_date: Day | None = Field(
        default=None, description="Ship or pickup date; not before the store's today"
    )
    delivery_mode: str | None = Field(
        default=None, max_length=20, description="Ship lines: a ship mode code"
    )
    ship_to: AddressIn | None = Field(default=None, description="Ship lines: a new address")
    ship_to_address_id: UUID | None = Field(
        default=None, description="Ship lines: one of the customer's addresses"
    )
    pickup_store: str | None = Field(
        default=None,
        max_length=20,
        description="Pickup lines: the pickup store (default: this store)",
    )
    pickup_by: str | None = Field(default=None, max_length=200, description="Who will collect")

    def to_input(self) -> LineInput:
        return LineInput(
            sku=self.sku,
            quantity=self.quantity,
            fulfilment=self.fulfilment,
            requested_date=self.requested_date,
            delivery_mode=self.delivery_mode,
            ship_to=self.ship_to.to_domain() if self.ship_to else None,
            ship_to_address_id=self.ship_to_address_id,
            pickup_store=self.pickup_store,
            pickup_by=self.pickup_by,
        )


class PaymentCreate(Strict):
    id: UUID | None = None
    tender: Tender
    amount: Amount
    card_number: str | None = Field(default=None, max_length=25)


class CustomerOrderCreate(Strict):
    id: UUID | None = Field(
        default=None,
        description="Client-generated order id; repeating it returns the first order",
    )
    order_type: OrderType = OrderType.CUSTOMER_ORDER
    customer_account: str = Field(min_length=1, max_length=20)
    lines: list[LineCreate] = Field(max_length=MAX_LINES)
    shipping_charge: Amount | None = Field(
        default=None, description="Default: the first ship line's delivery-mode rate"
    )
    deposit_override: Amount | None = None
    payments: list[PaymentCreate] = Field(default=[], max_length=MAX_PAYMENTS)
    manager_override: ManagerOverride | None = None


# -- responses ----------------------------------------------------------------------------


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    operator_id: str
    name: str
    role: str


class AddressPublic(BaseModel):
    name: str
    street: str
    city: str
    region: str
    postal_code: str
    country: str


class LinePublic(BaseModel):
    id: UUID
    line_number: int
    sku: str
    description: str
    quantity: int
    unit_price: str
    net_amount: str
    tax_rate: str
    tax_amount: str
    total_amount: str
    fulfilment: Fulfilment
    delivery_mode: str
    location: str
    requested_date: date | None
    ship_to: AddressPublic | None
    pickup_by: str | None
    picked_qty: int
    packed_qty: int
    invoiced_qty: int
    cancelled_qty: int
    returned_qty: int
    open_qty: int


class ChargePublic(BaseModel):
    id: UUID
    kind: str
    code: str
    amount: str
    tax_amount: str


class PaymentPublic(BaseModel):
    id: UUID
    tender: str
    purpose: str
    amount: str
    created_at: datetime
    card_last4: str | None
    authorization_code: str | None


class InvoiceLinePublic(BaseModel):
    line_id: UUID
    quantity: int
    net_amount: str
    tax_amount: str


class InvoicePublic(BaseModel):
    id: UUID
    number: str | None
    created_at: datetime
    lines: list[InvoiceLinePublic]
    charges_amount: str
    deposit_applied: str
    total_amount: str


class EventLinePublic(BaseModel):
    sku: str
    quantity: int


class EventPublic(BaseModel):
    """One history entry: `detail` says it in words; `amounts`, `lines`, `counts` and `flags`
    are the same facts as data (docs/api.md, *History*)."""

    at: datetime
    action: str
    operator_id: str
    detail: str
    override_by: str | None
    amounts: dict[str, str] = {}
    lines: list[EventLinePublic] = []
    counts: dict[str, int] = {}
    flags: list[str] = []
    collected_by: str | None = None


class TotalsPublic(BaseModel):
    lines_total: str
    charges_total: str
    tax_total: str
    order_total: str
    carry_out_total: str
    order_value: str
    deposit_percent: str
    deposit_required: str
    deposit_overridden: bool
    deposit_paid: str
    amount_paid: str
    amount_due: str


class CustomerOrderPublic(BaseModel):
    id: UUID
    order_type: OrderType
    status: str
    channel_ref: str
    sales_order_number: str | None
    store_code: str
    customer_account: str
    customer_name: str
    currency: str
    created_at: datetime
    created_by: str
    expires_on: date | None
    version: int
    totals: TotalsPublic
    lines: list[LinePublic]
    charges: list[ChargePublic]
    payments: list[PaymentPublic]
    invoices: list[InvoicePublic]
    history: list[EventPublic]
    sync_status: str | None = Field(
        default=None,
        description="Async orders: pending, synchronized or failed (at a store: its journal "
        "entries for the order; at HQ: their staged copies); null for orders made through "
        "the real-time service",
    )
    copy_as_of: datetime | None = Field(
        default=None,
        description="At a store: set when HQ could not be reached and this is the store's "
        "copy of the order, as it was at this time; null when it is HQ's current order",
    )

    @classmethod
    def of(
        cls,
        order: Order,
        *,
        today: date,
        sync_status: str | None = None,
        copy_as_of: datetime | None = None,
    ) -> CustomerOrderPublic:
        """`today`: the store's date (HQ's: UTC), which tells an expired quote."""
        status = order.display_status(today)
        return cls(
            sync_status=sync_status,
            copy_as_of=copy_as_of,
            id=order.id,
            order_type=order.order_type,
            status=status,
            channel_ref=order.channel_ref,
            sales_order_number=order.sales_order_number,
            store_code=order.store_code,
            customer_account=order.customer_account,
            customer_name=order.customer_name,
            currency=order.currency,
            created_at=order.created_at,
            created_by=order.created_by,
            expires_on=order.expires_on,
            version=order.version,
            totals=TotalsPublic(
                lines_total=amount_str(order.lines_total),
                charges_total=amount_str(order.charges_total),
                tax_total=amount_str(order.tax_total),
                order_total=amount_str(order.order_total),
                carry_out_total=amount_str(order.carry_out_total),
                order_value=amount_str(order.order_value),
                deposit_percent=str(order.deposit_percent),
                deposit_required=amount_str(order.required_deposit),
                deposit_overridden=order.deposit_override is not None,
                deposit_paid=amount_str(order.deposit_paid),
                amount_paid=amount_str(order.amount_paid),
                amount_due=amount_str(order.amount_due),
            ),
            lines=[
                LinePublic(
                    id=line.id,
                    line_number=line.line_number,
                    sku=line.sku,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=amount_str(line.unit_price),
                    net_amount=amount_str(line.net_amount),
                    tax_rate=str(line.tax_rate),
                    tax_amount=amount_str(line.tax_amount),
                    total_amount=amount_str(line.gross_amount),
                    fulfilment=line.fulfilment,
                    delivery_mode=line.delivery_mode,
                    location=line.location,
                    requested_date=line.requested_date,
                    ship_to=AddressPublic(**vars(line.ship_to)) if line.ship_to else None,
                    pickup_by=line.pickup_by,
                    picked_qty=line.picked_qty,
                    packed_qty=line.packed_qty,
                    invoiced_qty=line.invoiced_qty,
                    cancelled_qty=line.cancelled_qty,
                    returned_qty=line.returned_qty,
                    open_qty=line.open_qty,
                )
                for line in order.lines
            ],
            charges=[
                ChargePublic(
                    id=c.id,
                    kind=c.kind.value,
                    code=c.code,
                    amount=amount_str(c.amount),
                    tax_amount=amount_str(c.tax_amount),
                )
                for c in order.charges
            ],
            payments=[
                PaymentPublic(
                    id=p.id,
                    tender=p.tender.value,
                    purpose=p.purpose.value,
                    amount=amount_str(p.amount),
                    created_at=p.created_at,
                    card_last4=p.card_last4,
                    authorization_code=p.authorization_code,
                )
                for p in order.payments
            ],
            invoices=[
                InvoicePublic(
                    id=i.id,
                    number=i.number,
                    created_at=i.created_at,
                    lines=[
                        InvoiceLinePublic(
                            line_id=il.line_id,
                            quantity=il.quantity,
                            net_amount=amount_str(il.net_amount),
                            tax_amount=amount_str(il.tax_amount),
                        )
                        for il in i.lines
                    ],
                    charges_amount=amount_str(i.charges_amount),
                    deposit_applied=amount_str(i.deposit_applied),
                    total_amount=amount_str(i.total_amount),
                )
                for i in order.invoices
            ],
            history=[
                EventPublic(
                    at=e.at,
                    action=e.action,
                    operator_id=e.operator_id,
                    detail=describe(e),
                    override_by=e.override_by,
                    amounts={name: amount_str(m) for name, m in e.amounts.items()},
                    lines=[EventLinePublic(sku=c.sku, quantity=c.quantity) for c in e.lines],
                    counts=e.counts,
                    flags=list(e.flags),
                    collected_by=e.collected_by,
                )
                for e in order.events
            ],
        )


class CustomerOrderCreated(CustomerOrderPublic):
    warnings: list[str] = []


class CustomerAddressPublic(AddressPublic):
    id: UUID


class CustomerPublic(BaseModel):
    account: str
    name: str
    phone: str | None
    email: str | None
    addresses: list[CustomerAddressPublic]

    @classmethod
    def of(cls, row: CustomerRow) -> CustomerPublic:
        return cls(
            account=row.account,
            name=row.name,
            phone=row.phone,
            email=row.email,
            addresses=[
                CustomerAddressPublic(
                    id=a.id,
                    name=a.name,
                    street=a.street,
                    city=a.city,
                    region=a.region,
                    postal_code=a.postal_code,
                    country=a.country,
                )
                for a in row.addresses
            ],
        )


class AvailabilityPublic(BaseModel):
    location: str
    on_hand_qty: int
    reserved_qty: int
    available_qty: int

    @classmethod
    def of(cls, a: Availability) -> AvailabilityPublic:
        return cls(
            location=a.location,
            on_hand_qty=a.on_hand_qty,
            reserved_qty=a.reserved_qty,
            available_qty=a.available_qty,
        )


class ProductPublic(BaseModel):
    sku: str
    name: str
    barcode: str | None
    price: str
    tax_group: str
    here: AvailabilityPublic
    other_stores: list[AvailabilityPublic]
    shipping_warehouse: AvailabilityPublic
    is_cached: bool = Field(
        description="True: the figures are the store's channel data (HQ did not answer in "
        "time); false: HQ's stock of this moment"
    )

    @classmethod
    def of(cls, view: ProductView) -> ProductPublic:
        p = view.product
        return cls(
            sku=p.sku,
            name=p.name,
            barcode=p.barcode,
            price=str(Money(p.price_amount).to_decimal()),
            tax_group=p.tax_group,
            here=AvailabilityPublic.of(view.here),
            other_stores=[AvailabilityPublic.of(a) for a in view.other_stores],
            shipping_warehouse=AvailabilityPublic.of(view.shipping_warehouse),
            is_cached=view.is_cached,
        )


# -- operations on existing orders (store API) ---------------------------------------------

Quantities = Annotated[
    dict[UUID, Quantity],
    Field(max_length=MAX_LINES, description="Quantity per order line id", examples=[{}]),
]


class OperationIn(Strict):
    operation_id: UUID | None = Field(
        default=None, description="Client-generated id; repeating it changes nothing again"
    )
    manager_override: ManagerOverride | None = None
    version: int | None = Field(
        default=None,
        ge=0,
        le=2_000_000_000,
        description="The version of the order you saw; if it changed since, the answer is 409 "
        "with `current_version` and nothing is done",
    )


class LineChangeIn(Strict):
    line_id: UUID
    quantity: Quantity | None = None
    fulfilment: Fulfilment | None = None
    requested_date: Day | None = None
    delivery_mode: str | None = Field(default=None, max_length=20)
    ship_to: AddressIn | None = None
    ship_to_address_id: UUID | None = None
    pickup_store: str | None = Field(default=None, max_length=20)
    pickup_by: str | None = Field(default=None, max_length=200)


class OrderEditIn(OperationIn):
    version: int = Field(
        ge=0, le=2_000_000_000, description="The version you are editing; a stale one gets 409"
    )
    add: list[LineCreate] = Field(default=[], max_length=MAX_LINES)
    change: list[LineChangeIn] = Field(default=[], max_length=MAX_LINES)
    void: list[UUID] = Field(default=[], max_length=MAX_LINES)
    shipping_charge: Amount | None = Field(
        default=None, description="New shipping charge (send it only to change it)"
    )
    deposit_override: Amount | None = Field(
        default=None, description="New deposit override (send null to remove it)"
    )
    recalculate: bool = Field(default=False, description="Re-price open lines at today's prices")
    expires_on: Day | None = Field(
        default=None, description="A quote's new expiry date (send it only to change it)"
    )
    payments: list[PaymentCreate] = Field(default=[], max_length=MAX_PAYMENTS)
    refund_tender: Tender | None = None  # None: the original tender (docs/rules.md)


class PickListIn(OperationIn):
    pass


class LinesIn(OperationIn):
    lines: Quantities


class PickupIn(OperationIn):
    lines: Quantities
    collected_by: str = Field(min_length=1, max_length=200)
    payments: list[PaymentCreate] = Field(default=[], max_length=MAX_PAYMENTS)
    refund_tender: Tender | None = None  # None: the original tender (docs/rules.md)


class CancellationIn(OperationIn):
    charge: Amount | None = Field(
        default=None, description="Cancellation charge; default: order value × charge %"
    )
    payments: list[PaymentCreate] = Field(default=[], max_length=MAX_PAYMENTS)
    refund_tender: Tender | None = None  # None: the original tender (docs/rules.md)


class LineCancellationIn(OperationIn):
    lines: Quantities
    refund_tender: Tender | None = None  # None: the original tender (docs/rules.md)


class ReturnLineIn(Strict):
    line_id: UUID
    quantity: Quantity
    reason_code: str = Field(min_length=1, max_length=40)


class ReturnIn(OperationIn):
    invoice: str = Field(min_length=1, max_length=40, description="Invoice number or id")
    lines: list[ReturnLineIn] = Field(default=[], max_length=MAX_LINES)
    shipping_refund: Amount = "0"
    refund_tender: Tender | None = None  # None: the original tender (docs/rules.md)


class ConversionIn(OperationIn):
    payments: list[PaymentCreate] = Field(default=[], max_length=MAX_PAYMENTS)


class AmountDuePublic(BaseModel):
    amount_due: str
    deposit_held: str


class CancellationPreview(BaseModel):
    default_charge: str
    deposit_held: str
    amount_due_with_default_charge: str


class OrderSummaryPublic(BaseModel):
    """One order of a find list (docs/api.md, *Find lists*): the list's columns, read without
    the order's lines, payments or history; `href` GETs the whole order."""

    id: UUID
    order_type: OrderType
    status: str = Field(description="The status a person sees: a quote's, else the order's")
    channel_ref: str
    sales_order_number: str | None
    store_code: str
    customer_account: str
    customer_name: str
    currency: str
    created_at: datetime
    expires_on: date | None
    order_total: str
    balance: str = Field(description="Still to pay on the order; negative: owed to the customer")
    sync_status: str | None = Field(
        default=None, description="As on the whole order (`CustomerOrderPublic.sync_status`)"
    )
    copy_as_of: datetime | None = Field(
        default=None, description="As on the whole order (`CustomerOrderPublic.copy_as_of`)"
    )
    href: str = Field(description="The path of the whole order's GET")

    @classmethod
    def of(
        cls, summary: OrderSummary, *, today: date, href: str, copy_as_of: datetime | None = None
    ) -> OrderSummaryPublic:
        """`today`: the store's date (HQ's: UTC), which tells an expired quote."""
        return cls(
            id=summary.id,
            order_type=summary.order_type,
            status=summary.display_status(today),
            channel_ref=summary.channel_ref,
            sales_order_number=summary.sales_order_number,
            store_code=summary.store_code,
            customer_account=summary.customer_account,
            customer_name=summary.customer_name,
            currency=summary.order_total.currency,
            created_at=summary.created_at,
            expires_on=summary.expires_on,
            order_total=amount_str(summary.order_total),
            balance=amount_str(summary.balance),
            sync_status=summary.sync_status,
            copy_as_of=copy_as_of,
            href=href,
        )


class OrderFilters(BaseModel):
    """Find order's query parameters, the same at HQ's back office and its real-time service
    (docs/api.md): free text (number, reference, customer, phone, e-mail, invoice), exact
    fields, a creation window [created_from, created_to) and a page."""

    q: str | None = Field(None, max_length=100)
    store: str | None = Field(None, max_length=20)
    customer: str | None = Field(None, max_length=20)
    status: str | None = Field(None, max_length=30)
    sku: str | None = Field(None, max_length=40)
    created_from: Instant | None = None
    created_to: Instant | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)

    def search_args(self) -> dict[str, Any]:
        """The keyword arguments of `sales_orders.search_sales_orders`."""
        return {
            "text": self.q,
            "store_code": self.store,
            "customer_account": self.customer,
            "status": self.status,
            "sku": self.sku,
            "created_from": self.created_from,
            "created_to": self.created_to,
            "limit": self.limit,
            "offset": self.offset,
        }

"""Pricing a cart from channel data: products, prices, tax rates, delivery modes, locations.

Turns what the associate chose (`OrderInput`) into the domain's `NewOrder`, refusing unknown
or unusable references with the field that holds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from omniorder.adapters.orm import ParametersRow, StoreRow
from omniorder.domain.creation import ChargeRequest, LineRequest, NewOrder, child_id
from omniorder.domain.errors import InvalidInput, MissingChargeCode, NotFound
from omniorder.domain.money import Money
from omniorder.domain.order import Address
from omniorder.domain.settlement import TenderIn
from omniorder.domain.statuses import Fulfilment, OrderType, Tender
from omniorder.domain.tax import TaxTable
from omniorder.service_layer.unit_of_work import Records


@dataclass(frozen=True)
class LineInput:
    sku: str
    quantity: int
    fulfilment: Fulfilment
    requested_date: date | None = None
    delivery_mode: str | None = None
    ship_to: Address | None = None
    ship_to_address_id: UUID | None = None
    pickup_store: str | None = None
    pickup_by: str | None = None


@dataclass(frozen=True)
class PaymentInput:
    tender: Tender
    amount: Money
    card_number: str | None = None
    id: UUID | None = None


@dataclass(frozen=True)
class OrderInput:
    id: UUID
    order_type: OrderType
    customer_account: str
    lines: tuple[LineInput, ...]
    shipping_charge: Money | None = None
    deposit_override: Money | None = None
    payments: tuple[PaymentInput, ...] = ()


def store_today(store: StoreRow, now: datetime) -> date:
    """The store's local date: requested dates are checked against it (docs/rules.md §2)."""
    return now.astimezone(ZoneInfo(store.time_zone)).date()


def require_parameters(records: Records) -> ParametersRow:
    params = records.parameters()
    if params is None:
        raise NotFound("Retail parameters are not set up yet; ask HQ to configure them.")
    return params


def require_store(records: Records, code: str) -> StoreRow:
    store = records.store(code)
    if store is None:
        raise NotFound(f"Store {code} is not known.")
    return store


def tax_table(records: Records, params: ParametersRow) -> TaxTable:
    return TaxTable(
        {(r.tax_group, r.jurisdiction): r.rate for r in records.tax_rates()},
        default_rate=params.default_tax_rate,
    )


def price_cart(
    records: Records, request: OrderInput, *, store_code: str, channel_ref: str
) -> NewOrder:
    """Resolve every reference of the cart and price it with this store's channel data."""
    params = require_parameters(records)
    store = require_store(records, store_code)
    customer = records.customer(request.customer_account)
    if customer is None:
        raise InvalidInput(
            "customer_account", f"Customer {request.customer_account} does not exist."
        )
    taxes = tax_table(records, params)
    lines = [
        price_line(
            records,
            line,
            f"lines[{index}]",
            params=params,
            taxes=taxes,
            store=store,
            customer_account=customer.account,
        )
        for index, line in enumerate(request.lines)
    ]
    return NewOrder(
        id=request.id,
        order_type=request.order_type,
        store_code=store_code,
        channel_ref=channel_ref,
        customer_account=customer.account,
        customer_name=customer.name,
        currency=params.currency,
        lines=tuple(lines),
        shipping=shipping_charge(records, request.shipping_charge, lines, params, taxes),
        deposit_percent=params.default_deposit_percent,
        deposit_override=request.deposit_override,
        tenders=tuple(
            TenderIn(
                id=payment.id or child_id(request.id, f"payment-{index + 1}"),
                tender=payment.tender,
                amount=payment.amount,
            )
            for index, payment in enumerate(request.payments)
        ),
        quote_expiration_days=params.quote_expiration_days,
    )


def price_line(
    records: Records,
    line: LineInput,
    where: str,
    *,
    params: ParametersRow,
    taxes: TaxTable,
    store: StoreRow,
    customer_account: str,
) -> LineRequest:
    """One cart line with its product, price, tax rate, delivery mode and location resolved.

    Tax follows the fulfilment: the fulfilling store for pickup and carry-out, the ship-to
    region for ship lines (docs/rules.md §1).
    """
    product = records.product(line.sku)
    if product is None or not product.is_active:
        raise InvalidInput(f"{where}.sku", f"Product {line.sku} does not exist.")
    ship_to: Address | None = None
    if line.fulfilment is Fulfilment.SHIP:
        ship_to = _ship_to(records, customer_account, line, where)
        mode_code = line.delivery_mode
        if mode_code is None:
            raise InvalidInput(f"{where}.delivery_mode", "Choose how to ship this line.")
        mode = records.delivery_mode(mode_code)
        if mode is None or mode.kind != "ship":
            raise InvalidInput(
                f"{where}.delivery_mode", f"{mode_code} is not a shipping delivery mode."
            )
        location, jurisdiction = store.shipping_warehouse, ship_to.region
    elif line.fulfilment is Fulfilment.PICKUP:
        pickup_code = line.pickup_store or store.code
        pickup = records.store(pickup_code)
        if pickup is None or not pickup.is_pickup_location:
            raise InvalidInput(
                f"{where}.pickup_store", f"Store {pickup_code} is not a pickup location."
            )
        mode_code = params.pickup_delivery_mode
        location = jurisdiction = pickup.code
    else:
        mode_code = params.carry_out_delivery_mode
        location = jurisdiction = store.code
    return LineRequest(
        sku=product.sku,
        description=product.name,
        quantity=line.quantity,
        unit_price=Money(product.price_amount, params.currency),
        tax_rate=taxes.rate(product.tax_group, jurisdiction),
        fulfilment=line.fulfilment,
        delivery_mode=mode_code,
        location=location,
        requested_date=line.requested_date,
        ship_to=ship_to,
        pickup_by=line.pickup_by,
    )


def shipping_charge(
    records: Records,
    amount: Money | None,
    lines: list[LineRequest],
    params: ParametersRow,
    taxes: TaxTable,
) -> ChargeRequest | None:
    """The order's shipping charge: as entered, else the first ship line's delivery-mode
    rate, under the shipping charge code (which must then be set)."""
    return _shipping_amount(records, amount, lines, params, taxes)


def _ship_to(records: Records, account: str, line: LineInput, where: str) -> Address:
    if line.ship_to is not None:
        return line.ship_to
    if line.ship_to_address_id is None:
        raise InvalidInput(f"{where}.ship_to", "Choose the address to ship this line to.")
    customer = records.customer(account)
    for address in customer.addresses if customer else []:
        if address.id == line.ship_to_address_id:
            return Address(
                name=address.name,
                street=address.street,
                city=address.city,
                region=address.region,
                postal_code=address.postal_code,
                country=address.country,
            )
    raise InvalidInput(
        f"{where}.ship_to_address_id", "That address does not belong to this customer."
    )


def _shipping_amount(
    records: Records,
    amount: Money | None,
    lines: list[LineRequest],
    params: ParametersRow,
    taxes: TaxTable,
) -> ChargeRequest | None:
    ship_lines = [line for line in lines if line.fulfilment is Fulfilment.SHIP]
    if amount is not None and amount.amount < 0:
        raise InvalidInput("shipping_charge", "A shipping charge cannot be negative.")
    if amount is not None and amount.amount > 0 and not ship_lines:
        raise InvalidInput(
            "shipping_charge", "A shipping charge needs at least one line that is shipped."
        )
    if amount is None and ship_lines:
        mode = records.delivery_mode(ship_lines[0].delivery_mode)
        amount = Money(mode.rate_amount if mode else 0, params.currency)
    if amount is None or amount.is_zero:
        return None
    code = params.shipping_charge_code
    charge_code = records.charge_code(code) if code else None
    if charge_code is None:
        raise MissingChargeCode(
            "Set the shipping charge code in the retail parameters before charging shipping."
        )
    region = ship_lines[0].ship_to.region if ship_lines[0].ship_to else ""
    return ChargeRequest(
        code=charge_code.code, amount=amount, tax_rate=taxes.rate(charge_code.tax_group, region)
    )

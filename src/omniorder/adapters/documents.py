"""JSON documents for orders as they travel between store and HQ (real-time service, journal).

Amounts travel as integer minor units, rates and percentages as decimal strings, times as
ISO 8601 with offset: a document round-trips exactly.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from omniorder.domain.creation import ChargeRequest, LineRequest, NewOrder, TenderRequest
from omniorder.domain.money import Money
from omniorder.domain.order import (
    Address,
    Charge,
    Invoice,
    InvoiceLine,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
)
from omniorder.domain.statuses import ChargeKind, Fulfilment, OrderType, PaymentPurpose, Tender

Document = dict[str, Any]


def _money(value: Money | None) -> int | None:
    return None if value is None else value.amount


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _opt_date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _opt_datetime(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _address(value: Address | None) -> Document | None:
    if value is None:
        return None
    return {
        "name": value.name,
        "street": value.street,
        "city": value.city,
        "region": value.region,
        "postal_code": value.postal_code,
        "country": value.country,
    }


def _address_from(doc: Document | None) -> Address | None:
    return None if doc is None else Address(**doc)


# -- the request to create an order (store → HQ) -------------------------------------------


def new_order_to_document(
    new: NewOrder, *, created_at: datetime, operator_id: str, override_by: str | None
) -> Document:
    return {
        "id": str(new.id),
        "order_type": new.order_type.value,
        "store_code": new.store_code,
        "channel_ref": new.channel_ref,
        "customer_account": new.customer_account,
        "customer_name": new.customer_name,
        "currency": new.currency,
        "deposit_percent": str(new.deposit_percent),
        "deposit_override": _money(new.deposit_override),
        "quote_expiration_days": new.quote_expiration_days,
        "created_at": created_at.isoformat(),
        "operator_id": operator_id,
        "override_by": override_by,
        "shipping": None
        if new.shipping is None
        else {
            "code": new.shipping.code,
            "amount": new.shipping.amount.amount,
            "tax_rate": str(new.shipping.tax_rate),
        },
        "lines": [
            {
                "sku": line.sku,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price.amount,
                "tax_rate": str(line.tax_rate),
                "fulfilment": line.fulfilment.value,
                "delivery_mode": line.delivery_mode,
                "location": line.location,
                "requested_date": _date(line.requested_date),
                "ship_to": _address(line.ship_to),
                "pickup_by": line.pickup_by,
            }
            for line in new.lines
        ],
        "tenders": [
            {
                "id": str(t.id),
                "tender": t.tender.value,
                "amount": t.amount.amount,
                "card_last4": t.card_last4,
                "authorization_code": t.authorization_code,
                "card_token": t.card_token,
            }
            for t in new.tenders
        ],
    }


def new_order_from_document(doc: Document) -> NewOrder:
    cur = doc["currency"]
    shipping = doc["shipping"]
    return NewOrder(
        id=UUID(doc["id"]),
        order_type=OrderType(doc["order_type"]),
        store_code=doc["store_code"],
        channel_ref=doc["channel_ref"],
        customer_account=doc["customer_account"],
        customer_name=doc["customer_name"],
        currency=cur,
        deposit_percent=Decimal(doc["deposit_percent"]),
        deposit_override=None
        if doc["deposit_override"] is None
        else Money(doc["deposit_override"], cur),
        quote_expiration_days=doc["quote_expiration_days"],
        shipping=None
        if shipping is None
        else ChargeRequest(
            code=shipping["code"],
            amount=Money(shipping["amount"], cur),
            tax_rate=Decimal(shipping["tax_rate"]),
        ),
        lines=tuple(
            LineRequest(
                sku=line["sku"],
                description=line["description"],
                quantity=line["quantity"],
                unit_price=Money(line["unit_price"], cur),
                tax_rate=Decimal(line["tax_rate"]),
                fulfilment=Fulfilment(line["fulfilment"]),
                delivery_mode=line["delivery_mode"],
                location=line["location"],
                requested_date=_opt_date(line["requested_date"]),
                ship_to=_address_from(line["ship_to"]),
                pickup_by=line["pickup_by"],
            )
            for line in doc["lines"]
        ),
        tenders=tuple(
            TenderRequest(
                id=UUID(t["id"]),
                tender=Tender(t["tender"]),
                amount=Money(t["amount"], cur),
                card_last4=t["card_last4"],
                authorization_code=t["authorization_code"],
                card_token=t["card_token"],
            )
            for t in doc["tenders"]
        ),
    )


# -- a whole order (HQ → store) ---------------------------------------------------------------


def order_to_document(order: Order) -> Document:
    return {
        "id": str(order.id),
        "order_type": order.order_type.value,
        "store_code": order.store_code,
        "channel_ref": order.channel_ref,
        "sales_order_number": order.sales_order_number,
        "customer_account": order.customer_account,
        "customer_name": order.customer_name,
        "currency": order.currency,
        "created_at": order.created_at.isoformat(),
        "created_by": order.created_by,
        "deposit_percent": str(order.deposit_percent),
        "deposit_override": _money(order.deposit_override),
        "expires_on": _date(order.expires_on),
        "converted_at": None if order.converted_at is None else order.converted_at.isoformat(),
        "version": order.version,
        "lines": [
            {
                "id": str(line.id),
                "line_number": line.line_number,
                "sku": line.sku,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price.amount,
                "tax_rate": str(line.tax_rate),
                "fulfilment": line.fulfilment.value,
                "delivery_mode": line.delivery_mode,
                "location": line.location,
                "requested_date": _date(line.requested_date),
                "ship_to": _address(line.ship_to),
                "pickup_by": line.pickup_by,
                "picked_qty": line.picked_qty,
                "packed_qty": line.packed_qty,
                "invoiced_qty": line.invoiced_qty,
                "cancelled_qty": line.cancelled_qty,
                "returned_qty": line.returned_qty,
            }
            for line in order.lines
        ],
        "charges": [
            {
                "id": str(c.id),
                "kind": c.kind.value,
                "code": c.code,
                "amount": c.amount.amount,
                "tax_rate": str(c.tax_rate),
            }
            for c in order.charges
        ],
        "payments": [
            {
                "id": str(p.id),
                "tender": p.tender.value,
                "amount": p.amount.amount,
                "purpose": p.purpose.value,
                "created_at": p.created_at.isoformat(),
                "card_last4": p.card_last4,
                "authorization_code": p.authorization_code,
                "card_token": p.card_token,
            }
            for p in order.payments
        ],
        "invoices": [
            {
                "id": str(i.id),
                "number": i.number,
                "created_at": i.created_at.isoformat(),
                "charges_amount": i.charges_amount.amount,
                "deposit_applied": i.deposit_applied.amount,
                "lines": [
                    {
                        "line_id": str(il.line_id),
                        "quantity": il.quantity,
                        "net_amount": il.net_amount.amount,
                        "tax_amount": il.tax_amount.amount,
                    }
                    for il in i.lines
                ],
            }
            for i in order.invoices
        ],
        "events": [
            {
                "id": str(e.id),
                "at": e.at.isoformat(),
                "action": e.action,
                "operator_id": e.operator_id,
                "detail": e.detail,
                "override_by": e.override_by,
            }
            for e in order.events
        ],
    }


def order_from_document(doc: Document) -> Order:
    cur = doc["currency"]
    return Order(
        id=UUID(doc["id"]),
        order_type=OrderType(doc["order_type"]),
        store_code=doc["store_code"],
        channel_ref=doc["channel_ref"],
        sales_order_number=doc["sales_order_number"],
        customer_account=doc["customer_account"],
        customer_name=doc["customer_name"],
        currency=cur,
        created_at=datetime.fromisoformat(doc["created_at"]),
        created_by=doc["created_by"],
        deposit_percent=Decimal(doc["deposit_percent"]),
        deposit_override=None
        if doc["deposit_override"] is None
        else Money(doc["deposit_override"], cur),
        expires_on=_opt_date(doc["expires_on"]),
        converted_at=_opt_datetime(doc["converted_at"]),
        version=doc["version"],
        lines=[
            OrderLine(
                id=UUID(line["id"]),
                line_number=line["line_number"],
                sku=line["sku"],
                description=line["description"],
                quantity=line["quantity"],
                unit_price=Money(line["unit_price"], cur),
                tax_rate=Decimal(line["tax_rate"]),
                fulfilment=Fulfilment(line["fulfilment"]),
                delivery_mode=line["delivery_mode"],
                location=line["location"],
                requested_date=_opt_date(line["requested_date"]),
                ship_to=_address_from(line["ship_to"]),
                pickup_by=line["pickup_by"],
                picked_qty=line["picked_qty"],
                packed_qty=line["packed_qty"],
                invoiced_qty=line["invoiced_qty"],
                cancelled_qty=line["cancelled_qty"],
                returned_qty=line["returned_qty"],
            )
            for line in doc["lines"]
        ],
        charges=[
            Charge(
                id=UUID(c["id"]),
                kind=ChargeKind(c["kind"]),
                code=c["code"],
                amount=Money(c["amount"], cur),
                tax_rate=Decimal(c["tax_rate"]),
            )
            for c in doc["charges"]
        ],
        payments=[
            Payment(
                id=UUID(p["id"]),
                tender=Tender(p["tender"]),
                amount=Money(p["amount"], cur),
                purpose=PaymentPurpose(p["purpose"]),
                created_at=datetime.fromisoformat(p["created_at"]),
                card_last4=p["card_last4"],
                authorization_code=p["authorization_code"],
                card_token=p["card_token"],
            )
            for p in doc["payments"]
        ],
        invoices=[
            Invoice(
                id=UUID(i["id"]),
                number=i["number"],
                created_at=datetime.fromisoformat(i["created_at"]),
                charges_amount=Money(i["charges_amount"], cur),
                deposit_applied=Money(i["deposit_applied"], cur),
                lines=[
                    InvoiceLine(
                        line_id=UUID(il["line_id"]),
                        quantity=il["quantity"],
                        net_amount=Money(il["net_amount"], cur),
                        tax_amount=Money(il["tax_amount"], cur),
                    )
                    for il in i["lines"]
                ],
            )
            for i in doc["invoices"]
        ],
        events=[
            OrderEvent(
                id=UUID(e["id"]),
                at=datetime.fromisoformat(e["at"]),
                action=e["action"],
                operator_id=e["operator_id"],
                detail=e["detail"],
                override_by=e["override_by"],
            )
            for e in doc["events"]
        ],
    )

"""Converting the order aggregate to and from its rows. Only repositories use this."""

from __future__ import annotations

import uuid
from typing import Any

from omniorder.adapters.orm import (
    Base,
    FulfilmentDocumentRow,
    InvoiceLineRow,
    InvoiceRow,
    OrderChargeRow,
    OrderEventRow,
    OrderLineRow,
    OrderRow,
    PaymentRow,
    ReturnRow,
)
from omniorder.domain.money import Money
from omniorder.domain.order import (
    Address,
    Charge,
    DocumentLine,
    FulfilmentDocument,
    Invoice,
    InvoiceLine,
    LineCount,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    ReturnLine,
    ReturnOrder,
)
from omniorder.domain.settlement import balance_of
from omniorder.domain.statuses import (
    ChargeKind,
    Fulfilment,
    OrderEventType,
    OrderType,
    PaymentPurpose,
    Tender,
)


def order_from_row(row: OrderRow) -> Order:
    cur = row.currency
    return Order(
        id=row.id,
        order_type=OrderType(row.order_type),
        store_code=row.store_code,
        channel_ref=row.channel_ref,
        customer_account=row.customer_account,
        customer_name=row.customer_name,
        currency=cur,
        created_at=row.created_at,
        created_by=row.created_by,
        deposit_percent=row.deposit_percent,
        deposit_override=None
        if row.deposit_override_amount is None
        else Money(row.deposit_override_amount, cur),
        sales_order_number=row.sales_order_number,
        expires_on=row.expires_on,
        converted_at=row.converted_at,
        version=row.version,
        lines=[_line_from_row(line, cur) for line in row.lines],
        charges=[
            Charge(
                id=c.id,
                kind=ChargeKind(c.kind),
                code=c.code,
                amount=Money(c.amount, cur),
                tax_rate=c.tax_rate,
                is_cancelled=c.is_cancelled,
            )
            for c in row.charges
        ],
        payments=[
            Payment(
                id=p.id,
                tender=Tender(p.tender),
                amount=Money(p.amount, cur),
                purpose=PaymentPurpose(p.purpose),
                created_at=p.created_at,
                card_last4=p.card_last4,
                authorization_code=p.authorization_code,
                card_token=p.card_token,
            )
            for p in row.payments
        ],
        invoices=[
            Invoice(
                id=i.id,
                number=i.number,
                created_at=i.created_at,
                lines=[
                    InvoiceLine(
                        line_id=il.line_id,
                        quantity=il.quantity,
                        net_amount=Money(il.net_amount, cur),
                        tax_amount=Money(il.tax_amount, cur),
                    )
                    for il in i.lines
                ],
                charges_amount=Money(i.charges_amount, cur),
                deposit_applied=Money(i.deposit_applied_amount, cur),
                charge_ids=[uuid.UUID(cid) for cid in i.charge_ids],
            )
            for i in row.invoices
        ],
        documents=[
            FulfilmentDocument(
                id=d.id,
                kind=d.kind,
                number=d.number,
                created_at=d.created_at,
                lines=[
                    DocumentLine(uuid.UUID(str(dl["line_id"])), int(str(dl["quantity"])))
                    for dl in d.lines
                ],
            )
            for d in row.documents
        ],
        returns=[
            ReturnOrder(
                id=r.id,
                number=r.number,
                store_code=r.store_code,
                created_at=r.created_at,
                shipping_refund=Money(r.shipping_refund_amount, cur),
                lines=[
                    ReturnLine(
                        invoice_id=uuid.UUID(str(rl["invoice_id"])),
                        line_id=uuid.UUID(str(rl["line_id"])),
                        quantity=int(str(rl["quantity"])),
                        reason_code=str(rl["reason_code"]),
                        net_amount=Money(int(str(rl["net_amount"])), cur),
                        tax_amount=Money(int(str(rl["tax_amount"])), cur),
                    )
                    for rl in r.lines
                ],
            )
            for r in row.returns
        ],
        events=[
            OrderEvent(
                id=e.id,
                at=e.at,
                action=OrderEventType(e.action),
                operator_id=e.operator_id,
                detail=e.detail,
                override_by=e.override_by,
                **event_params_from_json(e.params or {}),
            )
            for e in row.events
        ],
    )


def _line_from_row(row: OrderLineRow, currency: str) -> OrderLine:
    ship_to = None
    if row.ship_to_street is not None:
        ship_to = Address(
            name=row.ship_to_name or "",
            street=row.ship_to_street,
            city=row.ship_to_city or "",
            region=row.ship_to_region or "",
            postal_code=row.ship_to_postal_code or "",
            country=row.ship_to_country or "",
        )
    return OrderLine(
        id=row.id,
        line_number=row.line_number,
        sku=row.sku,
        description=row.description,
        quantity=row.quantity,
        unit_price=Money(row.unit_price_amount, currency),
        tax_rate=row.tax_rate,
        fulfilment=Fulfilment(row.fulfilment),
        delivery_mode=row.delivery_mode,
        location=row.location,
        requested_date=row.requested_date,
        ship_to=ship_to,
        pickup_by=row.pickup_by,
        picking_qty=row.picking_qty,
        picked_qty=row.picked_qty,
        packed_qty=row.packed_qty,
        invoiced_qty=row.invoiced_qty,
        cancelled_qty=row.cancelled_qty,
        returned_qty=row.returned_qty,
    )


# The order's tables, parents first: the order in which its rows can be inserted.
ORDER_TABLES: tuple[type[Base], ...] = (
    OrderRow,
    OrderLineRow,
    OrderChargeRow,
    PaymentRow,
    InvoiceRow,
    InvoiceLineRow,
    FulfilmentDocumentRow,
    ReturnRow,
    OrderEventRow,
)
OrderValues = dict[type[Base], list[dict[str, Any]]]


def order_values(order: Order) -> OrderValues:
    """The order's rows as column values, per table of `ORDER_TABLES` (in that order): what
    `OrderRepository.add` inserts with one statement per table, and what `order_to_row`
    builds its row graph from."""
    return {
        OrderRow: [
            {
                "id": order.id,
                "order_type": order.order_type.value,
                "store_code": order.store_code,
                "channel_ref": order.channel_ref,
                "sales_order_number": order.sales_order_number,
                "customer_account": order.customer_account,
                "customer_name": order.customer_name,
                "currency": order.currency,
                "created_at": order.created_at,
                "created_by": order.created_by,
                "deposit_percent": order.deposit_percent,
                "deposit_override_amount": None
                if order.deposit_override is None
                else order.deposit_override.amount,
                "expires_on": order.expires_on,
                "converted_at": order.converted_at,
                "version": order.version,
                "status": order.status.value,
                "total_amount": order.order_total.amount,
                "balance_amount": balance_of(order).balance.amount,
            }
        ],
        OrderLineRow: [_line_values(order, line) for line in order.lines],
        OrderChargeRow: [
            {
                "id": c.id,
                "order_id": order.id,
                "position": n,
                "kind": c.kind.value,
                "code": c.code,
                "amount": c.amount.amount,
                "tax_rate": c.tax_rate,
                "is_cancelled": c.is_cancelled,
            }
            for n, c in enumerate(order.charges)
        ],
        PaymentRow: [
            {
                "id": p.id,
                "order_id": order.id,
                "position": n,
                "tender": p.tender.value,
                "amount": p.amount.amount,
                "purpose": p.purpose.value,
                "created_at": p.created_at,
                "card_last4": p.card_last4,
                "authorization_code": p.authorization_code,
                "card_token": p.card_token,
            }
            for n, p in enumerate(order.payments)
        ],
        InvoiceRow: [
            {
                "id": i.id,
                "order_id": order.id,
                "position": n,
                "number": i.number,
                "created_at": i.created_at,
                "charges_amount": i.charges_amount.amount,
                "deposit_applied_amount": i.deposit_applied.amount,
                "charge_ids": [str(cid) for cid in i.charge_ids],
            }
            for n, i in enumerate(order.invoices)
        ],
        InvoiceLineRow: [
            {
                "invoice_id": i.id,
                "line_id": il.line_id,
                "position": m,
                "quantity": il.quantity,
                "net_amount": il.net_amount.amount,
                "tax_amount": il.tax_amount.amount,
            }
            for i in order.invoices
            for m, il in enumerate(i.lines)
        ],
        FulfilmentDocumentRow: [
            {
                "id": d.id,
                "order_id": order.id,
                "position": n,
                "kind": d.kind,
                "number": d.number,
                "created_at": d.created_at,
                "lines": [{"line_id": str(dl.line_id), "quantity": dl.quantity} for dl in d.lines],
            }
            for n, d in enumerate(order.documents)
        ],
        ReturnRow: [
            {
                "id": r.id,
                "order_id": order.id,
                "position": n,
                "number": r.number,
                "store_code": r.store_code,
                "created_at": r.created_at,
                "shipping_refund_amount": r.shipping_refund.amount,
                "lines": [
                    {
                        "invoice_id": str(rl.invoice_id),
                        "line_id": str(rl.line_id),
                        "quantity": rl.quantity,
                        "reason_code": rl.reason_code,
                        "net_amount": rl.net_amount.amount,
                        "tax_amount": rl.tax_amount.amount,
                    }
                    for rl in r.lines
                ],
            }
            for n, r in enumerate(order.returns)
        ],
        OrderEventRow: [
            {
                "id": e.id,
                "order_id": order.id,
                "position": n,
                "at": e.at,
                "action": e.action,
                "operator_id": e.operator_id,
                "detail": e.detail,
                "override_by": e.override_by,
                "params": event_params_to_json(e),
            }
            for n, e in enumerate(order.events)
        ],
    }


def order_to_row(order: Order) -> OrderRow:
    """A fresh row graph for the order; `session.merge` reconciles it with what is stored."""
    values = order_values(order)
    invoice_lines: dict[uuid.UUID, list[InvoiceLineRow]] = {}
    for line in values[InvoiceLineRow]:
        invoice_lines.setdefault(line["invoice_id"], []).append(InvoiceLineRow(**line))
    return OrderRow(
        **values[OrderRow][0],
        lines=[OrderLineRow(**v) for v in values[OrderLineRow]],
        charges=[OrderChargeRow(**v) for v in values[OrderChargeRow]],
        payments=[PaymentRow(**v) for v in values[PaymentRow]],
        invoices=[
            InvoiceRow(**v, lines=invoice_lines.get(v["id"], [])) for v in values[InvoiceRow]
        ],
        documents=[FulfilmentDocumentRow(**v) for v in values[FulfilmentDocumentRow]],
        returns=[ReturnRow(**v) for v in values[ReturnRow]],
        events=[OrderEventRow(**v) for v in values[OrderEventRow]],
    )


def _line_values(order: Order, line: OrderLine) -> dict[str, Any]:
    address = line.ship_to
    return {
        "id": line.id,
        "order_id": order.id,
        "line_number": line.line_number,
        "sku": line.sku,
        "description": line.description,
        "quantity": line.quantity,
        "unit_price_amount": line.unit_price.amount,
        "tax_rate": line.tax_rate,
        "fulfilment": line.fulfilment.value,
        "delivery_mode": line.delivery_mode,
        "location": line.location,
        "requested_date": line.requested_date,
        "ship_to_name": address.name if address else None,
        "ship_to_street": address.street if address else None,
        "ship_to_city": address.city if address else None,
        "ship_to_region": address.region if address else None,
        "ship_to_postal_code": address.postal_code if address else None,
        "ship_to_country": address.country if address else None,
        "pickup_by": line.pickup_by,
        "picking_qty": line.picking_qty,
        "picked_qty": line.picked_qty,
        "packed_qty": line.packed_qty,
        "invoiced_qty": line.invoiced_qty,
        "cancelled_qty": line.cancelled_qty,
        "returned_qty": line.returned_qty,
    }


def event_params_to_json(event: OrderEvent) -> dict[str, Any] | None:
    """What an event changed, as JSON: amounts in minor units with their currency."""
    params: dict[str, Any] = {
        "amounts": {k: [m.amount, m.currency] for k, m in event.amounts.items()},
        "lines": [[c.sku, c.quantity] for c in event.lines],
        "counts": event.counts,
        "flags": list(event.flags),
        "collected_by": event.collected_by,
    }
    return params if any(params.values()) else None


def event_params_from_json(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "amounts": {k: Money(int(a), str(c)) for k, (a, c) in params.get("amounts", {}).items()},
        "lines": tuple(LineCount(str(sku), int(q)) for sku, q in params.get("lines", [])),
        "counts": {k: int(v) for k, v in params.get("counts", {}).items()},
        "flags": tuple(params.get("flags", [])),
        "collected_by": params.get("collected_by"),
    }

"""Store use cases for customer orders: create (sync mode, through HQ's real-time service), find."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime
from typing import Any

from omniorder.adapters.documents import new_order_to_document, order_from_document
from omniorder.domain.creation import NewOrder, TenderRequest, create_order
from omniorder.domain.errors import InvalidInput, NotFound, OmniorderError, Unavailable
from omniorder.domain.order import Order
from omniorder.domain.staff import Authorization, Permission
from omniorder.domain.statuses import Tender
from omniorder.service_layer import journal
from omniorder.service_layer.cart import (
    OrderInput,
    PaymentInput,
    price_cart,
    require_store,
    store_today,
)
from omniorder.service_layer.ports import HQ, PaymentConnector
from omniorder.service_layer.unit_of_work import UnitOfWork

PENDING_REF = "pending"


def create_customer_order(
    uow: UnitOfWork,
    *,
    hq: HQ,
    payments: PaymentConnector,
    request: OrderInput,
    auth: Authorization,
    store_code: str,
    now: datetime,
) -> Order:
    """Create a customer order or quote in sync mode (RULES.md §2, §2.8).

    Price and validate from channel data, authorize cards, then have HQ create the sales
    order at once. Repeating the call with the same order id returns the first order.
    Nothing is stored at the store unless HQ confirmed the order.
    """
    with uow:
        existing = uow.orders.get(request.id)
        if existing is not None:
            return existing
        store = require_store(uow.records, store_code)
        today = store_today(store, now)
        new = price_cart(uow.records, request, store_code=store_code, channel_ref=PENDING_REF)
    create_order(new, auth=auth, today=today, now=now)  # every rule checked before money moves

    tenders = _authorize_cards(payments, new.tenders, request.payments)
    with uow:
        number = uow.counters.next(f"channel_ref:{store_code}")
        uow.commit()
    new = dataclasses.replace(new, channel_ref=f"{store_code}-{number:06d}", tenders=tenders)
    document = new_order_to_document(
        new,
        created_at=now,
        operator_id=auth.staff.operator_id,
        override_by=auth.override_by.operator_id if auth.override_by else None,
    )
    mode = journal.store_mode(uow, store_code)
    if mode.is_async:
        return _create_async(uow, new, document, auth=auth, today=today, now=now)
    try:
        timeout = mode.backup_timeout_seconds if mode.is_async_backup else None
        confirmed = order_from_document(hq.create_sales_order(document, timeout=timeout))
    except Unavailable:
        if mode.is_async_backup:
            # Async backup: HQ did not answer in time, so the order goes through the journal.
            # If HQ did commit it, synchronization finds the same order id and adds nothing.
            return _create_async(uow, new, document, auth=auth, today=today, now=now)
        # HQ may have committed before the answer was lost: keep the authorizations so that
        # a retry with the same order id finds the same order and the same card payments.
        raise
    except OmniorderError:
        _void(payments, tenders)
        raise

    with uow:
        existing = uow.orders.get(confirmed.id)
        if existing is not None:
            return existing
        uow.orders.add(confirmed)
        uow.commit()
    return confirmed


def _create_async(
    uow: UnitOfWork,
    new: NewOrder,
    document: dict[str, Any],
    *,
    auth: Authorization,
    today: date,
    now: datetime,
) -> Order:
    """Async mode: the order and its journal entry are committed together, then the POS
    gets its channel reference id; HQ creates the sales order later (RULES.md §10)."""
    order = create_order(new, auth=auth, today=today, now=now)
    with uow:
        existing = uow.orders.get(order.id)
        if existing is not None:
            return existing
        uow.orders.add(order)
        journal.record(
            uow,
            order=order,
            kind="create",
            document=document,
            entry_id=journal.entry_id_for(order.id, "create"),
            now=now,
        )
        uow.commit()
    return order


def _authorize_cards(
    payments: PaymentConnector,
    tenders: tuple[TenderRequest, ...],
    inputs: tuple[PaymentInput, ...],
) -> tuple[TenderRequest, ...]:
    authorized: list[TenderRequest] = []
    try:
        for index, (tender, given) in enumerate(zip(tenders, inputs, strict=True)):
            if tender.tender is not Tender.CARD:
                authorized.append(tender)
                continue
            if not given.card_number:
                raise InvalidInput(f"payments[{index}].card_number", "Enter the card number.")
            try:
                card = payments.authorize(tender.id, tender.amount, given.card_number)
            except InvalidInput as error:
                raise InvalidInput(f"payments[{index}].card_number", error.message) from None
            authorized.append(
                dataclasses.replace(
                    tender,
                    card_last4=card.card_last4,
                    authorization_code=card.authorization_code,
                    card_token=card.card_token,
                )
            )
    except OmniorderError:
        _void(payments, tuple(authorized))
        raise
    return tuple(authorized)


def _void(payments: PaymentConnector, tenders: tuple[TenderRequest, ...]) -> None:
    for tender in tenders:
        if tender.tender is Tender.CARD and tender.authorization_code:
            payments.void(tender.id)


def get_order(
    uow: UnitOfWork, *, ref: str, auth: Authorization, hq: HQ | None = None, store_code: str = ""
) -> Order:
    """Find one order by sales order number, channel reference id or id (RULES.md §3).

    An order this store has no copy of (taken at another store, to be picked up here) is
    asked of HQ in sync mode, and kept.
    """
    auth.require(Permission.RECALL_ORDER, "recall orders")
    with uow:
        order = uow.orders.get_by_ref(ref)
    if order is None and hq is not None and not journal.store_mode(uow, store_code).is_async:
        try:
            order = order_from_document(hq.get_order(ref))
        except (NotFound, Unavailable):
            order = None
        if order is not None:
            with uow:
                uow.orders.put(order)
                uow.commit()
    if order is None:
        raise NotFound(f"No order {ref} at this store.")
    return order


def find_orders(
    uow: UnitOfWork,
    *,
    auth: Authorization,
    text: str | None = None,
    customer_account: str | None = None,
    status: str | None = None,
    sku: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    limit: int = 50,
) -> list[Order]:
    """Search orders (RULES.md §3); the caller gives the date range (default: last 90 days)."""
    auth.require(Permission.RECALL_ORDER, "recall orders")
    with uow:
        return uow.orders.search(
            text=text,
            customer_account=customer_account,
            status=status,
            sku=sku,
            created_from=created_from,
            created_to=created_to,
            limit=limit,
        )


def new_order_id() -> uuid.UUID:
    return uuid.uuid4()


def order_id_for_key(store_code: str, idempotency_key: str) -> uuid.UUID:
    """The order id that an Idempotency-Key stands for at this store."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"omniorder:{store_code}:{idempotency_key}")

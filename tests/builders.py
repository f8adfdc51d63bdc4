"""Keyword-only builders for tests: master data, staff, an in-process HQ, order requests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from omniorder.adapters.demo_data import seed
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.domain.errors import Unavailable
from omniorder.domain.money import Money
from omniorder.domain.staff import Authorization, Role, Staff
from omniorder.domain.statuses import Fulfilment, OrderType, Tender
from omniorder.service_layer.cart import LineInput, OrderInput, PaymentInput
from omniorder.service_layer.catalogue import inventory_at_hq, inventory_document
from omniorder.service_layer.channel_data import export_channel_data, import_channel_data
from omniorder.service_layer.documents import order_to_document, summary_to_document
from omniorder.service_layer.sales_orders import (
    accept_sales_order,
    get_sales_order,
    perform_operation,
    search_sales_orders,
)
from omniorder.service_layer.unit_of_work import UnitOfWork

# Cheap hashes keep tests fast; verification reads the parameters from the hash itself.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)

# 10:00 in New York on a Tuesday: the stores' today is 2026-12-01.
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)
SOON = TODAY + timedelta(days=3)
HOME_C0001 = uuid.uuid5(uuid.NAMESPACE_URL, "omniorder-demo:C0001:home")

CASHIER = Staff("1001", "Casey Downtown", Role.CASHIER, "S001")
MANAGER = Staff("1002", "Morgan Downtown", Role.MANAGER, "S001")


def seed_hq(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        seed(session, FAST_HASHER.hash)


def download(
    hq: sessionmaker[Session], store: sessionmaker[Session], store_code: str = "S001"
) -> None:
    import_channel_data(
        SqlAlchemyUnitOfWork(store),
        export_channel_data(SqlAlchemyUnitOfWork(hq), store_code=store_code),
    )


class InProcessHQ:
    """HQ's real-time service without HTTP: the real HQ use case on a real HQ database.

    `down` makes it refuse like an unreachable HQ; `lose_answers` commits and then
    loses the answer, like a timeout after HQ committed.
    """

    def __init__(
        self,
        database: sessionmaker[Session] | Callable[[], UnitOfWork],
        store_code: str = "S001",
    ) -> None:
        """`database` is HQ's session factory, or what makes each use case's unit of work."""
        self.new_uow: Callable[[], UnitOfWork] = (
            (lambda: SqlAlchemyUnitOfWork(database))
            if isinstance(database, sessionmaker)
            else database
        )
        self.store_code = store_code
        self.down = False
        self.lose_answers = False
        self.calls = 0

    def create_sales_order(
        self, document: dict[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]:
        self.calls += 1
        if self.down:
            raise Unavailable("HQ cannot be reached (test); the order was not created.")
        order, stock = accept_sales_order(
            self.new_uow(),
            document=document,
            store_code=self.store_code,
        )
        if self.lose_answers:
            raise Unavailable("HQ did not answer in time (test).")
        # As the real-time service answers (entrypoints/hq/api.py): the order and HQ's stock.
        return {**order_to_document(order), "inventory": [inventory_document(r) for r in stock]}

    def perform_operation(self, document: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        if self.down:
            raise Unavailable("HQ cannot be reached (test); nothing was changed.")
        order = perform_operation(
            self.new_uow(),
            document=document,
            store_code=self.store_code,
        )
        if self.lose_answers:
            raise Unavailable("HQ did not answer in time (test).")
        return order_to_document(order)

    def get_order(self, ref: str) -> dict[str, Any]:
        if self.down:
            raise Unavailable("HQ cannot be reached (test); nothing was changed.")
        return order_to_document(get_sales_order(self.new_uow(), ref=ref))

    def search_orders(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        if self.down:
            raise Unavailable("HQ cannot be reached (test).")
        names = {"q": "text", "customer": "customer_account"}
        found = search_sales_orders(
            self.new_uow(),
            **{
                names.get(k, k): datetime.fromisoformat(v) if k.startswith("created_") else v
                for k, v in filters.items()
            },
        )
        return [summary_to_document(s) for s in found]

    def channel_data(self) -> dict[str, Any]:
        return export_channel_data(self.new_uow(), store_code=self.store_code)

    def inventory(self, skus: list[str]) -> list[dict[str, Any]]:
        if self.down:
            raise Unavailable("HQ cannot be reached (test).")
        rows = inventory_at_hq(self.new_uow(), skus=skus)
        return [inventory_document(row) for row in rows]


def ship_line(*, sku: str = "SOFA-3S", quantity: int = 1, **kw: Any) -> LineInput:
    kw.setdefault("requested_date", SOON)
    kw.setdefault("delivery_mode", "STD")
    kw.setdefault("ship_to_address_id", HOME_C0001)
    return LineInput(sku=sku, quantity=quantity, fulfilment=Fulfilment.SHIP, **kw)


def pickup_line(*, sku: str = "LAMP-FLOOR", quantity: int = 1, **kw: Any) -> LineInput:
    kw.setdefault("requested_date", SOON)
    return LineInput(sku=sku, quantity=quantity, fulfilment=Fulfilment.PICKUP, **kw)


def carry_out_line(*, sku: str = "VASE-GLASS", quantity: int = 1) -> LineInput:
    return LineInput(sku=sku, quantity=quantity, fulfilment=Fulfilment.CARRY_OUT)


def cash(amount: str) -> PaymentInput:
    return PaymentInput(tender=Tender.CASH, amount=Money.parse(amount))


def card(amount: str, number: str = "4242424242424242") -> PaymentInput:
    return PaymentInput(tender=Tender.CARD, amount=Money.parse(amount), card_number=number)


def order_input(
    *,
    lines: tuple[LineInput, ...] | None = None,
    customer: str = "C0001",
    order_type: OrderType = OrderType.CUSTOMER_ORDER,
    payments: tuple[PaymentInput, ...] = (),
    shipping_charge: str | None = None,
    deposit_override: str | None = None,
    id: uuid.UUID | None = None,
) -> OrderInput:
    return OrderInput(
        id=id or uuid.uuid4(),
        order_type=order_type,
        customer_account=customer,
        lines=lines if lines is not None else (pickup_line(),),
        shipping_charge=Money.parse(shipping_charge) if shipping_charge is not None else None,
        deposit_override=Money.parse(deposit_override) if deposit_override is not None else None,
        payments=payments,
    )


def as_cashier(override_by: Staff | None = None) -> Authorization:
    return Authorization(CASHIER, override_by=override_by)

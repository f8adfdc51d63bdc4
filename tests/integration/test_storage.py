"""Storage: amounts, rates and times round-trip exactly; migrations build the models' schema."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from omniorder.adapters import migrate
from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.orm import Base
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.domain.money import Money
from omniorder.domain.order import Charge, Order, OrderEvent, OrderLine, Payment
from omniorder.domain.settlement import balance_of
from omniorder.domain.statuses import ChargeKind, Fulfilment, OrderType, PaymentPurpose, Tender
from tests.conftest import Database, PostgresDatabases, require_backend


def odd_order() -> Order:
    """An order whose every figure would be damaged by a float or a lost time zone."""
    order_id = uuid.uuid4()
    at = datetime(2026, 12, 1, 23, 59, 59, 999999, tzinfo=UTC)
    return Order(
        id=order_id,
        order_type=OrderType.CUSTOMER_ORDER,
        store_code="S001",
        channel_ref="S001-999999",
        customer_account="C0001",
        customer_name="Ada Lovelace",
        currency="USD",
        created_at=at,
        created_by="1001",
        deposit_percent=Decimal("33.3333"),
        deposit_override=Money(1, "USD"),
        sales_order_number="SO-999999",
        lines=[
            OrderLine(
                id=uuid.uuid4(),
                line_number=1,
                sku="SOFA-3S",
                description="Sofa",
                quantity=3,
                unit_price=Money(9_007_199_254_740_993, "USD"),  # > 2**53: a float would round it
                tax_rate=Decimal("0.081234567"),
                fulfilment=Fulfilment.PICKUP,
                delivery_mode="PICKUP",
                location="S001",
                requested_date=date(2026, 12, 31),
            )
        ],
        charges=[
            Charge(uuid.uuid4(), ChargeKind.SHIPPING, "SHIP", Money(10, "USD"), Decimal("0.1"))
        ],
        payments=[
            Payment(
                uuid.uuid4(), Tender.CASH, Money(-1, "USD"), PaymentPurpose.REFUND, created_at=at
            )
        ],
        events=[OrderEvent(uuid.uuid4(), at, "order_created", "1001", "détail ✓")],
    )


def test_amounts_rates_and_times_round_trip_exactly(hq_db: Database) -> None:
    order = odd_order()
    with SqlAlchemyUnitOfWork(hq_db.session_factory) as uow:
        uow.orders.add(order)
        uow.commit()

    with SqlAlchemyUnitOfWork(hq_db.session_factory) as uow:
        loaded = uow.orders.get(order.id)

    assert loaded == order
    assert loaded is not None
    assert loaded.lines[0].unit_price.amount == 9_007_199_254_740_993
    assert loaded.lines[0].tax_rate == Decimal("0.081234567")
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at == datetime(2026, 12, 1, 23, 59, 59, 999999, tzinfo=UTC)


def test_naive_datetimes_are_refused(hq_db: Database) -> None:
    order = odd_order()
    order.created_at = datetime(2026, 12, 1, 12, 0)  # noqa: DTZ001 (naive on purpose)

    with (
        SqlAlchemyUnitOfWork(hq_db.session_factory) as uow,
        pytest.raises(Exception, match="naive"),
    ):
        uow.orders.add(order)


# SQLite cannot reflect expression indexes (lower(email), a phone's digits: adapters/orm.py),
# so Alembic leaves them out of its comparison there.
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index:UserWarning"
)
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.parametrize("role", migrate.ROLES)
def test_migrations_build_exactly_the_models_schema(
    role: str, backend: str, pg_databases: PostgresDatabases | None, tmp_path: Path
) -> None:
    require_backend(backend, pg_databases)
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / f'{role}.db'}"
    else:
        assert pg_databases is not None
        url = pg_databases.create()

    migrate.upgrade(role, url)

    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, reflected, compare_to: (
                    type_ != "table"
                    or role
                    in getattr(compare_to if obj is None else obj, "info", {}).get("roles", ())
                ),
            },
        )
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


# The revision before the one that stores each order's balance (hq_0012, store_0010).
BEFORE_STORED_BALANCE = {"hq": "hq_0011", "store": "store_0009"}


@pytest.mark.parametrize("role", migrate.ROLES)
def test_the_stored_balance_is_filled_in_for_orders_already_there(
    role: str, backend: str, pg_databases: PostgresDatabases | None, tmp_path: Path
) -> None:
    """Find's summary rows read a stored balance (docs/performance.md, "Find"): the migration
    that adds it computes it for every order with the domain's rule, and its downgrade drops
    it again."""
    require_backend(backend, pg_databases)
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / f'{role}.db'}"
    else:
        assert pg_databases is not None
        url = pg_databases.create()
    migrate.upgrade(role, url)
    engine = make_engine(url)
    order = odd_order()
    with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
        uow.orders.add(order)
        uow.commit()
    config = migrate.alembic_config(role, url)

    command.downgrade(config, BEFORE_STORED_BALANCE[role])
    with engine.connect() as conn:
        columns = conn.execute(text("SELECT * FROM customer_orders")).keys()
    command.upgrade(config, "head")
    with engine.connect() as conn:
        stored = conn.scalar(text("SELECT balance_amount FROM customer_orders"))
    engine.dispose()

    assert "balance_amount" not in columns
    assert stored == balance_of(order).balance.amount != 0

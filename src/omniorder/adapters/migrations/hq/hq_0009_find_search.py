"""Search indexes for find order at a million orders: a phone by its digits, an e-mail or a
name exactly, every substring search through an index (pg_trgm on PostgreSQL, FTS5 trigram
tables on SQLite), and the store and status filters newest first (docs/performance.md, "Find")

Revision ID: hq_0009
Revises: hq_0008
Create Date: 2026-12-02 04:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "hq_0009"
down_revision = "hq_0008"
branch_labels = None
depends_on = None


# SQLite's substring search: FTS5 trigram indexes of these columns, kept by triggers (as
# adapters/text_search.py declares them today; written out here so this revision stays as is).
MIRRORS = {
    "customer_orders_text": (
        "customer_orders",
        ("sales_order_number", "channel_ref", "customer_name", "customer_account"),
    ),
    "customers_text": ("customers", ("phone", "email")),
    "order_invoices_text": ("order_invoices", ("number",)),
}
# PostgreSQL's: pg_trgm indexes on lower(column).
TRIGRAM = {
    "customer_orders": ("sales_order_number", "channel_ref", "customer_name", "customer_account"),
    "customers": ("phone", "email"),
    "order_invoices": ("number",),
}
PHONE_DIGITS = "replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', '')"  # noqa: E501


def _mirror_ddl(name: str, table: str, columns: tuple[str, ...]) -> list[str]:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    insert = f"INSERT INTO {name}(rowid, {cols}) VALUES (new.rowid, {new});"
    remove = f"INSERT INTO {name}({name}, rowid, {cols}) VALUES ('delete', old.rowid, {old});"
    return [
        f"CREATE VIRTUAL TABLE {name} USING fts5({cols}, content='{table}', tokenize='trigram')",
        f"CREATE TRIGGER {name}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {name}_ad AFTER DELETE ON {table} BEGIN {remove} END",
        f"CREATE TRIGGER {name}_au AFTER UPDATE OF {cols} ON {table} BEGIN {remove} {insert} END",
        f"INSERT INTO {name}({name}) VALUES ('rebuild')",
    ]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    orders = "customer_orders"
    op.drop_index("ix_customer_orders_store_code", table_name=orders)
    op.drop_index("ix_customer_orders_status", table_name=orders)
    op.create_index(
        "ix_customer_orders_store_code_created_at", orders, ["store_code", "created_at"]
    )
    op.create_index("ix_customer_orders_status_created_at", orders, ["status", "created_at"])
    op.create_index("ix_customers_phone_digits", "customers", [sa.text(PHONE_DIGITS)])
    op.create_index("ix_customers_lower_name", "customers", [sa.text("lower(name)")])
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, columns in TRIGRAM.items():
            for column in columns:
                op.execute(
                    f"CREATE INDEX ix_{table}_{column}_trgm ON {table}"
                    f" USING gin (lower({column}) gin_trgm_ops)"
                )
    else:
        op.create_index("ix_customers_lower_email", "customers", [sa.text("lower(email)")])
        for name, (table, columns) in MIRRORS.items():
            for statement in _mirror_ddl(name, table, columns):
                op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        for table, columns in TRIGRAM.items():
            for column in columns:
                op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
    else:
        for name in MIRRORS:
            for trigger in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER {name}_{trigger}")
            op.execute(f"DROP TABLE {name}")
        op.drop_index("ix_customers_lower_email", table_name="customers")
    op.drop_index("ix_customers_lower_name", table_name="customers")
    op.drop_index("ix_customers_phone_digits", table_name="customers")
    orders = "customer_orders"
    op.drop_index("ix_customer_orders_status_created_at", table_name=orders)
    op.drop_index("ix_customer_orders_store_code_created_at", table_name=orders)
    op.create_index("ix_customer_orders_status", orders, ["status"])
    op.create_index("ix_customer_orders_store_code", orders, ["store_code"])

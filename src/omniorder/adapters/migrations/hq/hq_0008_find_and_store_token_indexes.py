"""Indexes for find order (customer_orders by customer and date, customers by lower-case phone
and e-mail) and for finding the calling store by its token hash

Revision ID: hq_0008
Revises: hq_0007
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "hq_0008"
down_revision = "hq_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_stores_token_hash"), "stores", ["token_hash"], unique=False)
    op.create_index(
        "ix_customer_orders_customer_account_created_at",
        "customer_orders",
        ["customer_account", "created_at"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":  # SQLite does not reflect them
        op.create_index("ix_customers_lower_phone", "customers", [sa.text("lower(phone)")])
        op.create_index("ix_customers_lower_email", "customers", [sa.text("lower(email)")])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_customers_lower_email", table_name="customers")
        op.drop_index("ix_customers_lower_phone", table_name="customers")
    op.drop_index("ix_customer_orders_customer_account_created_at", table_name="customer_orders")
    op.drop_index(op.f("ix_stores_token_hash"), table_name="stores")

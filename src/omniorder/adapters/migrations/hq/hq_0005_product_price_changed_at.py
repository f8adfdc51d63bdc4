"""products.price_changed_at: the version of a price that a store's channel data carries

Revision ID: hq_0005
Revises: hq_0004
Create Date: 2026-12-01 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import omniorder.adapters.types

revision = "hq_0005"
down_revision = "hq_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "price_changed_at",
                omniorder.adapters.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("price_changed_at")

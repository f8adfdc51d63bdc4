"""Stores' postal address and phone, printed on receipts and documents

Revision ID: hq_0011
Revises: hq_0010
Create Date: 2026-12-02 05:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "hq_0011"
down_revision = "hq_0010"
branch_labels = None
depends_on = None

COLUMNS = (("street", 200), ("city", 100), ("postal_code", 20), ("phone", 40))


def upgrade() -> None:
    for name, length in COLUMNS:
        op.add_column("stores", sa.Column(name, sa.String(length), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stores") as batch:  # SQLite drops columns by copying
        for name, _length in reversed(COLUMNS):
            batch.drop_column(name)

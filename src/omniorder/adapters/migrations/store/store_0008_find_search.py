"""Search indexes for find order at a million orders (filled in by the find work)

Revision ID: store_0008
Revises: store_0007
Create Date: 2026-12-02 04:20:00
"""

from __future__ import annotations

revision = "store_0008"
down_revision = "store_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

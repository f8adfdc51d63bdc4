"""Search indexes for find order at a million orders (filled in by the find work)

Revision ID: hq_0009
Revises: hq_0008
Create Date: 2026-12-02 04:20:00
"""

from __future__ import annotations

revision = "hq_0009"
down_revision = "hq_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""Job workers: what several job worker processes share (filled in by the operations work)

Revision ID: hq_0010
Revises: hq_0009
Create Date: 2026-12-02 04:20:00
"""

from __future__ import annotations

revision = "hq_0010"
down_revision = "hq_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

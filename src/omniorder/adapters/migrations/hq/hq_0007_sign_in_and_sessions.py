"""Sign-in and sessions: staff.is_active and session_epoch, auth_sessions.last_seen_at and
session_epoch, and the sign_in_failures throttle table (docs/security.md)

Revision ID: hq_0007
Revises: hq_0006
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import omniorder.adapters.types

revision = "hq_0007"
down_revision = "hq_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column(
            "first_failed_at", omniorder.adapters.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_failed_at", omniorder.adapters.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "locked_until", omniorder.adapters.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_failures")),
        info={"roles": ("hq", "store")},
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "last_seen_at", omniorder.adapters.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
        batch_op.drop_column("last_seen_at")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
        batch_op.drop_column("is_active")
    op.drop_table("sign_in_failures")

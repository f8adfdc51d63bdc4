"""Job workers: one row per job with its run counts and times, read by /metrics

Revision ID: hq_0010
Revises: hq_0009
Create Date: 2026-12-02 04:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import omniorder.adapters.types

revision = "hq_0010"
down_revision = "hq_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column(
            "last_started_at", omniorder.adapters.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_finished_at", omniorder.adapters.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_success_at", omniorder.adapters.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_duration_ms", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")

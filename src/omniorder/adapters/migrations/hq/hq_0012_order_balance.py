"""Each order's balance, stored for find's summary rows (docs/performance.md, "Find")

Revision ID: hq_0012
Revises: hq_0011
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "hq_0012"
down_revision = "hq_0011"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    op.add_column(
        "customer_orders",
        sa.Column("balance_amount", sa.BigInteger(), nullable=False, server_default="0"),
    )
    _back_fill()


def _back_fill() -> None:
    """The balance is the domain's (settlement.balance_of): each order is read whole and its
    balance computed there, not restated in SQL. This reads orders through the application's
    mapping, so it is meant to run with the code of this revision's release."""
    from omniorder.adapters.order_mapping import order_from_row
    from omniorder.adapters.orm import OrderRow
    from omniorder.domain.settlement import balance_of

    session = Session(bind=op.get_bind())
    ids = session.scalars(sa.select(OrderRow.id).order_by(OrderRow.id)).all()
    for start in range(0, len(ids), BATCH):
        batch = sa.select(OrderRow).where(OrderRow.id.in_(ids[start : start + BATCH]))
        for row in session.scalars(batch).all():
            op.execute(
                sa.update(OrderRow)
                .where(OrderRow.id == row.id)
                .values(balance_amount=balance_of(order_from_row(row)).balance.amount)
            )
        session.expunge_all()


def downgrade() -> None:
    # Not in batch mode: SQLite (3.35+) drops the column in place, which keeps the find
    # triggers of customer_orders (a batch copy of the table would lose them).
    op.drop_column("customer_orders", "balance_amount")

"""Whole-database snapshots, to assert that a refused operation changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from omniorder.adapters.orm import Base


def snapshot(
    session_factory: sessionmaker[Session], *, ignore: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Every row of every table, as sorted tuples of values."""
    result: dict[str, Any] = {}
    with session_factory() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in ignore:
                continue
            rows = session.execute(select(table)).all()
            result[table.name] = sorted(tuple(str(v) for v in row) for row in rows)
    return result

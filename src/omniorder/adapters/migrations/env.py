"""Alembic environment shared by the HQ and the store (channel) database histories."""

from __future__ import annotations

from typing import Any

from alembic import context

from omniorder.adapters.db import make_engine
from omniorder.adapters.orm import Base

config = context.config
role: str = config.attributes["role"]


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ == "table":
        table = compare_to if obj is None else obj
        return role in getattr(table, "info", {}).get("roles", ())
    return True


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        _run_with(connection)
    engine.dispose()


def _run_with(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        version_table=f"alembic_version_{role}",
    )
    with context.begin_transaction():
        context.run_migrations()


run()

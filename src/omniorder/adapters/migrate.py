"""Running the Alembic migrations of the HQ ("hq") or channel ("store") database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
ROLES = ("hq", "store")


def alembic_config(role: str, url: str) -> Config:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(MIGRATIONS / role))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["role"] = role
    return config


def upgrade(role: str, url: str) -> None:
    """Bring a database to the newest schema of its role."""
    _ensure_sqlite_folder(url)
    command.upgrade(alembic_config(role, url), "head")


def _ensure_sqlite_folder(url: str) -> None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        Path(url.removeprefix(prefix)).parent.mkdir(parents=True, exist_ok=True)

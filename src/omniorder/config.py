"""Settings from the environment (OMNIORDER_*), one object per server role."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMNIORDER_", extra="ignore")

    data_dir: Path = Path("data")
    # HQ: its system-of-record database. Store: its channel database.
    database_url: str | None = None
    # Store only: where HQ is, the store's own bearer token there, and how long to wait.
    hq_url: str = "http://127.0.0.1:8000"
    store_token: str | None = None
    hq_timeout_seconds: float = 10.0
    # How long a staff sign-in token lasts.
    session_hours: int = 12
    # Async mode: the shared secret HQ's jobs present to store servers (journal, acks).
    job_token: str | None = None
    # HQ: run pull → synchronize → acknowledge every N seconds inside `hq serve` (0: off).
    job_interval_seconds: float = 0
    # HQ: where pickup-ready e-mails go out (unset: they wait in the outbox).
    smtp_host: str | None = None
    smtp_port: int = 25
    mail_from: str = "orders@omniorder.example"

    def hq_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'hq.db'}"

    def store_database_url(self, store_code: str) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / f'store-{store_code}.db'}"

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
    # How long a staff sign-in token lasts at most, and after how long without a request it
    # ends (docs/security.md, *Sign-in and sessions*).
    session_hours: int = 12
    session_idle_minutes: int = 30
    # The server is reached over HTTPS (directly or behind a TLS proxy): session cookies get
    # the Secure flag.
    tls: bool = False
    # Async mode, store: this store's own job token, the one HQ's jobs present to it (journal,
    # acknowledgements); `omniorder hq job-token --store S002` prints it at HQ.
    job_token: str | None = None
    # Async mode, HQ: the secret each store's job token is derived from (HMAC per store code).
    job_secret: str | None = None
    # Card tokens: the key of the test connector's tokens (HMAC-SHA256 of the card number).
    card_token_secret: str | None = None
    # HQ: run pull → synchronize → acknowledge every N seconds inside `hq serve` (0: off).
    job_interval_seconds: float = 0
    # HQ: where pickup-ready e-mails go out (unset: they wait in the outbox).
    smtp_host: str | None = None
    smtp_port: int = 25
    mail_from: str = "orders@omniorder.example"
    # Every server: the largest request body accepted (larger: 413), in bytes.
    max_body_bytes: int = 1_048_576
    # Store: the same for HQ's acknowledgements (job token; up to 100 whole orders at once).
    max_job_body_bytes: int = 64 * 1_048_576
    # Every server: serve the interactive API page /docs (local Swagger UI files; needs the
    # `docs` extra). Off in production; /openapi.json is always served.
    api_docs: bool = False
    # Every server: a name for this process, shown by /health (tells apart several workers,
    # or a server from another that took its port).
    instance_id: str | None = None
    # Every server: the locale amounts and dates are written in on pages and documents (a
    # CLDR name: en_US, en_GB, fr_CA, de_DE, …); the currency is HQ's parameter.
    locale: str = "en_US"
    # Every server: the bearer token Prometheus sends to scrape /metrics (unset: no /metrics;
    # docs/security.md, *Metrics*).
    metrics_token: str | None = None

    def hq_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'hq.db'}"

    def store_database_url(self, store_code: str) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / f'store-{store_code}.db'}"

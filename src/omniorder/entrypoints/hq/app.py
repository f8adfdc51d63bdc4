"""Building the HQ service's FastAPI app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from omniorder import __version__
from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.config import Settings
from omniorder.entrypoints.deps import AppContext, utc_now
from omniorder.entrypoints.hq import api, records
from omniorder.entrypoints.http_errors import install_error_handlers


def create_hq_app(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> FastAPI:
    engine = make_engine(settings.hq_database_url())
    app = FastAPI(
        title="Omniorder HQ",
        version=__version__,
        description="Back office API: sales orders, master data, the real-time service.",
    )
    app.state.ctx = AppContext(
        settings=settings, session_factory=make_session_factory(engine), clock=clock
    )
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(records.parameters_router)
    for router in records.RESOURCES:
        app.include_router(router)

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        return {"status": "ok", "role": "hq"}

    return app

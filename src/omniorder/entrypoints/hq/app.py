"""Building the HQ service's FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from omniorder import __version__
from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.payments import TestCardConnector
from omniorder.config import Settings
from omniorder.entrypoints.deps import AppContext, utc_now
from omniorder.entrypoints.hq import (
    api,
    pages,
    parameter_pages,
    record_pages,
    records,
    sales_order_pages,
)
from omniorder.entrypoints.http_errors import install_error_handlers
from omniorder.entrypoints.nul_guard import RejectNulCharacters
from omniorder.service_layer.ports import PaymentConnector


def create_hq_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    payments: PaymentConnector | None = None,
) -> FastAPI:
    engine = make_engine(settings.hq_database_url())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="Omniorder HQ",
        version=__version__,
        description="Back office API: sales orders, master data, the real-time service.",
    )
    app.state.ctx = AppContext(
        settings=settings, session_factory=make_session_factory(engine), clock=clock
    )
    app.state.payments = payments or TestCardConnector()
    install_error_handlers(app)
    app.add_middleware(RejectNulCharacters)
    app.include_router(api.router)
    app.include_router(records.parameters_router)
    for router in records.RESOURCES:
        app.include_router(router)
    for page_router in (pages, parameter_pages, sales_order_pages, record_pages):
        app.include_router(page_router.router)
    store_static = Path(__file__).parent.parent / "store" / "static"
    app.mount("/static/pos", StaticFiles(directory=store_static), name="pos-static")
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        return {"status": "ok", "role": "hq"}

    return app

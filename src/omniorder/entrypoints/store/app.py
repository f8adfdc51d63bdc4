"""Building the store server's FastAPI app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from omniorder import __version__
from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.hq_client import HQClient
from omniorder.adapters.payments import TestCardConnector
from omniorder.config import Settings
from omniorder.domain.errors import OmniorderError
from omniorder.entrypoints.api_docs import install_api_docs
from omniorder.entrypoints.deps import utc_now
from omniorder.entrypoints.guards import Guards
from omniorder.entrypoints.http_errors import install_error_handlers
from omniorder.entrypoints.observability import RequestContext, install_operations_routes
from omniorder.entrypoints.store import api, journal_api, operations_api, pages
from omniorder.entrypoints.store.context import StoreContext
from omniorder.entrypoints.web import use_locale
from omniorder.service_layer.channel_data import import_channel_data
from omniorder.service_layer.ports import HQ, PaymentConnector

log = logging.getLogger("omniorder.store")


def create_store_app(
    settings: Settings,
    *,
    store_code: str,
    hq: HQ | None = None,
    payments: PaymentConnector | None = None,
    clock: Callable[[], datetime] = utc_now,
    download_on_start: bool = True,
) -> FastAPI:
    use_locale(settings.locale)
    engine = make_engine(settings.store_database_url(store_code))
    hq = hq or HQClient(
        settings.hq_url,
        store_code=store_code,
        token=settings.store_token,
        timeout_seconds=settings.hq_timeout_seconds,
    )
    ctx = StoreContext(
        settings=settings,
        session_factory=make_session_factory(engine),
        store_code=store_code,
        hq=hq,
        payments=payments or TestCardConnector(token_secret=settings.card_token_secret),
        clock=clock,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if download_on_start:
            try:
                counts = import_channel_data(ctx.uow(), hq.channel_data())
                ctx.channel_data_at = clock()
                log.info("channel data downloaded from HQ: %s", counts)
            except OmniorderError as error:
                log.warning("channel data not downloaded, using the cached copy: %s", error)
        yield
        engine.dispose()

    app = FastAPI(
        title=f"Omniorder store {store_code}",
        version=__version__,
        description="Point of sale API of one store: customer orders, quotes, find order.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    # Two layers, as each costs every request: the guards (security headers, body limit, NUL;
    # docs/security.md), and outside them the request id, access line and metrics (413s too).
    app.add_middleware(
        Guards,
        max_bytes=settings.max_body_bytes,
        larger={"/api/v1/journal/": settings.max_job_body_bytes},
    )
    app.add_middleware(RequestContext)
    # First in the route table, which is searched in order on every request: /health and
    # /metrics are asked for often, by machines.
    install_operations_routes(
        app,
        settings=settings,
        engine=engine,
        role="store",
        store_code=store_code,
        clock=clock,
        channel_data_at=lambda: ctx.channel_data_at,
        hq_ping=hq.ping if isinstance(hq, HQClient) else None,
    )
    install_api_docs(app, enabled=settings.api_docs)
    app.include_router(api.router)
    app.include_router(operations_api.router)
    app.include_router(journal_api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    return app

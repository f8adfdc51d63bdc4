"""Building the HQ service's FastAPI app."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from omniorder import __version__
from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.job_locks import DatabaseJobLocks
from omniorder.adapters.mail import SmtpMailer
from omniorder.adapters.payments import TestCardConnector
from omniorder.adapters.store_gateway import HttpStoreGateway
from omniorder.config import Settings
from omniorder.entrypoints.api_docs import install_api_docs
from omniorder.entrypoints.deps import AppContext, utc_now
from omniorder.entrypoints.guards import Guards
from omniorder.entrypoints.hq import (
    api,
    jobs_api,
    pages,
    parameter_pages,
    record_pages,
    records,
    sales_order_pages,
    sync_pages,
)
from omniorder.entrypoints.http_errors import install_error_handlers
from omniorder.entrypoints.observability import RequestContext, install_operations_routes
from omniorder.entrypoints.web import use_locale
from omniorder.service_layer import job_worker
from omniorder.service_layer.ports import PaymentConnector, StoreGateway

log = logging.getLogger("omniorder.hq")


def create_hq_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    payments: PaymentConnector | None = None,
    jobs: StoreGateway | None = None,
) -> FastAPI:
    use_locale(settings.locale)
    engine = make_engine(settings.hq_database_url())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        scheduler = None
        if settings.job_interval_seconds > 0:
            scheduler = threading.Thread(
                target=_run_jobs_every,
                args=(settings.job_interval_seconds, app, DatabaseJobLocks(engine), stop),
                name="omniorder-jobs",
                daemon=True,
            )
            scheduler.start()
        yield
        stop.set()
        if scheduler is not None:
            scheduler.join(timeout=30)
        engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        title="Omniorder HQ",
        version=__version__,
        description="Back office API: sales orders, master data, the real-time service.",
    )
    app.state.ctx = AppContext(
        settings=settings, session_factory=make_session_factory(engine), clock=clock
    )
    app.state.payments = payments or TestCardConnector(token_secret=settings.card_token_secret)
    app.state.jobs = jobs or HttpStoreGateway(job_secret=settings.job_secret)
    app.state.mailer = (
        SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_from)
        if settings.smtp_host
        else None
    )
    install_error_handlers(app)
    # Two layers, as each costs every request: the guards (security headers, body limit, NUL;
    # docs/security.md), and outside them the request id, access line and metrics (413s too).
    app.add_middleware(Guards, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext)
    # First in the route table, which is searched in order on every request: /health and
    # /metrics are asked for often, by machines.
    install_operations_routes(
        app, settings=settings, engine=engine, role="hq", store_code=None, clock=clock
    )
    install_api_docs(app, enabled=settings.api_docs)
    app.include_router(api.router)
    app.include_router(jobs_api.router)
    app.include_router(records.parameters_router)
    for router in records.RESOURCES:
        app.include_router(router)
    for page_router in (pages, parameter_pages, sales_order_pages, record_pages, sync_pages):
        app.include_router(page_router.router)
    store_static = Path(__file__).parent.parent / "store" / "static"
    app.mount("/static/pos", StaticFiles(directory=store_static), name="pos-static")
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    return app


def create_hq_app_from_environment() -> FastAPI:
    """The app of each worker process of `omniorder hq serve --workers N` (settings from
    the OMNIORDER_* environment, which `hq serve` fills in before starting them)."""
    from omniorder.entrypoints.observability import configure_logging

    configure_logging()
    return create_hq_app(Settings())


def _run_jobs_every(
    seconds: float, app: FastAPI, locks: DatabaseJobLocks, stop: threading.Event
) -> None:
    """The scheduled jobs inside a single `hq serve` process, when asked for with
    --job-interval (the demo); the same cycle, locks and records as `omniorder jobs worker`
    (docs/sync.md, *Job workers*)."""
    ctx: AppContext = app.state.ctx
    job_worker.run_every(
        seconds,
        stop,
        lambda: job_worker.run_cycle(
            ctx.uow, app.state.jobs, locks, clock=ctx.clock, mailer=app.state.mailer
        ),
        wait_first=True,
    )

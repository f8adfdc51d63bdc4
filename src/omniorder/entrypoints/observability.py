"""How a server tells its operator what it does (docs/operations.md, *Monitoring* and *Logs*):
JSON log lines with a request id, one access line per request, Prometheus metrics at
`/metrics`, and `/health` (alive) and `/ready` (its database, and for a store HQ, reachable).

The request id comes from the caller's `X-Request-ID` when it is a short run of safe
characters, or is made here; it is returned in the response's `X-Request-ID`, kept on
`request.state.request_id` (error pages show it, so a user can quote it), bound to every log
line of the request, and sent on by a store to HQ on every call (adapters/hq_client.py), so
that HQ's lines carry the id the store logged.
"""

from __future__ import annotations

import functools
import hmac
import logging
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, MutableMapping
from datetime import datetime
from typing import Any

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine, text
from starlette.routing import Match

from omniorder.adapters.metrics import (
    ORDERS_CREATED,
    DatabaseCollector,
    request_metrics,
    scrape_registry,
)
from omniorder.config import Settings
from omniorder.domain.errors import OmniorderError

_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
# Path parameters that name an order, logged with the operation (never query strings).
_ORDER_PARAMETERS = ("ref", "number")
# Never written to a log line, whatever a caller binds (docs/security.md, *Logs*).
_SECRET_KEYS = re.compile(
    r"password|passwd|token|secret|authorization|cookie|card_?number|(^|_)(pan|cvv|cvc)($|_)",
    re.IGNORECASE,
)

# -- logs -------------------------------------------------------------------------------------


def _redact(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    event.pop("color_message", None)  # Uvicorn's copy of the message with terminal colours
    for key in [key for key in event if _is_secret(key)]:
        event[key] = "[redacted]"
    return event


@functools.lru_cache(maxsize=1024)
def _is_secret(key: str) -> bool:
    """Remembered: the same few keys come on every line."""
    return _SECRET_KEYS.search(key) is not None


class _StderrLines:
    """Where Omniorder's own (structlog) lines end: one line each on the process's stderr,
    looked up at each write (a host such as a test runner swaps `sys.stderr`). Named like a
    standard library logger, so that `add_logger_name` names its lines alike."""

    _lock = threading.Lock()

    def __init__(self, name: str = "omniorder") -> None:
        self.name = name

    def msg(self, message: str) -> None:
        with self._lock:
            sys.stderr.write(message + "\n")

    debug = info = warning = error = critical = exception = fatal = msg


def configure_logging(level: int = logging.INFO) -> None:
    """Every log line of this process as one JSON object on stderr, each with the request id
    of the request it belongs to: Omniorder's own by structlog's fast path (a bound logger
    that drops lower levels at once, rendered straight to a line, no `logging` record), the
    standard library's (Uvicorn, SQLAlchemy, httpx) through its handler, with the same fields
    and the same redaction."""
    stamped: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    rendered: list[Any] = [
        _redact,
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer(),
    ]
    structlog.configure(
        processors=[*stamped, *rendered],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_StderrLines,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*stamped, structlog.stdlib.ExtraAdder()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *rendered],
    )
    root = logging.getLogger()
    if not root.handlers:  # like logging.basicConfig: leave a host's handlers (pytest's) be
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # The access line is ours (with the request id and the route); Uvicorn's would repeat it
    # with the raw path and query string.
    logging.getLogger("uvicorn.access").handlers = []
    logging.getLogger("uvicorn.access").propagate = False
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per job call is noise


access_log = structlog.get_logger("omniorder.access")


def request_id_from(value: str | None) -> str:
    """The caller's request id when it is safe to log and pass on, else a new one."""
    if value is not None and _SAFE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def note_order(request: Request, *, order_id: object = None, ref: str | None = None) -> None:
    """Name the order this request worked on in its access line."""
    if order_id is not None:
        request.state.order_id = str(order_id)
    if ref:
        request.state.order_ref = ref


def count_order_created(store_code: str, mode: str) -> None:
    """One more order created at this store in this mode (sync, async, async_backup)."""
    ORDERS_CREATED.labels(store_code, mode).inc()


def note_operator(request: Request, operator_id: str) -> None:
    """Name the signed-in staff member in this request's access line."""
    request.state.operator_id = operator_id


class RequestContext:
    """Outermost ASGI middleware: gives each request its id, counts and times it by route
    template (never the raw path: unbounded label values), and writes its access line."""

    # How many templates of paths no FastAPI route answered (static files, unmatched) are
    # remembered; more, and they are forgotten (probes for missing paths have no end).
    REMEMBERED_PATHS = 1024

    def __init__(self, app: Any) -> None:
        self.app = app
        self._templates: dict[tuple[str, str, str], str] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(_header(scope, b"x-request-id"))
        id_header = (b"x-request-id", request_id.encode())
        path, root_path = scope["path"], scope.get("root_path", "")  # the router rewrites them
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), id_header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            method = scope["method"]
            route = self._route_template(scope, method, path, root_path)
            request_metrics(method, route, status).observe(seconds)
            params = scope.get("path_params") or {}
            order_ref = state.get("order_ref") or next(
                (params[name] for name in _ORDER_PARAMETERS if name in params), None
            )
            fields = {
                "operator_id": state.get("operator_id"),
                "order_id": state.get("order_id"),
                "order_ref": order_ref,
                "store": params.get("code"),
            }
            access_log.info(
                "request",
                method=method,
                route=route,
                status=status,
                duration_ms=round(seconds * 1000, 1),
                **{k: v for k, v in fields.items() if v is not None},
            )
            structlog.contextvars.clear_contextvars()

    def _route_template(self, scope: dict[str, Any], method: str, path: str, root_path: str) -> str:
        """`/api/v1/customer-orders/{ref}` for a matched route, the mount's prefix for static
        files, and one label for every path that matched nothing."""
        route = getattr(scope.get("route"), "path", None)  # FastAPI's own routes say it
        if isinstance(route, str):
            return route or "/"
        key = (method, path, root_path)
        template = self._templates.get(key)
        if template is None:
            if len(self._templates) >= self.REMEMBERED_PATHS:
                self._templates.clear()
            template = self._templates[key] = _starlette_template(scope.get("app"), key)
        return template


def _starlette_template(app: Any, request: tuple[str, str, str]) -> str:
    """The template of Starlette's own routes (/openapi.json, the static mounts), found by
    asking each route again as the request came (the router rewrites `root_path`)."""
    method, path, root_path = request
    as_received = {"type": "http", "method": method, "path": path, "root_path": root_path}
    for route in getattr(getattr(app, "router", None), "routes", ()):
        match, _child = route.matches(as_received)
        if match is not Match.NONE:
            return str(getattr(route, "path", "")) or "/"
    return "unmatched"


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


# -- /health, /ready, /metrics ----------------------------------------------------------------


def install_operations_routes(
    app: FastAPI,
    *,
    settings: Settings,
    engine: Engine,
    role: str,
    store_code: str | None,
    clock: Callable[[], datetime],
    channel_data_at: Callable[[], datetime | None] | None = None,
    hq_ping: Callable[[], None] | None = None,
) -> None:
    """`/health`, `/ready` and `/metrics` on one server (docs/operations.md)."""
    registry = scrape_registry(
        DatabaseCollector(engine, role=role, store_code=store_code, now=clock)
    )

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """Alive: the process answers (nothing else is checked)."""
        answer = {"status": "ok", "role": role}
        if store_code:
            answer["store"] = store_code
        if settings.instance_id:
            answer["instance"] = settings.instance_id
        return answer

    @app.get("/ready", tags=["operations"], responses={503: {"description": "Not ready"}})
    def ready(request: Request) -> JSONResponse:
        """Ready to serve: the database answers (and, at a store, HQ answers); 503 with
        the same figures when not."""
        checks: dict[str, Any] = {"database": _database_check(engine)}
        if role == "store":
            checks["hq"] = _hq_check(hq_ping)
            at = channel_data_at() if channel_data_at else None
            checks["channel_data"] = {
                "downloaded_at": at.isoformat() if at else None,
                "age_seconds": round((clock() - at).total_seconds(), 1) if at else None,
            }
        is_ready = all(
            check.get("ok", True) for check in checks.values() if isinstance(check, dict)
        )
        body: dict[str, Any] = {"status": "ready" if is_ready else "not ready", "role": role}
        if store_code:
            body["store"] = store_code
        return JSONResponse({**body, **checks}, status_code=200 if is_ready else 503)

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        """Prometheus text format, for a scraper that sends the metrics token
        (docs/security.md, *Metrics*); without one configured, there is no such page."""
        expected = settings.metrics_token
        sent = request.headers.get("authorization", "")
        if not expected or not hmac.compare_digest(sent.encode(), f"Bearer {expected}".encode()):
            return JSONResponse(
                {"error": {"code": "not_found", "message": "Not found.", "field": ""}},
                status_code=404,
            )
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def _database_check(engine: Engine) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach it means "not ready"
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def _hq_check(ping: Callable[[], None] | None) -> dict[str, Any]:
    """Does HQ answer the store's client (with this request's id, like every call)?"""
    if ping is None:
        return {"ok": True, "checked": False}  # an HQ stand-in (tests), not a client
    started = time.perf_counter()
    try:
        ping()
    except OmniorderError as error:
        return {"ok": False, "error": error.message}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}

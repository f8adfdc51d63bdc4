"""One place that maps the domain's error tree to HTTP.

Every error body has the same shape: {"error": {"code", "message", "field"}}.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from omniorder.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    OmniorderError,
    PermissionDenied,
    StaleVersion,
    TooManyAttempts,
    Unauthenticated,
    Unavailable,
)

STATUS_BY_ERROR: list[tuple[type[OmniorderError], int]] = [
    (InvalidInput, 422),
    (NotFound, 404),
    (Conflict, 409),
    (PermissionDenied, 403),
    (Unauthenticated, 401),
    (TooManyAttempts, 429),
    (Unavailable, 503),
]


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    current_version: int | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "model": ErrorResponse}
    for status, description in [
        (401, "Not signed in"),
        (403, "Missing permission (a manager override may allow it)"),
        (404, "Not found"),
        (409, "Wrong state, stale version (with `current_version`) or an id already in use"),
        (422, "Invalid input; `field` names what is wrong"),
        (429, "Too many wrong passwords; `Retry-After` says when to try again"),
    ]
}


def status_for(error: OmniorderError) -> int:
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return 400


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def field_path(location: tuple[Any, ...] | list[Any]) -> str:
    """("body", "lines", 0, "quantity") → "lines[0].quantity"."""
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OmniorderError)
    async def domain_error(_request: Request, error: OmniorderError) -> JSONResponse:
        field = getattr(error, "field", None) or getattr(error, "permission", None)
        headers = None
        if isinstance(error, Unavailable):
            headers = {"Retry-After": "5"}
        elif isinstance(error, Unauthenticated):
            headers = {"WWW-Authenticate": "Bearer"}
        elif isinstance(error, TooManyAttempts):
            headers = {"Retry-After": str(error.retry_after_seconds)}
        body = error_body(error.code, error.message, field)
        if isinstance(error, StaleVersion) and error.current_version is not None:
            body["error"]["current_version"] = error.current_version
        return JSONResponse(body, status_code=status_for(error), headers=headers)

    @app.exception_handler(IntegrityError)
    async def integrity_error(_request: Request, _error: IntegrityError) -> JSONResponse:
        # The use cases check the ids a client sends; this is the database's own guard
        # behind them (two requests racing with one new id): a conflict, never a 5xx.
        return JSONResponse(
            error_body(
                "id_in_use",
                "An id in this request is already used by another record; send new ids.",
            ),
            status_code=409,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0]
        field = field_path(first.get("loc", ()))
        message = str(first.get("msg", "Invalid value"))
        return JSONResponse(
            error_body("invalid_input", f"{field or 'request'}: {message}", field or None),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body("http_error", str(error.detail)),
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

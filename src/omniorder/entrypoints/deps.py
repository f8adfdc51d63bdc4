"""FastAPI dependencies shared by both servers: the unit of work, the clock, the signed-in staff."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.config import Settings
from omniorder.domain.errors import InvalidInput
from omniorder.domain.money import Money
from omniorder.domain.staff import Staff
from omniorder.service_layer import auth
from omniorder.service_layer.unit_of_work import UnitOfWork

bearer = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/token")


def utc_now() -> datetime:
    return datetime.now(UTC)


class AppContext:
    """What every request of one server shares; lives on `app.state.ctx`."""

    def __init__(
        self,
        *,
        settings: Settings,
        session_factory: sessionmaker[Session],
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.clock = clock

    def uow(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.session_factory)


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


# Dependencies that only read what the request or the process already holds are `async def`:
# FastAPI runs a plain `def` dependency in its thread pool, a hop that costs more CPU than
# the work (docs/performance.md, "Per-request cost"). What reads the database stays `def`.


async def app_ctx(request: Request) -> AppContext:
    return get_ctx(request)


async def get_uow(request: Request) -> UnitOfWork:
    return get_ctx(request).uow()


async def get_now(request: Request) -> datetime:
    return get_ctx(request).clock()


async def get_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    if credentials is None:
        raise auth.NotSignedIn("Sign in first: send the bearer token.")
    return credentials.credentials


def get_staff(
    request: Request,
    token: Annotated[str, Depends(get_token)],
    uow: Annotated[UnitOfWork, Depends(get_uow)],
    now: Annotated[datetime, Depends(get_now)],
) -> Staff:
    idle = get_ctx(request).settings.session_idle_minutes
    staff = auth.staff_for_token(uow, token, now=now, idle_minutes=idle)
    request.state.operator_id = staff.operator_id  # the access line names who did it
    return staff


def client_address(request: Request) -> str | None:
    """The address the request came from, for throttling sign-ins (behind a proxy, run
    uvicorn with --proxy-headers so that this is the client's, not the proxy's)."""
    return request.client.host if request.client else None


async def request_client(request: Request) -> str | None:
    return client_address(request)


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
NowDep = Annotated[datetime, Depends(get_now)]
CtxDep = Annotated[AppContext, Depends(app_ctx)]
ClientDep = Annotated[str | None, Depends(request_client)]
TokenDep = Annotated[str, Depends(get_token)]
CurrentStaff = Annotated[Staff, Depends(get_staff)]


def parse_amount(text: str | None, currency: str, field: str) -> Money | None:
    """A decimal string from a request as Money, refusing more decimals than the currency has."""
    if text is None:
        return None
    try:
        return Money.parse(text, currency)
    except ValueError as error:
        raise InvalidInput(field, f"{text} is not an amount in {currency}: {error}.") from None


def operation_id_for(scope: str, idempotency_key: str | None) -> uuid.UUID:
    """The operation id an Idempotency-Key stands for (a fresh one without a key)."""
    if idempotency_key is None:
        return uuid.uuid4()
    return uuid.uuid5(uuid.NAMESPACE_URL, f"omniorder:{scope}:{idempotency_key}")

"""The store server's shared state: its store code, HQ client and payment connector."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.config import Settings
from omniorder.entrypoints.deps import AppContext, NowDep, get_ctx, utc_now
from omniorder.service_layer.cart import require_store, store_today
from omniorder.service_layer.ports import HQ, PaymentConnector


class StoreContext(AppContext):
    def __init__(
        self,
        *,
        settings: Settings,
        session_factory: sessionmaker[Session],
        store_code: str,
        hq: HQ,
        payments: PaymentConnector,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(settings=settings, session_factory=session_factory, clock=clock)
        self.store_code = store_code
        self.hq = hq
        self.payments = payments
        # When this process last downloaded channel data from HQ (/ready shows its age).
        self.channel_data_at: datetime | None = None


async def get_store_ctx(request: Request) -> StoreContext:
    ctx = get_ctx(request)
    assert isinstance(ctx, StoreContext)
    return ctx


StoreCtx = Annotated[StoreContext, Depends(get_store_ctx)]


def get_store_today(ctx: StoreCtx, now: NowDep) -> date:
    """This store's local date (requested dates and quote expiry are judged by it)."""
    with SqlAlchemyUnitOfWork(ctx.session_factory) as uow:
        return store_today(require_store(uow.records, ctx.store_code), now)


StoreToday = Annotated[date, Depends(get_store_today)]

"""The SQLAlchemy unit of work: one database session, one transaction, rolled back unless
committed (the protocol is `service_layer/unit_of_work.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from omniorder.adapters.repositories import (
    AuthSessionRepository,
    CounterRepository,
    JournalRepository,
    OrderRepository,
    OutboxRepository,
    RecordRepository,
    SignInFailureRepository,
    StagingRepository,
)
from omniorder.adapters.work_lists import WorkListRepository


class SqlAlchemyUnitOfWork:
    orders: OrderRepository
    records: RecordRepository
    counters: CounterRepository
    auth_sessions: AuthSessionRepository
    sign_in_failures: SignInFailureRepository
    journal: JournalRepository
    work_lists: WorkListRepository
    staging: StagingRepository
    outbox: OutboxRepository
    session: Session

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self.session_factory()
        self.orders = OrderRepository(self.session)
        self.records = RecordRepository(self.session)
        self.counters = CounterRepository(self.session)
        self.auth_sessions = AuthSessionRepository(self.session)
        self.sign_in_failures = SignInFailureRepository(self.session)
        self.journal = JournalRepository(self.session)
        self.staging = StagingRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.work_lists = WorkListRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Detach what was loaded first, so that records returned to the caller stay readable;
        # then drop whatever was not committed.
        self.session.expunge_all()
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        nested = self.session.begin_nested()
        try:
            yield
        except BaseException:
            nested.rollback()
            raise
        nested.commit()

"""The unit of work: one database transaction that rolls back unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from omniorder.adapters.repositories import (
    AuthSessionRepository,
    CounterRepository,
    JournalRepository,
    OrderRepository,
    OutboxRepository,
    RecordRepository,
    StagingRepository,
)


class UnitOfWork:
    orders: OrderRepository
    records: RecordRepository
    counters: CounterRepository
    auth_sessions: AuthSessionRepository
    journal: JournalRepository
    staging: StagingRepository
    outbox: OutboxRepository

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self.session_factory()
        self.orders = OrderRepository(self.session)
        self.records = RecordRepository(self.session)
        self.counters = CounterRepository(self.session)
        self.auth_sessions = AuthSessionRepository(self.session)
        self.journal = JournalRepository(self.session)
        self.staging = StagingRepository(self.session)
        self.outbox = OutboxRepository(self.session)
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

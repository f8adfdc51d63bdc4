"""Master data kept in the process, checked against a version stamp once per transaction
(docs/performance.md, *Master data in the process*).

Stores, retail parameters, functionality profiles, products, tax rates, charge codes,
delivery modes and staff are read on every order but change seldom. `RecordRepository` keeps
the column values it read here, per database, labelled with the stamp's value at the time.

The stamp is the `master_data_version` row of the `counters` table. Every flush that writes
a cached type, and every bulk delete of one (`RecordRepository.clear`), gives it a new random
value in the same transaction, whichever process writes (HQ's record pages and CLI, the store's
channel-data import, `seed demo`). A transaction reads the stamp once, at its first cached
read, and uses what is kept only when it was read at that same stamp: a change committed by
any process is seen by the next transaction of every other one, so several worker processes
never serve stale rules. A transaction that wrote master data itself reads the database for
the rest of its life.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from collections.abc import Hashable
from itertools import chain
from typing import Any

from sqlalchemy import Engine, Select, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached

from omniorder.adapters.orm import (
    Base,
    ChargeCodeRow,
    CounterRow,
    DeliveryModeRow,
    FunctionalityProfileRow,
    ParametersRow,
    ProductRow,
    StaffRow,
    StoreRow,
    TaxRateRow,
)

CACHED_TYPES: tuple[type[Base], ...] = (
    ParametersRow,
    DeliveryModeRow,
    ChargeCodeRow,
    FunctionalityProfileRow,
    StoreRow,
    ProductRow,
    TaxRateRow,
    StaffRow,
)
VERSION_COUNTER = "master_data_version"
# Entries kept per database before the cache starts over (a product catalogue larger than
# this is read from the database for the rest, rather than growing memory without bound).
MAX_ENTRIES = 20_000

_STAMP = "omniorder.master_data_stamp"
_WROTE = "omniorder.master_data_written"

Values = dict[str, Any]


class MasterDataCache:
    """Column values of master-data rows read at one version of the stamp (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = None
        self._entries: dict[Hashable, Any] = {}

    def get(self, version: int, key: Hashable) -> Any | None:
        with self._lock:
            if self._version != version:
                return None
            return self._entries.get(key)

    def put(self, version: int, key: Hashable, value: Any) -> None:
        """Keep a value read at `version`; what was kept at another stamp is dropped (values
        are only ever handed to transactions that read the stamp they were kept at)."""
        with self._lock:
            if version != self._version:
                self._version = version
                self._entries = {}
            if len(self._entries) >= MAX_ENTRIES:
                self._entries = {}
            self._entries[key] = value

    def clear(self) -> None:
        with self._lock:
            self._version = None
            self._entries = {}


_caches: weakref.WeakKeyDictionary[Engine, MasterDataCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache_for(session: Session) -> MasterDataCache:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    with _caches_lock:
        cache = _caches.get(engine)
        if cache is None:
            cache = _caches[engine] = MasterDataCache()
        return cache


def stamp(session: Session) -> int | None:
    """The stamp this transaction reads master data at (read once per transaction); None
    when the transaction wrote master data itself, so the cache is not to be used."""
    if session.info.get(_WROTE):
        return None
    transaction = session.get_transaction()
    known = session.info.get(_STAMP)
    if known is not None and transaction is not None and known[0] is transaction:
        return int(known[1])
    value = session.scalar(stamp_query())
    note_stamp(session, value)
    return value or 0


# Built once: a statement object is costly to build, and keeps its cache key once computed.
_STAMP_QUERY = select(CounterRow.value).where(CounterRow.name == VERSION_COUNTER)


def stamp_query() -> Select[tuple[int]]:
    """The query of the stamp; a repository may read it as a scalar subquery of a statement
    it runs anyway (then `note_stamp()`), saving the statement `stamp()` would spend on it."""
    return _STAMP_QUERY


def note_stamp(session: Session, value: int | None) -> None:
    """Remember the stamp read in this transaction (`stamp()` then reads it no more); a
    stamp the transaction already holds is kept, so that it reads master data at one."""
    transaction = session.get_transaction()
    known = session.info.get(_STAMP)
    if known is None or known[0] is not transaction:
        session.info[_STAMP] = (transaction, value or 0)


def values_of(row: Base) -> Values:
    return {column.key: getattr(row, column.key) for column in row.__mapper__.column_attrs}


def detached(row_type: type[Base], values: Values) -> Any:
    """A row built from kept values, as if loaded by a session now closed."""
    row = row_type(**values)
    make_transient_to_detached(row)
    return row


def mark_changed(session: Session) -> None:
    """Give the stamp a new value in the session's transaction: master data changed. A random
    value rather than the next number, so that a database emptied or restored from a backup
    never comes back to a stamp a process has kept other rows under."""
    session.info[_WROTE] = True
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    value = secrets.randbits(62) + 1
    session.connection().execute(
        insert(CounterRow)
        .values(name=VERSION_COUNTER, value=value)
        .on_conflict_do_update(index_elements=[CounterRow.name], set_={"value": value})
    )


@event.listens_for(Session, "after_flush")
def _stamp_master_data_writes(session: Session, _context: Any) -> None:
    if any(
        isinstance(row, CACHED_TYPES) for row in chain(session.new, session.dirty, session.deleted)
    ):
        mark_changed(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_stamp(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_STAMP, None)
        session.info.pop(_WROTE, None)

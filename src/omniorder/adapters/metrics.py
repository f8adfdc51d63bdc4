"""What each server measures, in Prometheus terms (docs/operations.md, *Monitoring*).

Two kinds of figures:
- counters and histograms of what this process did (requests, orders created, calls to HQ),
  kept by `prometheus-client` — in memory, or in `PROMETHEUS_MULTIPROC_DIR` when several
  worker processes share one port, so that any of them answers for all;
- gauges of what the database holds (journal backlog, store transactions, outbox, job runs),
  read by `DatabaseCollector` at scrape time, so they are right whichever process answers.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, inspect, select

from omniorder.adapters import orm

REQUESTS = Counter(
    "omniorder_http_requests",
    "HTTP requests answered, by route template and status.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "omniorder_http_request_duration_seconds",
    "Time from request to the end of the response, by route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ORDERS_CREATED = Counter(
    "omniorder_orders_created",
    "Customer orders and quotes a store created, by store and mode "
    "(sync: HQ created the sales order at once; async: through the journal; "
    "async_backup: the journal because HQ did not answer in time).",
    ["store", "mode"],
)
HQ_CALLS = Counter(
    "omniorder_hq_calls",
    "Calls a store made to HQ's real-time service and channel-data download, by call and "
    "outcome (ok; refused: HQ said no, 4xx; unavailable: no answer or 5xx).",
    ["store", "call", "outcome"],
)


class RequestMetrics:
    """The two figures of one kind of request (method, route template, status), their
    labelled children looked up once: `labels()` validates and locks on every call."""

    def __init__(self, method: str, route: str, status: int) -> None:
        self._count = REQUESTS.labels(method, route, str(status))
        self._seconds = REQUEST_SECONDS.labels(method, route)

    def observe(self, seconds: float) -> None:
        """One more such request, answered in `seconds`."""
        self._count.inc()
        self._seconds.observe(seconds)


@functools.lru_cache(maxsize=4096)
def request_metrics(method: str, route: str, status: int) -> RequestMetrics:
    """The metrics of one kind of request; bounded, as routes are templates."""
    return RequestMetrics(method, route, status)


class _ThisProcess(Collector):
    """The counters and histograms above, from this process's default registry."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def scrape_registry(database: DatabaseCollector) -> CollectorRegistry:
    """What `/metrics` answers: the process figures (of every worker when
    PROMETHEUS_MULTIPROC_DIR is set) and the database's."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    registry.register(database)
    return registry


class DatabaseCollector(Collector):
    """Gauges read from the server's database when Prometheus scrapes (role "hq" or
    "store"). A query that fails (a table a newer migration adds) leaves its figures out
    rather than failing the scrape."""

    def __init__(
        self, engine: Engine, *, role: str, store_code: str | None, now: Callable[[], datetime]
    ) -> None:
        self.engine = engine
        self.role = role
        self.store_code = store_code
        self.now = now

    def collect(self) -> Iterator[Metric]:
        if self.role == "store":
            yield from self._journal()
        else:
            yield from self._staging()
            yield from self._outbox()
            yield from self._job_runs()

    def _age(self, oldest: datetime | None) -> float:
        return max(0.0, (self.now() - oldest).total_seconds()) if oldest else 0.0

    def _journal(self) -> Iterator[Metric]:
        entry = orm.JournalEntryRow
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(entry.sync_status, func.count(), func.min(entry.created_at)).group_by(
                    entry.sync_status
                )
            ).all()
        by_status = {status: (count, oldest) for status, count, oldest in rows}
        store = self.store_code or ""
        backlog = GaugeMetricFamily(
            "omniorder_journal_backlog_entries",
            "Journal entries HQ has not yet acknowledged (pending).",
            labels=["store"],
        )
        backlog.add_metric([store], by_status.get("pending", (0, None))[0])
        yield backlog
        age = GaugeMetricFamily(
            "omniorder_journal_backlog_oldest_age_seconds",
            "Age of the oldest journal entry HQ has not yet acknowledged (0: none).",
            labels=["store"],
        )
        age.add_metric([store], self._age(_as_utc(by_status.get("pending", (0, None))[1])))
        yield age
        failed = GaugeMetricFamily(
            "omniorder_journal_failed_entries",
            "Journal entries HQ could not synchronize (failed; docs/sync.md).",
            labels=["store"],
        )
        failed.add_metric([store], by_status.get("failed", (0, None))[0])
        yield failed

    def _staging(self) -> Iterator[Metric]:
        tx = orm.StoreTransactionRow
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(tx.store_code, tx.status, func.count(), func.min(tx.pulled_at)).group_by(
                    tx.store_code, tx.status
                )
            ).all()
            unacked = conn.execute(
                select(tx.store_code, func.count())
                .where(tx.is_acknowledged.is_(False), tx.status != "pending")
                .group_by(tx.store_code)
            ).all()
        counts = GaugeMetricFamily(
            "omniorder_store_transactions",
            "Store transactions in HQ staging, by store and status (pending, synchronized, "
            "failed).",
            labels=["store", "status"],
        )
        oldest = GaugeMetricFamily(
            "omniorder_store_transactions_oldest_pending_age_seconds",
            "Time since the oldest pending store transaction was pulled, by store.",
            labels=["store"],
        )
        for store, status, count, first in rows:
            counts.add_metric([store, status], count)
            if status == "pending":
                oldest.add_metric([store], self._age(_as_utc(first)))
        yield counts
        yield oldest
        waiting = GaugeMetricFamily(
            "omniorder_store_transactions_unacknowledged",
            "Synchronized or failed store transactions the store has not yet been told of.",
            labels=["store"],
        )
        for store, count in unacked:
            waiting.add_metric([store], count)
        yield waiting

    def _outbox(self) -> Iterator[Metric]:
        box = orm.OutboxMessageRow
        with self.engine.connect() as conn:
            count, first = conn.execute(
                select(func.count(), func.min(box.created_at)).where(box.sent_at.is_(None))
            ).one()
        size = GaugeMetricFamily(
            "omniorder_outbox_unsent_messages", "E-mails waiting in the outbox."
        )
        size.add_metric([], count)
        yield size
        age = GaugeMetricFamily(
            "omniorder_outbox_oldest_unsent_age_seconds",
            "Age of the oldest e-mail waiting in the outbox (0: none).",
        )
        age.add_metric([], self._age(_as_utc(first)))
        yield age

    def _job_runs(self) -> Iterator[Metric]:
        row = getattr(orm, "JobRunRow", None)
        if row is None or not inspect(self.engine).has_table(row.__tablename__):
            return
        with self.engine.connect() as conn:
            runs = conn.execute(select(row)).all()
        total = CounterMetricFamily(
            "omniorder_job_runs", "Runs of each scheduled job.", labels=["job"]
        )
        failures = CounterMetricFamily(
            "omniorder_job_failures", "Runs of each scheduled job that failed.", labels=["job"]
        )
        duration = GaugeMetricFamily(
            "omniorder_job_last_duration_seconds",
            "How long each job's last run took.",
            labels=["job"],
        )
        success = GaugeMetricFamily(
            "omniorder_job_last_success_timestamp_seconds",
            "When each job last finished without error (Unix time; 0: never).",
            labels=["job"],
        )
        for run in runs:
            total.add_metric([run.name], run.runs or 0)
            failures.add_metric([run.name], run.failures or 0)
            duration.add_metric([run.name], (run.last_duration_ms or 0) / 1000)
            last = _as_utc(run.last_success_at)
            success.add_metric([run.name], last.timestamp() if last else 0.0)
        yield from (total, failures, duration, success)


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)

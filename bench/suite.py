"""The benchmark suite: real servers (tests/servers.py) on loopback, each figure measured
alternately with its raw baseline (A, B, A, B, …) and reported as the median of the
repetitions. See docs/performance.md."""

from __future__ import annotations

import os
import pstats
import signal
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import text
from tests.builders import SOON
from tests.servers import JOB_SECRET, Servers, running_servers, sign_in

from bench import bigdb, job_workers
from bench.raw import Pgbench, RawSqlite
from omniorder.adapters.db import make_engine

HOOK_DIR = Path(__file__).with_name("_hook")
PG_ADMIN_URL = os.environ.get(
    "OMNIORDER_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
RATES = {"S001": Decimal("0.08875"), "S002": Decimal("0.06625")}
LINES = (("LAMP-FLOOR", 14999), ("PILLOW-2", 3999), ("VASE-GLASS", 2499))
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Sizes:
    repetitions: int
    orders: int  # per repetition, per measured phase
    raw_seconds: float
    find_orders: int
    find_requests: int  # per kind of search
    memory_orders: int  # per store, before the servers' memory is read

    @classmethod
    def of(cls, *, quick: bool, find_orders: int | None) -> Sizes:
        if quick:
            return cls(1, 5, 1.0, find_orders or 1_000, 2, 20)
        return cls(3, 100, 3.0, find_orders or 1_000_000, 20, 10_000)


@dataclass
class Row:
    name: str
    ours: str
    baseline: str
    ratio: str
    target: str


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)


# -- helpers ---------------------------------------------------------------------------------


def order_body(store: str) -> dict[str, object]:
    """Three pickup lines (so three stock reservations), the deposit paid in cash."""
    gross = sum(
        (Decimal(price) / 100 * (1 + RATES[store])).quantize(Decimal("0.01"), "ROUND_HALF_UP")
        for _sku, price in LINES
    )
    deposit = (Decimal(gross) / 10).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    return {
        "customer_account": "C0001",
        "lines": [
            {"sku": sku, "quantity": 1, "fulfilment": "pickup", "requested_date": str(SOON)}
            for sku, _price in LINES
        ],
        "payments": [{"tender": "cash", "amount": str(deposit)}],
    }


def create_orders(
    url: str, headers: dict[str, str], store: str, count: int, clients: int = 1
) -> tuple[float, list[float]]:
    """POST `count` orders from `clients` threads; (orders per second, latencies in s)."""
    latencies: list[float] = []
    errors: list[BaseException] = []
    body = order_body(store)

    def client_loop(n: int) -> None:
        try:
            with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
                for _ in range(n):
                    started = time.perf_counter()
                    response = client.post(
                        "/api/v1/customer-orders",
                        json=body,
                        headers={"Idempotency-Key": f"bench-{uuid.uuid4()}"},
                    )
                    latencies.append(time.perf_counter() - started)
                    if response.status_code >= 300:
                        raise RuntimeError(f"{response.status_code}: {response.text[:500]}")
        except BaseException as error:  # reported below, in the main thread
            errors.append(error)

    shares = [count // clients + (1 if i < count % clients else 0) for i in range(clients)]
    threads = [threading.Thread(target=client_loop, args=(n,)) for n in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return count / elapsed, latencies


def pct(values: list[float], p: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK  # utime, stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def pid(servers: Servers, name: str) -> int:
    process = servers.hq if name == "hq" else servers.stores[name]
    assert process.popen is not None
    return process.popen.pid


def sql_counts(hook: Path, server_pid: int) -> tuple[int, int]:
    """(statements, transactions) so far in a server started with the hook (SIGUSR1)."""
    out = Path(f"{hook}-{server_pid}.sql")
    out.unlink(missing_ok=True)
    os.kill(server_pid, signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while not out.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"server {server_pid} wrote no SQL counts")
        time.sleep(0.01)
    statements, transactions = out.read_text().split()
    return int(statements), int(transactions)


def top_functions(path: Path, count: int = 10) -> str:
    import io

    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(count)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    return "\n".join(lines[start : start + count + 1])


@contextmanager
def hooked(hook: Path) -> Iterator[None]:
    """Servers started inside load bench/_hook/sitecustomize.py (SQL counts, profiles)."""
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", "OMNIORDER_BENCH_HOOK")}
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HOOK_DIR), saved["PYTHONPATH"]) if p)
    os.environ["OMNIORDER_BENCH_HOOK"] = str(hook)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def median(values: list[float]) -> float:
    return statistics.median(values)


# -- part 1: SQLite, rows 1, 3, 4, 5 and the profile -------------------------------------------


def sqlite_part(tmp: Path, sizes: Sizes, report: Report, log: Callable[[str], None]) -> None:
    hook = tmp / "hook"
    with (
        hooked(hook),
        running_servers(tmp / "sqlite", stores=("S001", "S002"), async_stores=("S002",)) as servers,
    ):
        sync_url, async_url = servers.store_url("S001"), servers.store_url("S002")
        sync_auth = sign_in(sync_url, "1001", "cashier1")
        async_auth = sign_in(async_url, "2001", "cashier2")
        create_orders(sync_url, sync_auth, "S001", 3)  # warm up
        create_orders(async_url, async_auth, "S002", 3)
        raw = RawSqlite(tmp / "raw.db")
        raw.rate(0.5)
        store_pid, hq_pid = pid(servers, "S001"), pid(servers, "hq")
        sync_rates, async_rates, raw_rates, p50s, p95s = [], [], [], [], []
        cpu_store, cpu_hq, sql_store, sql_hq, tx_store = [], [], [], [], []
        for rep in range(sizes.repetitions):
            log(f"sqlite repetition {rep + 1}/{sizes.repetitions}")
            s0, h0 = sql_counts(hook, store_pid), sql_counts(hook, hq_pid)
            c0 = cpu_seconds(store_pid), cpu_seconds(hq_pid)
            rate, latencies = create_orders(sync_url, sync_auth, "S001", sizes.orders)
            c1 = cpu_seconds(store_pid), cpu_seconds(hq_pid)
            s1, h1 = sql_counts(hook, store_pid), sql_counts(hook, hq_pid)
            sync_rates.append(rate)
            p50s.append(pct(latencies, 50) * 1000)
            p95s.append(pct(latencies, 95) * 1000)
            cpu_store.append((c1[0] - c0[0]) / sizes.orders * 1000)
            cpu_hq.append((c1[1] - c0[1]) / sizes.orders * 1000)
            sql_store.append((s1[0] - s0[0]) / sizes.orders)
            tx_store.append((s1[1] - s0[1]) / sizes.orders)
            sql_hq.append((h1[0] - h0[0]) / sizes.orders)
            raw_rates.append(raw.rate(sizes.raw_seconds))
            async_rates.append(create_orders(async_url, async_auth, "S002", sizes.orders)[0])
            raw_rates.append(raw.rate(sizes.raw_seconds))
        # One sync order, profiled in both servers (worker threads' calls, cProfile).
        for server_pid in (store_pid, hq_pid):
            os.kill(server_pid, signal.SIGUSR2)
        time.sleep(0.2)
        create_orders(sync_url, sync_auth, "S001", 1)
        for server_pid in (store_pid, hq_pid):
            os.kill(server_pid, signal.SIGUSR2)
        for name, server_pid in (("store S001", store_pid), ("HQ", hq_pid)):
            prof = Path(f"{hook}-{server_pid}.prof")
            deadline = time.monotonic() + 10
            while not prof.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            report.profiles[name] = top_functions(prof) if prof.exists() else "(no profile)"
        total = sizes.repetitions * sizes.orders * 2 + 10
        report.notes.append(
            f"RSS after {total} orders (SQLite servers): store S001 {rss_mb(store_pid):.0f} MB,"
            f" store S002 {rss_mb(pid(servers, 'S002')):.0f} MB, HQ {rss_mb(hq_pid):.0f} MB"
        )
    raw_rate = median(raw_rates)
    sync_rate = median(sync_rates)
    report.rows += [
        Row(
            "1. sync create, SQLite, 1 client",
            f"{sync_rate:.1f} orders/s, p50 {median(p50s):.1f} ms, p95 {median(p95s):.1f} ms",
            f"sqlite3 raw {raw_rate:.0f} tx/s",
            f"{sync_rate / raw_rate:.3f}x",
            ">= 0.06x, p95 <= 10 ms",
        ),
    ]
    cpu_row = Row(
        "3. server CPU per sync order",
        f"store {median(cpu_store):.1f} ms, HQ {median(cpu_hq):.1f} ms",
        "none (absolute)",
        "-",
        "store <= 3 ms, HQ <= 3 ms",
    )
    sql_row = Row(
        "4. SQL statements per sync order",
        f"store {median(sql_store):.1f} in {median(tx_store):.1f} tx, HQ {median(sql_hq):.1f};"
        f" total {median(sql_store) + median(sql_hq):.1f}",
        "raw: 9 in 1 tx",
        f"{(median(sql_store) + median(sql_hq)) / 9:.1f}x",
        "<= 15 total, store <= 2 tx",
    )
    async_rate = median(async_rates)
    report.rows += [
        Row("2. sync create, PostgreSQL, 4 clients", "(not run)", "", "", ">= 0.10x"),
        cpu_row,
        sql_row,
        Row(
            "5. async create, SQLite, 1 client",
            f"{async_rate:.1f} orders/s",
            f"sqlite3 raw {raw_rate:.0f} tx/s (row 1)",
            f"{async_rate / raw_rate:.3f}x",
            ">= 0.10x",
        ),
    ]


# -- part 2: PostgreSQL, rows 2, 6 and 7 --------------------------------------------------------


def postgres_part(
    tmp: Path,
    sizes: Sizes,
    report: Report,
    log: Callable[[str], None],
    *,
    create_only: bool = False,
) -> None:
    tag = uuid.uuid4().hex[:8]
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    names = {key: f"omniorder_bench_{key.lower()}_{tag}" for key in ("hq", "S001", "S002")}
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    raw = Pgbench(PG_ADMIN_URL, f"omniorder_bench_raw_{tag}")
    hq_url = f"{base}/{names['hq']}"
    try:
        with running_servers(
            tmp / "pg",
            stores=("S001", "S002"),
            async_stores=("S002",),
            hq_database_url=hq_url,
            store_database_urls={code: f"{base}/{names[code]}" for code in ("S001", "S002")},
        ) as servers:
            pg_rows(servers, hq_url, raw, sizes, report, log, create_only=create_only)
    finally:
        raw.drop()
        with admin.connect() as conn:
            for name in names.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_rows(
    servers: Servers,
    hq_url: str,
    raw: Pgbench,
    sizes: Sizes,
    report: Report,
    log: Callable[[str], None],
    *,
    create_only: bool = False,
) -> None:
    sync_url, async_url = servers.store_url("S001"), servers.store_url("S002")
    sync_auth = sign_in(sync_url, "1001", "cashier1")
    async_auth = sign_in(async_url, "2001", "cashier2")
    create_orders(sync_url, sync_auth, "S001", 4, clients=4)  # warm up
    rates, raw4, p50s, p95s = [], [], [], []
    for rep in range(sizes.repetitions):
        log(f"postgresql 4 clients repetition {rep + 1}/{sizes.repetitions}")
        rate, latencies = create_orders(sync_url, sync_auth, "S001", sizes.orders, clients=4)
        rates.append(rate)
        p50s.append(pct(latencies, 50) * 1000)
        p95s.append(pct(latencies, 95) * 1000)
        raw4.append(raw.rate(4, sizes.raw_seconds))
    rate, raw_rate = median(rates), median(raw4)
    report.rows[1] = Row(
        "2. sync create, PostgreSQL, 4 clients",
        f"{rate:.1f} orders/s, p50 {median(p50s):.1f} ms, p95 {median(p95s):.1f} ms",
        f"pgbench -c 4 {raw_rate:.0f} tx/s",
        f"{rate / raw_rate:.3f}x",
        ">= 0.10x",
    )
    if create_only:
        return

    def journal_orders(count: int) -> None:
        create_orders(async_url, async_auth, "S002", count)

    one, two, raw_rate = job_workers.measure(
        hq_url,
        JOB_SECRET,
        raw,
        repetitions=sizes.repetitions,
        orders=sizes.orders,
        raw_seconds=sizes.raw_seconds,
        journal_orders=journal_orders,
        log=log,
    )
    for workers, job_rate in ((1, one), (2, two)):
        report.rows.append(
            Row(
                f"6. pull + Synchronize orders, PostgreSQL, {workers} worker"
                + ("s" if workers > 1 else ""),
                f"{job_rate:.1f} orders/s",
                f"pgbench -c 4 {raw_rate:.0f} tx/s",
                f"{job_rate / raw_rate:.3f}x",
                job_workers.TARGET,
            )
        )
    report.notes.append(f"row 6: 2 job workers / 1 job worker = {two / one:.2f}")


# -- part 3: find at a million orders, row 7 -------------------------------------------------

# The store's find searches the last 90 days unless told; the bench searches every order.
SINCE_EVER = "2000-01-01T00:00:00+00:00"


def find_part(tmp: Path, sizes: Sizes, report: Report, log: Callable[[str], None]) -> None:
    """Row 7: HQ on PostgreSQL and a store on SQLite, each grown to `sizes.find_orders` orders
    from a few real ones (bench/bigdb.py), every kind of find at HQ's back office API and at
    the store's API."""
    tag = uuid.uuid4().hex[:8]
    name = f"omniorder_bench_find_{tag}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    hq_url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        with running_servers(tmp / "find", stores=("S001",), hq_database_url=hq_url) as servers:
            store_url = servers.store_url("S001")
            store_auth = sign_in(store_url, "1001", "cashier1")
            create_orders(store_url, store_auth, "S001", max(3, sizes.find_requests // 2))
            store_db = f"sqlite:///{tmp / 'find' / 'store-S001.db'}"
            log(f"building the find databases: {sizes.find_orders:,} orders")
            hq_seconds = bigdb.grow(hq_url, sizes.find_orders)
            store_seconds = bigdb.grow_sqlite(store_db, sizes.find_orders)
            report.notes.append(
                f"find databases: {sizes.find_orders:,} orders at HQ (PostgreSQL) built in"
                f" {hq_seconds:.0f} s, at store S001 (SQLite) in {store_seconds:.0f} s"
                " (bench/bigdb.py)"
            )
            queries = bigdb.sample_queries(store_db, sizes.find_requests)
            hq_auth = sign_in(servers.hq_url, "admin", "hqadmin1")
            places = (
                ("HQ, PostgreSQL", servers.hq_url, hq_auth, "/api/v1/sales-orders"),
                ("store S001, SQLite, asking HQ", store_url, store_auth, "/api/v1/customer-orders"),
            )
            for place, url, auth, path in places:
                log(f"find at {place}")
                with httpx.Client(base_url=url, headers=auth, timeout=300) as client:
                    for kind in bigdb.FIND_KINDS:
                        latencies = _finds(client, path, kind, queries[kind])
                        report.rows.append(
                            Row(
                                f"7. find by {kind}, {sizes.find_orders:,} orders ({place})",
                                f"p95 {pct(latencies, 95) * 1000:.1f} ms,"
                                f" p50 {pct(latencies, 50) * 1000:.1f} ms",
                                "none (absolute)",
                                "-",
                                "p95 <= 20 ms at 1 M",
                            )
                        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _finds(
    client: httpx.Client, path: str, kind: str, searches: list[dict[str, str]]
) -> list[float]:
    """Each search once (after one unmeasured warm-up); the latencies. A search that finds
    nothing is an error: every sample names an order that exists."""
    latencies = []
    for i, params in enumerate([searches[0], *searches]):
        started = time.perf_counter()
        response = client.get(path, params={"created_from": SINCE_EVER, **params})
        elapsed = time.perf_counter() - started
        response.raise_for_status()
        if not response.json():
            raise RuntimeError(f"find {kind} {params} at {path} found nothing")
        if i:
            latencies.append(elapsed)
    return latencies


# -- part 4: memory after many orders (row 8) ------------------------------------------------


def memory_part(tmp: Path, sizes: Sizes, report: Report, log: Callable[[str], None]) -> None:
    """Resident memory of each server (SQLite, as a store runs) after `memory_orders` orders
    at each store — S001 sync (so HQ creates them too) and S002 async —, taken by two clients
    per store at once."""
    with running_servers(
        tmp / "memory", stores=("S001", "S002"), async_stores=("S002",)
    ) as servers:
        stores = {
            "S001": (
                servers.store_url("S001"),
                sign_in(servers.store_url("S001"), "1001", "cashier1"),
            ),
            "S002": (
                servers.store_url("S002"),
                sign_in(servers.store_url("S002"), "2001", "cashier2"),
            ),
        }
        before = {name: rss_mb(pid(servers, name)) for name in ("S001", "S002", "hq")}
        log(f"memory: {sizes.memory_orders} orders at each of S001 (sync) and S002 (async)")
        errors: list[BaseException] = []
        done = {"S001": 0, "S002": 0}
        chunk = 500

        def feed(code: str) -> None:
            url, auth = stores[code]
            try:
                while done[code] < sizes.memory_orders:
                    n = min(chunk, sizes.memory_orders - done[code])
                    create_orders(url, auth, code, n, clients=2)
                    done[code] += n
            except BaseException as error:  # reported below, in the main thread
                errors.append(error)

        threads = [threading.Thread(target=feed, args=(code,)) for code in stores]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            time.sleep(10)
            log(f"memory: S001 {done['S001']}, S002 {done['S002']} orders")
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        after = {name: rss_mb(pid(servers, name)) for name in ("S001", "S002", "hq")}
    report.rows.append(
        Row(
            f"8. resident memory after {sizes.memory_orders:,} orders per store",
            ", ".join(
                f"{label} {after[name]:.0f} MB (started {before[name]:.0f})"
                for name, label in (("S001", "store S001"), ("S002", "store S002"), ("hq", "HQ"))
            ),
            "none (absolute)",
            "-",
            "<= 150 MB per server after 10,000 orders",
        )
    )


# -- the table ------------------------------------------------------------------------------


def run(*, quick: bool, find_orders: int | None = None, only: str | None = None) -> Report:
    """The whole suite; `only="create"`: rows 1–5 alone (the create path, no find database);
    `only="find"`: row 7 alone; `only="memory"`: row 8 alone."""
    sizes = Sizes.of(quick=quick, find_orders=find_orders)
    report = Report()
    report.notes.append(f"load average at start: {load_average()}")
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", flush=True)

    with tempfile.TemporaryDirectory(prefix="omniorder-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if only in (None, "create"):
            sqlite_part(tmp, sizes, report, log)
            postgres_part(tmp, sizes, report, log, create_only=only == "create")
        if only in (None, "find"):
            find_part(tmp, sizes, report, log)
        if only in (None, "memory"):
            memory_part(tmp, sizes, report, log)
    report.notes.append(f"load average at end: {load_average()}")
    report.notes.append(
        f"{sizes.repetitions} repetition(s) of {sizes.orders} orders per phase, medians;"
        f" baselines run {sizes.raw_seconds:.0f} s each, alternating with ours;"
        f" {time.perf_counter() - started:.0f} s in all"
    )
    return report


def table(report: Report) -> str:
    headers = ("row", "ours", "baseline (same run)", "ratio", "target")
    cells = [headers, *((r.name, r.ours, r.baseline, r.ratio, r.target) for r in report.rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)

"""The large find database: the orders the bench created, cloned in SQL.

`grow` (PostgreSQL) copies every existing order (and its lines, charges, payments and
events) `copies` times with one INSERT … SELECT … CROSS JOIN generate_series(1, copies) per
table: new ids are md5(old id || copy)::uuid, new numbers and references carry the copy
number, the copies belong to generated customers B<k> (one per 10 orders, each with its own
phone and e-mail) and are spread back in time one minute apart. Then ANALYZE.

`grow_sqlite` does the same in a SQLite database (HQ's or a store's): the copies come from a
recursive CTE counting 1 … copies, a new id is the old one with its last 8 hex digits
replaced by the copy number, and the database's triggers fill the FTS5 search tables as the
rows go in. Two SQLite databases holding the same order clone it the same way, so the copies
a store keeps of its orders are the ones HQ has.
"""

from __future__ import annotations

import math
import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

from omniorder.adapters.db import make_engine

CHILDREN = ("order_lines", "order_charges", "order_payments", "order_events")


def _columns(conn: Connection, table: str) -> list[str]:
    return list(
        conn.execute(
            text(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = :t ORDER BY ordinal_position"
            ),
            {"t": table},
        ).scalars()
    )


def _clone(conn: Connection, table: str, copies: int, replace: dict[str, str]) -> None:
    columns = _columns(conn, table)
    values = [replace.get(c, f"t.{c}") for c in columns]
    conn.execute(
        text(
            f"INSERT INTO {table} ({', '.join(columns)})"
            f" SELECT {', '.join(values)} FROM {table} t"
            f" CROSS JOIN generate_series(1, {copies}) g"
        )
    )


def customers(orders: int) -> int:
    return max(1, orders // 10)


def grow(url: str, orders: int) -> float:
    """Clone HQ's sales orders until there are at least `orders`; seconds taken."""
    started = time.perf_counter()
    engine = make_engine(url)
    with engine.begin() as conn:
        existing = conn.execute(text("SELECT count(*) FROM customer_orders")).scalar_one()
        copies = max(0, math.ceil((orders - existing) / existing))
        n = customers(orders)
        conn.execute(
            text(
                "INSERT INTO customers (account, name, phone, email)"
                " SELECT 'B' || k, 'Bench Customer ' || k, '555-01-' || lpad(k::text, 7, '0'),"
                " 'bench' || k || '@example.com' FROM generate_series(0, :n - 1) k"
            ),
            {"n": n},
        )
        new_id = "md5(t.id::text || ':' || g)::uuid"
        key = "left(replace(t.id::text, '-', ''), 10)"  # as grow_sqlite: its uuids are 32 hex
        _clone(
            conn,
            "customer_orders",
            copies,
            {
                "id": new_id,
                "channel_ref": f"'B' || g || '-' || {key}",
                "sales_order_number": f"'SO-B' || g || '-' || {key}",
                "customer_account": f"'B' || ((g * 7919 + ascii(t.channel_ref)) % {n})",
                "customer_name": f"'Bench Customer ' || ((g * 7919 + ascii(t.channel_ref)) % {n})",
                "created_at": "t.created_at - g * interval '1 minute'",
            },
        )
        for table in CHILDREN:
            _clone(
                conn,
                table,
                copies,
                {"id": new_id, "order_id": "md5(t.order_id::text || ':' || g)::uuid"},
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def _sqlite_clone(conn: Connection, table: str, copies: int, replace: dict[str, str]) -> None:
    columns = [row[1] for row in conn.execute(text(f"PRAGMA table_info({table})"))]
    values = [replace.get(c, f"t.{c}") for c in columns]
    conn.execute(
        text(
            f"WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {copies})"
            f" INSERT INTO {table} ({', '.join(columns)})"
            f" SELECT {', '.join(values)} FROM {table} t CROSS JOIN g"
        )
    )


def grow_sqlite(url: str, orders: int, *, with_customers: bool = True) -> float:
    """Clone a SQLite database's orders until there are at least `orders`; seconds taken.
    `with_customers`: add the B<k> customers too (a store reads HQ's in its channel data)."""
    started = time.perf_counter()
    engine = make_engine(url)
    with engine.begin() as conn:
        existing = conn.execute(text("SELECT count(*) FROM customer_orders")).scalar_one()
        copies = max(0, math.ceil((orders - existing) / existing))
        n = customers(orders)
        if with_customers:
            conn.execute(
                text(
                    "WITH RECURSIVE k(n) AS"
                    " (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < :last)"
                    " INSERT INTO customers (account, name, phone, email)"
                    " SELECT 'B' || n, 'Bench Customer ' || n, '555-01-' || printf('%07d', n),"
                    " 'bench' || n || '@example.com' FROM k"
                ),
                {"last": n - 1},
            )
        new_id = "substr(t.id, 1, 24) || printf('%08x', g.n)"
        key = "substr(t.id, 1, 10)"
        customer = f"((g.n * 7919 + unicode(t.channel_ref)) % {n})"
        _sqlite_clone(
            conn,
            "customer_orders",
            copies,
            {
                "id": new_id,
                "channel_ref": f"'B' || g.n || '-' || {key}",
                "sales_order_number": f"'SO-B' || g.n || '-' || {key}",
                "customer_account": f"'B' || {customer}",
                "customer_name": f"'Bench Customer ' || {customer}",
                "created_at": "datetime(t.created_at, '-' || g.n || ' minutes')"
                " || substr(t.created_at, 20)",
            },
        )
        for table in CHILDREN:
            _sqlite_clone(
                conn,
                table,
                copies,
                {"id": new_id, "order_id": "substr(t.order_id, 1, 24) || printf('%08x', g.n)"},
            )
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


FIND_KINDS = (
    "number",
    "reference",
    "customer",
    "phone",
    "e-mail",
    "name",
    "date range",
    "status",
    "list",
)


def sample_queries(url: str, count: int) -> dict[str, list[dict[str, str]]]:
    """`count` searches of each kind in FIND_KINDS (query parameters of find order), for
    cloned orders; each finds at least one order."""
    engine = make_engine(url)
    with engine.connect() as conn:
        cloned = list(
            conn.execute(
                text(
                    "SELECT sales_order_number, channel_ref, created_at FROM customer_orders"
                    " WHERE sales_order_number LIKE 'SO-B%' ORDER BY random() LIMIT :c"
                ),
                {"c": count},
            )
        )
        accounts = list(
            conn.execute(
                text(
                    "SELECT DISTINCT customer_account FROM customer_orders"
                    " WHERE customer_account LIKE 'B%' LIMIT 10000"
                )
            ).scalars()
        )
        statuses = list(conn.execute(text("SELECT DISTINCT status FROM customer_orders")).scalars())
    engine.dispose()
    picked = [int(a[1:]) for a in random.sample(accounts, min(count, len(accounts)))]
    days = [_instant(row.created_at) for row in cloned]
    return {
        "number": [{"q": row.sales_order_number} for row in cloned],
        "reference": [{"q": row.channel_ref} for row in cloned],
        "customer": [{"customer": f"B{k}"} for k in picked],
        "phone": [{"q": f"555-01-{k:07d}"} for k in picked],
        "e-mail": [{"q": f"bench{k}@example.com"} for k in picked],
        "name": [{"q": f"Bench Customer {k}"} for k in picked],
        "date range": [
            {"created_from": (d - timedelta(hours=1)).isoformat(), "created_to": d.isoformat()}
            for d in days
        ],
        "status": [{"status": statuses[i % len(statuses)]} for i in range(count)],
        "list": [{} for _ in range(count)],
    }


def _instant(value: datetime | str) -> datetime:
    """A created_at as either database gives it (SQLite: text in UTC)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

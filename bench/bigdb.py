"""The large find database: the orders the bench created at HQ, cloned in SQL.

`grow` copies every existing sales order (and its lines, charges, payments and events)
`copies` times with one INSERT … SELECT … CROSS JOIN generate_series(1, copies) per table:
new ids are md5(old id || copy)::uuid, new numbers and references carry the copy number, the
copies belong to generated customers B<k> (one per 10 orders, each with its own phone and
e-mail) and are spread back in time one minute apart. Then ANALYZE.
"""

from __future__ import annotations

import math
import random
import time

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
        _clone(
            conn,
            "customer_orders",
            copies,
            {
                "id": new_id,
                "channel_ref": "'B' || g || '-' || left(md5(t.id::text), 10)",
                "sales_order_number": "'SO-B' || g || '-' || left(md5(t.id::text), 10)",
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


def sample_queries(url: str, count: int) -> dict[str, list[str]]:
    """`count` phones, e-mails and sales order numbers of cloned orders to search for."""
    engine = make_engine(url)
    with engine.connect() as conn:
        numbers = list(
            conn.execute(
                text(
                    "SELECT sales_order_number FROM customer_orders"
                    " WHERE sales_order_number LIKE 'SO-B%' ORDER BY random() LIMIT :c"
                ),
                {"c": count},
            ).scalars()
        )
        accounts = list(
            conn.execute(
                text(
                    "SELECT DISTINCT customer_account FROM customer_orders"
                    " WHERE customer_account LIKE 'B%' LIMIT 10000"
                )
            ).scalars()
        )
    engine.dispose()
    picked = [int(a[1:]) for a in random.sample(accounts, min(count, len(accounts)))]
    return {
        "phone": [f"555-01-{k:07d}" for k in picked],
        "e-mail": [f"bench{k}@example.com" for k in picked],
        "number": numbers,
    }

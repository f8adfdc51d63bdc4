"""Raw baselines: the order-shaped transaction (1 order row, 3 lines, a payment, a charge,
3 stock reservation updates) run in a tight loop by Python's sqlite3, and by pgbench."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from omniorder.adapters.db import make_engine

SQL_SCRIPT = Path(__file__).with_name("order_txn.sql")
SKUS = ("LAMP-FLOOR", "PILLOW-2", "VASE-GLASS")

SCHEMA = """
CREATE TABLE raw_orders (id {pk} PRIMARY KEY, number VARCHAR(40) UNIQUE, store_code VARCHAR(20),
    customer_account VARCHAR(20), status VARCHAR(30), total_amount BIGINT, created_at {ts});
CREATE INDEX raw_orders_created ON raw_orders (created_at);
CREATE TABLE raw_lines (id {serial}, order_id {fk}, line_number INTEGER, sku VARCHAR(40),
    quantity INTEGER, unit_price_amount BIGINT);
CREATE INDEX raw_lines_order ON raw_lines (order_id);
CREATE TABLE raw_payments (id {serial}, order_id {fk}, tender VARCHAR(20), amount BIGINT,
    created_at {ts});
CREATE INDEX raw_payments_order ON raw_payments (order_id);
CREATE TABLE raw_charges (id {serial}, order_id {fk}, code VARCHAR(20), amount BIGINT);
CREATE INDEX raw_charges_order ON raw_charges (order_id);
CREATE TABLE raw_stock (location VARCHAR(20), sku VARCHAR(40), on_hand_qty INTEGER,
    reserved_qty INTEGER, PRIMARY KEY (location, sku));
"""


class RawSqlite:
    """Python sqlite3, WAL, synchronous=FULL, one connection, explicit transactions."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(
            SCHEMA.format(
                pk="TEXT",
                ts="TEXT",
                serial="INTEGER PRIMARY KEY",
                fk="TEXT REFERENCES raw_orders(id)",
            )
        )
        self.db.executemany(
            "INSERT INTO raw_stock VALUES ('S001', ?, 6, 0)", [(sku,) for sku in SKUS]
        )
        self.n = 0

    def order(self) -> None:
        self.n += 1
        db = self.db
        order_id = str(uuid.uuid4())
        now = datetime.now(UTC).isoformat()
        db.execute("BEGIN")
        db.execute(
            "INSERT INTO raw_orders VALUES (?, ?, 'S001', 'C0001', 'open', 23045, ?)",
            (order_id, f"SO-{self.n}", now),
        )
        for line, sku in enumerate(SKUS, 1):
            db.execute(
                "INSERT INTO raw_lines (order_id, line_number, sku, quantity, unit_price_amount)"
                " VALUES (?, ?, ?, 1, 999)",
                (order_id, line, sku),
            )
        db.execute(
            "INSERT INTO raw_payments (order_id, tender, amount, created_at)"
            " VALUES (?, 'cash', 2305, ?)",
            (order_id, now),
        )
        db.execute(
            "INSERT INTO raw_charges (order_id, code, amount) VALUES (?, 'DELIVERY', 0)",
            (order_id,),
        )
        for sku in SKUS:
            db.execute(
                "UPDATE raw_stock SET reserved_qty = reserved_qty + 1"
                " WHERE location = 'S001' AND sku = ?",
                (sku,),
            )
        db.execute("COMMIT")

    def rate(self, seconds: float) -> float:
        """Orders per second over about `seconds`."""
        count = 0
        started = time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            self.order()
            count += 1
        return count / elapsed


def pgbench_path() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
    if not candidates:
        raise RuntimeError("pgbench not found: apt-get install -y postgresql-contrib")
    return str(candidates[-1])


class Pgbench:
    """pgbench running bench/order_txn.sql against scratch tables in their own database."""

    def __init__(self, admin_url: str, name: str) -> None:
        self.admin_url = admin_url
        self.url = admin_url.rsplit("/", 1)[0] + "/" + name
        self.name = name
        admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = make_engine(self.url)
        schema = SCHEMA.format(
            pk="BIGINT", ts="TIMESTAMPTZ", serial="BIGSERIAL PRIMARY KEY", fk="BIGINT"
        )
        with engine.begin() as conn:
            conn.execute(text("CREATE SEQUENCE raw_order_ids"))
            for statement in schema.split(";"):
                if statement.strip():
                    conn.execute(text(statement))
            for sku in SKUS:
                conn.execute(
                    text("INSERT INTO raw_stock VALUES ('S001', :sku, 6, 0)"), {"sku": sku}
                )
        engine.dispose()

    def rate(self, clients: int, seconds: float) -> float:
        """Transactions per second with `clients` connections for `seconds` (whole seconds)."""
        result = subprocess.run(
            [
                pgbench_path(),
                "-n",
                "-c",
                str(clients),
                "-j",
                str(min(clients, 2)),
                "-T",
                str(max(1, round(seconds))),
                "-f",
                str(SQL_SCRIPT),
                self.url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        match = re.search(r"tps = ([0-9.]+)", result.stdout)
        if not match:
            raise RuntimeError(f"pgbench said:\n{result.stdout}\n{result.stderr}")
        return float(match.group(1))

    def drop(self) -> None:
        admin = make_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()

"""`omniorder db backup` of a store that is taking orders, restored elsewhere: every order the
store had acknowledged is in the copy, each with its journal entry (docs/operations.md,
*Backups*). And what `db backup` / `db restore` refuse."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from pathlib import Path

import httpx
from typer.testing import CliRunner

from omniorder.adapters import migrate
from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.orm import JournalEntryRow, OrderRow
from omniorder.entrypoints import cli
from tests.builders import NOW, SOON
from tests.conftest import PostgresDatabases, require_backend
from tests.e2e.shop import deposit
from tests.servers import running_servers, sign_in

runner = CliRunner()


def lamp_order() -> dict[str, object]:
    return {
        "customer_account": "C0001",
        "lines": [
            {
                "sku": "LAMP-FLOOR",
                "quantity": 1,
                "fulfilment": "pickup",
                "requested_date": str(SOON),
                "pickup_store": "S002",
            }
        ],
        "payments": [{"tender": "cash", "amount": deposit("S002", 1)}],
    }


class Cashier:
    """Takes orders at the store one after another until told to stop, keeping the id of
    every order the store acknowledged (answered 201)."""

    def __init__(self, store_url: str, headers: dict[str, str]) -> None:
        self.client = httpx.Client(base_url=store_url, headers=headers, timeout=60)
        self.acknowledged: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def run(self) -> None:
        with self.client:
            while not self.stop.is_set():
                answer = self.client.post("/api/v1/customer-orders", json=lamp_order())
                assert answer.status_code == 201, answer.text
                with self.lock:
                    self.acknowledged.append(answer.json()["id"])

    def so_far(self) -> list[str]:
        with self.lock:
            return list(self.acknowledged)


def orders_and_entries(url: str) -> tuple[set[str], set[str]]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            orders = {str(row.id) for row in session.query(OrderRow)}
            entries = {str(row.order_id) for row in session.query(JournalEntryRow)}
    finally:
        engine.dispose()
    return orders, entries


def test_a_backup_taken_while_the_store_sells_holds_every_acknowledged_order(
    backend: str, pg_databases: PostgresDatabases | None, tmp_path: Path
) -> None:
    # given: HQ (SQLite or PostgreSQL) and the async store S002 on SQLite, taking orders
    require_backend(backend, pg_databases)
    hq_url = pg_databases.create() if backend == "postgresql" and pg_databases else None
    store_db = tmp_path / "store-S002.db"
    with running_servers(
        tmp_path, stores=("S002",), async_stores=("S002",), hq_database_url=hq_url
    ) as servers:
        cashier = Cashier(
            servers.store_url("S002"), sign_in(servers.store_url("S002"), "2001", "cashier2")
        )
        selling = threading.Thread(target=cashier.run)
        selling.start()
        try:
            while len(cashier.so_far()) < 5:
                threading.Event().wait(0.05)
            before_backup = cashier.so_far()

            # when: an operator backs the store up while it keeps selling
            backup = tmp_path / "backup" / "store-S002.db"
            backup.parent.mkdir()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "omniorder",
                    "db",
                    "backup",
                    "--role",
                    "store",
                    "--database-url",
                    f"sqlite:///{store_db}",
                    "--to",
                    str(backup),
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            cashier.stop.set()
            selling.join(timeout=120)
        assert done.returncode == 0, done.stderr
        every_acknowledged = cashier.so_far()

    # and restores it on another machine (another folder)
    elsewhere = tmp_path / "elsewhere" / "store-S002.db"
    restored = runner.invoke(
        cli.app,
        [
            "db",
            "restore",
            str(backup),
            "--role",
            "store",
            "--database-url",
            f"sqlite:///{elsewhere}",
        ],
    )
    assert restored.exit_code == 0, restored.output

    # then: every order acknowledged before the backup began is there, and every order in
    # the copy is one the store acknowledged, with its journal entry (one consistent moment)
    orders, entries = orders_and_entries(f"sqlite:///{elsewhere}")
    assert set(before_backup) <= orders
    assert orders <= set(every_acknowledged)
    assert orders == entries
    # and the copy is at the newest migration: a server can start on it as it is
    migrate.upgrade("store", f"sqlite:///{elsewhere}")
    assert orders_and_entries(f"sqlite:///{elsewhere}")[0] == orders


def _seeded_store(path: Path) -> str:
    url = f"sqlite:///{path}"
    migrate.upgrade("store", url)
    return url


def test_restore_refuses_a_database_a_server_has_open(tmp_path: Path) -> None:
    # given: a backup, and the live database open in "a server" (a connection of its pool)
    live_url = _seeded_store(tmp_path / "live.db")
    backup = tmp_path / "backup.db"
    assert (
        runner.invoke(
            cli.app,
            ["db", "backup", "--role", "store", "--database-url", live_url, "--to", str(backup)],
        ).exit_code
        == 0
    )
    engine = make_engine(live_url)
    with make_session_factory(engine)() as session:
        session.add(
            JournalEntryRow(
                seq=1,
                id=uuid.uuid4(),
                order_id=uuid.uuid4(),
                kind="create",
                document={},
                created_at=NOW,
            )
        )
        session.commit()
        try:
            # when
            refused = runner.invoke(
                cli.app,
                ["db", "restore", str(backup), "--role", "store", "--database-url", live_url],
            )
            # then: refused in one line, and the live database still holds its entry
            assert refused.exit_code == 2
            assert "open in a running server" in refused.output
            assert session.query(JournalEntryRow).count() == 1
        finally:
            session.close()
    engine.dispose()


def test_restore_refuses_a_file_of_the_other_role_or_no_database(tmp_path: Path) -> None:
    hq_url = f"sqlite:///{tmp_path / 'hq.db'}"
    migrate.upgrade("hq", hq_url)
    hq_backup = tmp_path / "hq-backup.db"
    assert (
        runner.invoke(
            cli.app, ["db", "backup", "--database-url", hq_url, "--to", str(hq_backup)]
        ).exit_code
        == 0
    )
    target = tmp_path / "store.db"

    wrong_role = runner.invoke(
        cli.app,
        [
            "db",
            "restore",
            str(hq_backup),
            "--role",
            "store",
            "--database-url",
            f"sqlite:///{target}",
        ],
    )
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("hello\n" * 200)
    garbage = runner.invoke(
        cli.app,
        [
            "db",
            "restore",
            str(not_a_database),
            "--role",
            "store",
            "--database-url",
            f"sqlite:///{target}",
        ],
    )

    assert wrong_role.exit_code == 2
    assert "is a hq database, not a store one" in wrong_role.output
    assert garbage.exit_code == 2
    assert "is not an Omniorder database" in garbage.output
    assert not target.exists()


def test_backup_refuses_postgresql_and_an_existing_file(tmp_path: Path) -> None:
    postgres = runner.invoke(
        cli.app,
        ["db", "backup", "--database-url", "postgresql://u@db/hq", "--to", str(tmp_path / "x")],
    )
    assert postgres.exit_code == 2
    assert "pg_dump" in postgres.output
    assert not (tmp_path / "x").exists()

    url = _seeded_store(tmp_path / "store.db")
    existing = tmp_path / "taken.db"
    existing.write_bytes(b"keep me")
    refused = runner.invoke(
        cli.app, ["db", "backup", "--role", "store", "--database-url", url, "--to", str(existing)]
    )
    assert refused.exit_code == 2
    assert "exists" in refused.output
    assert existing.read_bytes() == b"keep me"

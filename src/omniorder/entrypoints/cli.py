"""The `omniorder` command: demo, servers, migrations, demo data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from omniorder.adapters import migrate
from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.config import Settings

app = typer.Typer(help="Omniorder: customer orders for retailers.", no_args_is_help=True)
hq_app = typer.Typer(help="The HQ service.", no_args_is_help=True)
store_app = typer.Typer(help="A store server.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
seed_app = typer.Typer(help="Sample data.", no_args_is_help=True)
app.add_typer(hq_app, name="hq")
app.add_typer(store_app, name="store")
app.add_typer(db_app, name="db")
app.add_typer(seed_app, name="seed")

console = Console()
err = Console(stderr=True)

DataDir = Annotated[Path, typer.Option(help="Folder for SQLite files", envvar="OMNIORDER_DATA_DIR")]
DbUrl = Annotated[
    str | None, typer.Option(help="Database URL (default: SQLite in the data folder)")
]
Host = Annotated[str, typer.Option(help="Address to listen on")]


def fail(message: str) -> typer.Exit:
    """Bad input on the command line: one line on stderr, exit code 2."""
    err.print(f"omniorder: {message}", highlight=False)
    return typer.Exit(code=2)


def _settings(data_dir: Path, database_url: str | None) -> Settings:
    settings = Settings(data_dir=data_dir)
    if database_url:
        settings.database_url = database_url
    return settings


@db_app.command("upgrade")
def db_upgrade(
    role: Annotated[str, typer.Option(help="hq or store")] = "hq",
    store: Annotated[str | None, typer.Option(help="Store code (role store)")] = None,
    data_dir: DataDir = Path("data"),
    database_url: DbUrl = None,
) -> None:
    """Migrate the HQ database or a store's channel database to the newest schema."""
    if role not in migrate.ROLES:
        raise fail(f"--role must be hq or store, not {role!r}")
    if role == "store" and not store and not database_url:
        raise fail("--store is needed for a store database")
    settings = _settings(data_dir, database_url)
    url = settings.hq_database_url() if role == "hq" else settings.store_database_url(store or "")
    migrate.upgrade(role, url)
    console.print(f"{role} database is up to date")


@seed_app.command("demo")
def seed_demo(data_dir: DataDir = Path("data"), database_url: DbUrl = None) -> None:
    """Write the demo data into the HQ database (overwrites demo records)."""
    from omniorder.adapters.demo_data import seed
    from omniorder.service_layer.auth import hash_password

    settings = _settings(data_dir, database_url)
    engine = make_engine(settings.hq_database_url())
    with make_session_factory(engine)() as session:
        count = seed(session, hash_password)
    engine.dispose()
    console.print(f"demo data written ({count} records)")


@hq_app.command("serve")
def hq_serve(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    data_dir: DataDir = Path("data"),
    database_url: DbUrl = None,
) -> None:
    """Run the HQ service."""
    from omniorder.entrypoints.hq.app import create_hq_app

    settings = _settings(data_dir, database_url)
    uvicorn.run(create_hq_app(settings), host=host, port=port, log_level="info")


@hq_app.command("issue-store-token")
def hq_issue_store_token(
    store: Annotated[str, typer.Option(help="Store code")],
    data_dir: DataDir = Path("data"),
    database_url: DbUrl = None,
) -> None:
    """Issue a new HQ token for a store server and print it (the old one stops working)."""
    token = _issue_token(_settings(data_dir, database_url), store)
    if token is None:
        raise fail(f"no store {store} at HQ")
    console.print(token)


def _issue_token(settings: Settings, store: str) -> str | None:
    import secrets

    from omniorder.service_layer.auth import token_hash
    from omniorder.service_layer.unit_of_work import UnitOfWork

    engine = make_engine(settings.hq_database_url())
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            row = uow.records.store(store)
            if row is None:
                return None
            token = secrets.token_urlsafe(32)
            row.token_hash = token_hash(token)
            uow.commit()
            return token
    finally:
        engine.dispose()


@store_app.command("serve")
def store_serve(
    store: Annotated[str, typer.Option(help="Store code, e.g. S001")],
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8001,
    hq_url: Annotated[str, typer.Option(help="HQ base URL", envvar="OMNIORDER_HQ_URL")] = (
        "http://127.0.0.1:8000"
    ),
    data_dir: DataDir = Path("data"),
    database_url: DbUrl = None,
) -> None:
    """Run a store server (its HQ token comes from OMNIORDER_STORE_TOKEN)."""
    from omniorder.entrypoints.store.app import create_store_app

    settings = _settings(data_dir, database_url)
    settings.hq_url = hq_url
    if not settings.store_token:
        raise fail("set OMNIORDER_STORE_TOKEN (from `omniorder hq issue-store-token`)")
    uvicorn.run(create_store_app(settings, store_code=store), host=host, port=port)


@app.command("demo")
def demo(
    data_dir: DataDir = Path("data"),
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HQ port; stores use the next two")] = 8000,
) -> None:
    """Run HQ and two stores (S001 Downtown, S002 Airport) on SQLite with demo data."""
    from omniorder.adapters.demo_data import DEMO_STAFF

    settings = _settings(data_dir, None)
    migrate.upgrade("hq", settings.hq_database_url())
    if not _has_parameters(settings):
        seed_demo(data_dir=data_dir, database_url=None)
    stores = [("S001", "Downtown", port + 1), ("S002", "Airport", port + 2)]
    for code, _name, _port in stores:
        migrate.upgrade("store", settings.store_database_url(code))
    python = [sys.executable, "-m", "omniorder"]
    base_env = {**os.environ, "OMNIORDER_DATA_DIR": str(data_dir)}
    children = [
        subprocess.Popen(
            [*python, "hq", "serve", "--host", host, "--port", str(port)], env=base_env
        )
    ]
    try:
        _wait_healthy(f"http://{host}:{port}/health", children[0])
        for code, _name, store_port in stores:
            token = _issue_token(settings, code)
            env = {**base_env, "OMNIORDER_STORE_TOKEN": token or ""}
            children.append(
                subprocess.Popen(
                    [
                        *python,
                        "store",
                        "serve",
                        "--store",
                        code,
                        "--host",
                        host,
                        "--port",
                        str(store_port),
                        "--hq-url",
                        f"http://{host}:{port}",
                    ],
                    env=env,
                )
            )
        for (_code, _name, store_port), child in zip(stores, children[1:], strict=True):
            _wait_healthy(f"http://{host}:{store_port}/health", child)
        table = Table(title="Omniorder demo is running (Ctrl-C stops it)")
        table.add_column("server")
        table.add_column("URL")
        table.add_column("sign in (operator / password)")
        table.add_row("HQ", f"http://{host}:{port}/docs", "admin / hqadmin1")
        for code, name, store_port in stores:
            people = ", ".join(
                f"{op} / {pw} ({role})" for op, pw, _n, role, s in DEMO_STAFF if s == code
            )
            table.add_row(f"{code} {name}", f"http://{host}:{store_port}/docs", people)
        console.print(table)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        raise fail("a server stopped unexpectedly; see its log above")
    except KeyboardInterrupt:
        console.print("stopping…")
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def _has_parameters(settings: Settings) -> bool:
    from omniorder.service_layer.unit_of_work import UnitOfWork

    engine = make_engine(settings.hq_database_url())
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            return uow.records.parameters() is not None
    finally:
        engine.dispose()


def _wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise fail(f"server for {url} exited with code {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise fail(f"{url} did not become healthy in {seconds:.0f} s")

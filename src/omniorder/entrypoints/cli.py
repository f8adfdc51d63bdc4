"""The `omniorder` command: demo, servers, migrations, demo data."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import httpx
import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from omniorder.adapters import migrate
from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.store_gateway import HttpStoreGateway, job_token_for
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.config import Settings
from omniorder.service_layer.unit_of_work import UnitOfWork

app = typer.Typer(help="Omniorder: customer orders for retailers.", no_args_is_help=True)
hq_app = typer.Typer(help="The HQ service.", no_args_is_help=True)
store_app = typer.Typer(help="A store server.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations and backups.", no_args_is_help=True)
seed_app = typer.Typer(help="Sample data.", no_args_is_help=True)
jobs_app = typer.Typer(help="Async mode: the P-job and Synchronize orders.", no_args_is_help=True)
app.add_typer(hq_app, name="hq")
app.add_typer(store_app, name="store")
app.add_typer(db_app, name="db")
app.add_typer(seed_app, name="seed")
app.add_typer(jobs_app, name="jobs")

console = Console()
err = Console(stderr=True)

DataDir = Annotated[Path, typer.Option(help="Folder for SQLite files", envvar="OMNIORDER_DATA_DIR")]
DbUrl = Annotated[
    str | None, typer.Option(help="Database URL (default: SQLite in the data folder)")
]
Host = Annotated[str, typer.Option(help="Address to listen on")]


def fail(message: str) -> typer.Exit:
    """Bad input on the command line: one line on stderr, exit code 2."""
    err.print(f"omniorder: {message}", highlight=False, soft_wrap=True)  # one line, unwrapped
    return typer.Exit(code=2)


def _log_to_console() -> None:
    """Every log line as JSON on stderr, with the request id (docs/operations.md, *Logs*).
    Uvicorn is then run with `log_config=None`, so that it keeps this configuration."""
    from omniorder.entrypoints.observability import configure_logging

    configure_logging()


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


def _role_url(role: str, store: str | None, data_dir: Path, database_url: str | None) -> str:
    if role not in migrate.ROLES:
        raise fail(f"--role must be hq or store, not {role!r}")
    if role == "store" and not store and not database_url:
        raise fail("--store is needed for a store database")
    settings = _settings(data_dir, database_url)
    return settings.hq_database_url() if role == "hq" else settings.store_database_url(store or "")


@db_app.command("backup")
def db_backup(
    to: Annotated[Path, typer.Option("--to", help="The backup file to write")],
    role: Annotated[str, typer.Option(help="hq or store")] = "hq",
    store: Annotated[str | None, typer.Option(help="Store code (role store)")] = None,
    data_dir: DataDir = Path("data"),
    database_url: DbUrl = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file")] = False,
) -> None:
    """Back up an SQLite database while its server runs (one consistent snapshot). For
    PostgreSQL use pg_dump (docs/operations.md, Backups)."""
    from omniorder.adapters.backup import BackupRefused, backup

    url = _role_url(role, store, data_dir, database_url)
    try:
        checked = backup(url, to, overwrite=force)
    except BackupRefused as error:
        raise fail(str(error)) from None
    console.print(f"{checked.role} database backed up to {to} (migration {checked.revision})")


@db_app.command("restore")
def db_restore(
    source: Annotated[Path, typer.Argument(help="A file written by `omniorder db backup`")],
    role: Annotated[str, typer.Option(help="hq or store")] = "hq",
    store: Annotated[str | None, typer.Option(help="Store code (role store)")] = None,
    data_dir: DataDir = Path("data"),
    database_url: DbUrl = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace it even while a server has it open")
    ] = False,
) -> None:
    """Replace an SQLite database with a backup of the same role (stop its server first).
    For PostgreSQL use pg_restore (docs/operations.md, Backups)."""
    from omniorder.adapters.backup import BackupRefused, restore

    url = _role_url(role, store, data_dir, database_url)
    try:
        checked = restore(source, url, role=role, force=force)
    except BackupRefused as error:
        raise fail(str(error)) from None
    console.print(f"{role} database restored from {source} (migration {checked.revision})")
    if not checked.is_newest:
        console.print(f"run `omniorder db upgrade --role {role}` before starting the server")


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


DemoFlag = Annotated[
    bool, typer.Option("--demo", help="Allow the demo staff's known passwords (demo only)")
]
ADMIN_PASSWORD_LENGTH = 12


def _refuse_demo_passwords(database_url: str, *, demo: bool, how: str) -> None:
    """A real server does not start while staff still have the demo passwords."""
    from sqlalchemy.exc import DBAPIError

    from omniorder.adapters.demo_data import DEMO_STAFF
    from omniorder.service_layer.auth import staff_with_known_passwords

    if demo:
        return
    engine = make_engine(database_url)
    try:
        known = [(operator_id, password) for operator_id, password, *_ in DEMO_STAFF]
        found = staff_with_known_passwords(
            SqlAlchemyUnitOfWork(make_session_factory(engine)), known
        )
    except DBAPIError:
        found = []  # no tables yet: no staff either
    finally:
        engine.dispose()
    if found:
        raise fail(
            f"staff {', '.join(found)} still have demo passwords: {how} "
            "(or pass --demo to run the demo anyway)"
        )


@hq_app.command("create-admin")
def hq_create_admin(
    operator_id: Annotated[str, typer.Option(help="The administrator's operator id")],
    name: Annotated[str, typer.Option(help="The administrator's name")],
    data_dir: DataDir = Path("data"),
    database_url: DbUrl = None,
) -> None:
    """Create an HQ administrator (or set a new password for one): the way to start a real
    HQ. The password comes from OMNIORDER_ADMIN_PASSWORD or is asked for twice."""
    from omniorder.adapters.demo_data import DEMO_STAFF
    from omniorder.domain.errors import OmniorderError
    from omniorder.service_layer.master_data import put_record

    password = os.environ.get("OMNIORDER_ADMIN_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    if len(password) < ADMIN_PASSWORD_LENGTH:
        raise fail(f"the password needs at least {ADMIN_PASSWORD_LENGTH} characters")
    if password in {known for _op, known, *_ in DEMO_STAFF}:
        raise fail("that is a demo password; choose another")
    settings = _settings(data_dir, database_url)
    url = settings.hq_database_url()
    migrate.upgrade("hq", url)
    engine = make_engine(url)
    try:
        put_record(
            SqlAlchemyUnitOfWork(make_session_factory(engine)),
            "staff",
            {"operator_id": operator_id},
            {"name": name, "role": "hq_admin", "store_code": None, "password": password},
        )
    except OmniorderError as error:
        raise fail(error.message) from None
    finally:
        engine.dispose()
    console.print(f"HQ administrator {operator_id} saved; sign in at the back office")


@hq_app.command("serve")
def hq_serve(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    data_dir: DataDir = Path("data"),
    database_url: DbUrl = None,
    job_interval: Annotated[
        float | None,
        typer.Option(
            help="Also run the jobs in this process every N seconds (0: off; single process"
            " only, else run `omniorder jobs worker`)",
            envvar="OMNIORDER_JOB_INTERVAL_SECONDS",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes serving HTTP (more than 1 needs PostgreSQL)",
            envvar="OMNIORDER_HQ_WORKERS",
        ),
    ] = 1,
    demo: DemoFlag = False,
) -> None:
    """Run the HQ service (and, with --job-interval, the scheduled jobs in this process)."""
    from omniorder.entrypoints.hq.app import create_hq_app

    settings = _settings(data_dir, database_url)
    if job_interval is not None:
        settings.job_interval_seconds = job_interval
    if workers < 1:
        raise fail("--workers must be 1 or more")
    if workers > 1 and settings.hq_database_url().startswith("sqlite"):
        raise fail("several HQ worker processes need PostgreSQL; on SQLite run one (--workers 1)")
    if workers > 1 and settings.job_interval_seconds > 0:
        raise fail(
            "--job-interval runs the jobs inside a single HQ process; with --workers,"
            " run them in `omniorder jobs worker` processes"
        )
    _refuse_demo_passwords(
        settings.hq_database_url(),
        demo=demo,
        how="set new ones in the back office (Staff) or with `omniorder hq create-admin`",
    )
    _log_to_console()
    if workers == 1:
        uvicorn.run(
            create_hq_app(settings), host=host, port=port, log_config=None, access_log=False
        )
        return
    # Each worker process builds its own app from the environment, set here.
    os.environ["OMNIORDER_DATABASE_URL"] = settings.hq_database_url()
    os.environ["OMNIORDER_DATA_DIR"] = str(data_dir)
    os.environ["OMNIORDER_JOB_INTERVAL_SECONDS"] = "0"
    # Card tokens made by one worker must match in another: one key for all of them.
    card_token_secret = settings.card_token_secret or secrets.token_urlsafe(32)
    os.environ["OMNIORDER_CARD_TOKEN_SECRET"] = card_token_secret
    uvicorn.run(
        "omniorder.entrypoints.hq.app:create_hq_app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
    )


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


@hq_app.command("job-token")
def hq_job_token(store: Annotated[str, typer.Option(help="Store code")]) -> None:
    """Print a store's job token (HMAC of OMNIORDER_JOB_SECRET and the store code), for the
    store server's OMNIORDER_JOB_TOKEN: HQ's jobs present it to that store only."""
    secret = Settings().job_secret
    if not secret:
        raise fail("set OMNIORDER_JOB_SECRET (HQ's job secret) first")
    console.print(job_token_for(secret, store))


def _demo_secret(data_dir: Path, name: str) -> str:
    """A random secret kept in the data directory (created once, readable by its owner)."""
    path = data_dir / name
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def _issue_token(settings: Settings, store: str) -> str | None:
    from omniorder.domain.errors import NotFound
    from omniorder.service_layer.master_data import issue_store_token

    engine = make_engine(settings.hq_database_url())
    try:
        return issue_store_token(SqlAlchemyUnitOfWork(make_session_factory(engine)), store)
    except NotFound:
        return None
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
    demo: DemoFlag = False,
) -> None:
    """Run a store server (its HQ token comes from OMNIORDER_STORE_TOKEN)."""
    from omniorder.entrypoints.store.app import create_store_app

    settings = _settings(data_dir, database_url)
    settings.hq_url = hq_url
    if not settings.store_token:
        raise fail("set OMNIORDER_STORE_TOKEN (from `omniorder hq issue-store-token`)")
    _refuse_demo_passwords(
        settings.store_database_url(store),
        demo=demo,
        how="set new ones at HQ (Staff) and download channel data again",
    )
    _log_to_console()
    uvicorn.run(
        create_store_app(settings, store_code=store),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
    )


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
    _set_store_urls(settings, {code: f"http://{host}:{p}" for code, _n, p in stores})
    python = [sys.executable, "-m", "omniorder"]
    base_env = {
        **os.environ,
        "OMNIORDER_DATA_DIR": str(data_dir),
        "OMNIORDER_JOB_SECRET": secrets.token_urlsafe(32),
        "OMNIORDER_CARD_TOKEN_SECRET": _demo_secret(data_dir, "card-token-secret"),
        # The demo shows each server's interactive API page at /docs (off in production).
        "OMNIORDER_API_DOCS": "true",
    }
    children = [
        subprocess.Popen(
            [
                *python,
                "hq",
                "serve",
                "--host",
                host,
                "--port",
                str(port),
                "--job-interval",
                "10",
                "--demo",
            ],
            env=base_env,
        )
    ]
    try:
        _wait_healthy(f"http://{host}:{port}/health", children[0])
        for code, _name, store_port in stores:
            token = _issue_token(settings, code)
            env = {
                **{k: v for k, v in base_env.items() if k != "OMNIORDER_JOB_SECRET"},
                "OMNIORDER_STORE_TOKEN": token or "",
                "OMNIORDER_JOB_TOKEN": job_token_for(base_env["OMNIORDER_JOB_SECRET"], code),
            }
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
                        "--demo",
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
        table.add_row("HQ back office", f"http://{host}:{port}/", "admin / hqadmin1")
        for code, name, store_port in stores:
            people = ", ".join(
                f"{op} / {pw} ({role})" for op, pw, _n, role, s in DEMO_STAFF if s == code
            )
            mode = "async" if code == "S002" else "sync"
            table.add_row(f"{code} {name} POS ({mode})", f"http://{host}:{store_port}/", people)
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


def _set_store_urls(settings: Settings, urls: dict[str, str]) -> None:
    from omniorder.service_layer.master_data import set_store_server_urls

    engine = make_engine(settings.hq_database_url())
    try:
        set_store_server_urls(SqlAlchemyUnitOfWork(make_session_factory(engine)), urls)
    finally:
        engine.dispose()


def _has_parameters(settings: Settings) -> bool:

    engine = make_engine(settings.hq_database_url())
    try:
        with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
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


def _job_context(
    data_dir: Path, database_url: str | None
) -> tuple[Callable[[], UnitOfWork], HttpStoreGateway]:
    settings = _settings(data_dir, database_url)
    factory = make_session_factory(make_engine(settings.hq_database_url()))
    return (lambda: SqlAlchemyUnitOfWork(factory)), HttpStoreGateway(job_secret=settings.job_secret)


def _print_result(title: str, result: dict[str, object]) -> None:
    table = Table(title=title)
    for key in result:
        table.add_column(key)
    table.add_row(
        *(", ".join(map(str, v)) if isinstance(v, list) else str(v) for v in result.values())
    )
    console.print(table)


@jobs_app.command("pull")
def jobs_pull(
    store: Annotated[str | None, typer.Option(help="Only this store")] = None,
    data_dir: DataDir = Path("data"),
    database_url: DbUrl = None,
) -> None:
    """The P-job: pull new journal entries from async stores into HQ staging, then send the
    stores their acknowledgements."""
    from datetime import UTC, datetime

    from rich.progress import Progress

    from omniorder.domain.errors import OmniorderError
    from omniorder.service_layer import synchronization

    new_uow, gateway = _job_context(data_dir, database_url)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("pulling journal entries", total=None)
        try:
            result = synchronization.pull(
                new_uow,
                gateway,
                now=datetime.now(UTC),
                store_code=store,
                progress=lambda n: progress.advance(task, n),
            )
            acked = synchronization.acknowledge(new_uow, gateway, store_code=store)
        except OmniorderError as error:
            raise fail(error.message) from None
    result.acknowledged = acked.acknowledged
    result.unreachable = sorted(set(result.unreachable + acked.unreachable))
    _print_result("P-job", result.as_dict())


@jobs_app.command("synchronize-orders")
def jobs_synchronize(data_dir: DataDir = Path("data"), database_url: DbUrl = None) -> None:
    """Synchronize orders: create sales orders from pending staged store transactions."""
    from datetime import UTC, datetime

    from rich.progress import Progress

    from omniorder.service_layer import synchronization

    new_uow, _gateway = _job_context(data_dir, database_url)
    with new_uow() as uow:
        pending = uow.staging.counts().get("pending", 0)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("synchronizing orders", total=pending or None)
        result = synchronization.synchronize(
            new_uow,
            now=datetime.now(UTC),
            progress=lambda n: progress.advance(task, n),
        )
    _print_result("Synchronize orders", result.as_dict())


@jobs_app.command("worker")
def jobs_worker(
    interval: Annotated[
        float, typer.Option(help="Seconds between the end of one cycle and the next")
    ] = 10.0,
    data_dir: DataDir = Path("data"),
    database_url: DbUrl = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Also log each store's pull and its lock times")
    ] = False,
) -> None:
    """Run pull → synchronize orders → acknowledge → send mail every --interval seconds
    until stopped (SIGTERM or Ctrl-C). Any number may run on PostgreSQL; on SQLite one runs
    the jobs and any other waits its turn (docs/sync.md, *Job workers*)."""
    import logging
    import threading
    from datetime import UTC, datetime

    from omniorder.adapters.job_locks import DatabaseJobLocks
    from omniorder.adapters.mail import SmtpMailer
    from omniorder.service_layer import job_worker

    if interval <= 0:
        raise fail("--interval must be more than 0 seconds")
    settings = _settings(data_dir, database_url)
    _log_to_console()
    if verbose:
        logging.getLogger("omniorder").setLevel(logging.DEBUG)
    engine = make_engine(settings.hq_database_url())
    factory = make_session_factory(engine)
    gateway = HttpStoreGateway(job_secret=settings.job_secret)
    mailer = (
        SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_from)
        if settings.smtp_host
        else None
    )
    locks = DatabaseJobLocks(engine)
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    worker_log = logging.getLogger("omniorder.jobs")
    worker_log.info("job worker started (pid %d, every %s s)", os.getpid(), interval)
    try:
        job_worker.run_every(
            interval,
            stop,
            lambda: job_worker.run_cycle(
                lambda: SqlAlchemyUnitOfWork(factory),
                gateway,
                locks,
                clock=lambda: datetime.now(UTC),
                mailer=mailer,
            ),
        )
    finally:
        engine.dispose()
    worker_log.info("job worker stopped")


@jobs_app.command("retry")
def jobs_retry(
    transaction: Annotated[int | None, typer.Option("--id", help="One store transaction")] = None,
    all_failed: Annotated[bool, typer.Option("--all", help="Every failed transaction")] = False,
    data_dir: DataDir = Path("data"),
    database_url: DbUrl = None,
) -> None:
    """Put failed store transactions back in the queue after fixing their data."""
    from omniorder.domain.errors import OmniorderError
    from omniorder.service_layer import synchronization

    if (transaction is None) == (not all_failed):
        raise fail("give either --id N or --all")
    new_uow, _gateway = _job_context(data_dir, database_url)
    try:
        count = synchronization.retry(new_uow(), transaction_id=transaction)
    except OmniorderError as error:
        raise fail(error.message) from None
    console.print(f"{count} transaction(s) queued again")


@jobs_app.command("send-mail")
def jobs_send_mail(data_dir: DataDir = Path("data"), database_url: DbUrl = None) -> None:
    """Send queued e-mail (pickup-ready notices) through OMNIORDER_SMTP_HOST."""
    from datetime import UTC, datetime

    from omniorder.adapters.mail import SmtpMailer
    from omniorder.service_layer.notifications import send_outbox

    settings = _settings(data_dir, database_url)
    if not settings.smtp_host:
        raise fail("set OMNIORDER_SMTP_HOST (and OMNIORDER_SMTP_PORT) to send e-mail")
    new_uow, _gateway = _job_context(data_dir, database_url)
    mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_from)
    result = send_outbox(new_uow, mailer, now=datetime.now(UTC))
    _print_result("Outbox", {"sent": result.sent, "failed": result.failed})

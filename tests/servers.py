"""Real servers for end-to-end and browser tests: `omniorder hq serve` and `store serve`
processes on loopback ports, on SQLite files (default) or given database URLs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from omniorder.adapters import migrate
from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.demo_data import DEMO_STAFF, seed
from omniorder.adapters.store_gateway import job_token_for
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.service_layer.auth import token_hash
from tests.builders import FAST_HASHER

# HQ's job secret in tests; each store gets its own token, job_token_for(JOB_SECRET, code).
JOB_SECRET = "test-job-secret"
# What Prometheus would send to scrape /metrics (docs/security.md, *Metrics*).
METRICS_TOKEN = "test-metrics-token"
# The card numbers tests pay with (adapters/payments.py), never to be logged.
CARD_NUMBERS = ("4242424242424242", "4000000000000002")
# Every bearer token `sign_in` got, so that the servers' logs can be searched for them.
ISSUED_TOKENS: set[str] = set()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Process:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    url: str
    popen: subprocess.Popen[bytes] | None = None
    # Called with the new URL when the process had to move to another port.
    on_moved: Callable[[str], None] | None = None
    instance: str = ""

    def start(self) -> None:
        """Start and wait until *this* process answers /health. A port picked by
        `free_port()` can be taken by another test's server before ours binds it; the
        instance id in /health tells the two apart, and we move to another port."""
        for _ in range(5):
            self.instance = uuid.uuid4().hex
            env = {**self.env, "OMNIORDER_INSTANCE_ID": self.instance}
            with self.log.open("ab") as out:
                self.popen = subprocess.Popen(
                    self.args, env=env, stdout=out, stderr=subprocess.STDOUT
                )
            if wait_healthy(self):
                return
            self.kill()
            self._move(free_port())
        raise RuntimeError(
            f"{self.name}: no free port after 5 tries:\n{self.log.read_text()[-3000:]}"
        )

    def _move(self, port: int) -> None:
        self.args[self.args.index("--port") + 1] = str(port)
        self.url = f"http://127.0.0.1:{port}"
        if self.on_moved:
            self.on_moved(self.url)

    def kill(self) -> None:
        """SIGKILL: no goodbye, like a crash or a pulled plug."""
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_healthy(process: Process, seconds: float = 180) -> bool:
    """True once this very process answers /health; False when its port turned out to be
    another server's (that one answered, or ours could not bind). `seconds` is a guard
    against a hang: a server takes minutes to start on a busy shared machine."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.popen is not None
        if process.popen.poll() is not None:
            log = process.log.read_text()[-3000:]
            if "address already in use" in log.lower():
                return False
            raise RuntimeError(f"{process.name} exited:\n{log}")
        try:
            answer = httpx.get(f"{process.url}/health", timeout=1)
            if answer.status_code == 200:
                return bool(answer.json().get("instance") == process.instance)
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"{process.name} not healthy in {seconds} s:\n{process.log.read_text()[-3000:]}"
    )


@dataclass
class Servers:
    hq: Process
    stores: dict[str, Process] = field(default_factory=dict)

    @property
    def hq_url(self) -> str:
        return self.hq.url

    def store_url(self, code: str = "S001") -> str:
        return self.stores[code].url

    def all(self) -> list[Process]:
        return [self.hq, *self.stores.values()]


@contextmanager
def running_servers(
    tmp_path: Path,
    *,
    stores: tuple[str, ...] = ("S001",),
    hq_database_url: str | None = None,
    store_database_urls: dict[str, str] | None = None,
    hq_timeout_seconds: float = 5,
    async_stores: tuple[str, ...] = (),
    job_secret: str = JOB_SECRET,
    hq_workers: int = 1,
) -> Iterator[Servers]:
    """HQ (migrated, seeded with the demo data) and the given stores, each its own process."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    hq_url_db = hq_database_url or f"sqlite:///{tmp_path / 'hq.db'}"
    migrate.upgrade("hq", hq_url_db)
    ports = {code: free_port() for code in stores}
    tokens = _seed(
        hq_url_db,
        stores,
        urls={code: f"http://127.0.0.1:{port}" for code, port in ports.items()},
        async_stores=async_stores,
    )
    python = [sys.executable, "-m", "omniorder"]
    base_env = {
        **os.environ,
        "OMNIORDER_DATA_DIR": str(tmp_path),
        "OMNIORDER_HQ_TIMEOUT_SECONDS": str(hq_timeout_seconds),
        "OMNIORDER_JOB_SECRET": job_secret,
        "OMNIORDER_METRICS_TOKEN": METRICS_TOKEN,
        # Sessions as long as the sign-in: a session's last-seen time is then written only
        # every 24 minutes, so tests that check reads write nothing see no such write.
        "OMNIORDER_SESSION_IDLE_MINUTES": "720",
    }
    hq_port = free_port()
    hq = Process(
        "hq",
        [
            *python,
            "hq",
            "serve",
            "--port",
            str(hq_port),
            "--database-url",
            hq_url_db,
            "--demo",
            *(["--workers", str(hq_workers)] if hq_workers > 1 else []),
        ],
        base_env,
        tmp_path / "hq.log",
        f"http://127.0.0.1:{hq_port}",
    )
    servers = Servers(hq)
    try:
        hq.start()
        for code in stores:
            db_url = (store_database_urls or {}).get(
                code
            ) or f"sqlite:///{tmp_path / f'store-{code}.db'}"
            migrate.upgrade("store", db_url)
            port = ports[code]
            process = Process(
                code,
                [
                    *python,
                    "store",
                    "serve",
                    "--store",
                    code,
                    "--port",
                    str(port),
                    "--hq-url",
                    hq.url,
                    "--database-url",
                    db_url,
                    "--demo",
                ],
                {
                    **{k: v for k, v in base_env.items() if k != "OMNIORDER_JOB_SECRET"},
                    "OMNIORDER_STORE_TOKEN": tokens[code],
                    # The store's own job token, derived from HQ's secret (docs/sync.md).
                    "OMNIORDER_JOB_TOKEN": job_token_for(job_secret, code),
                },
                tmp_path / f"store-{code}.log",
                f"http://127.0.0.1:{port}",
            )
            process.on_moved = _server_url_setter(hq_url_db, code)
            servers.stores[code] = process
            process.start()
        yield servers
    finally:
        for process in servers.all():
            process.stop()
    # Reached when the test passed: no log line of any server holds a secret it was given
    # or that passed through it (docs/security.md, *Logs*).
    given = [
        *(password for _op, password, *_ in DEMO_STAFF),
        *tokens.values(),
        *(job_token_for(job_secret, code) for code in stores),
        job_secret,
        METRICS_TOKEN,
        *CARD_NUMBERS,
        *ISSUED_TOKENS,
    ]
    leaks = secrets_in_logs([process.log for process in servers.all()], given)
    assert not leaks, f"secrets in the servers' logs: {leaks}"


def secrets_in_logs(logs: list[Path], secrets: list[str]) -> list[str]:
    """Each log line (file:line) that holds one of `secrets`, with the secret masked."""
    found = []
    for log in logs:
        if not log.exists():
            continue
        for number, line in enumerate(log.read_text(errors="replace").splitlines(), 1):
            for secret in secrets:
                if secret and secret in line:
                    found.append(f"{log.name}:{number} holds {secret[:3]}…")
    return found


def _server_url_setter(hq_database_url: str, code: str) -> Callable[[str], None]:
    """Tell HQ where a store moved to (its jobs pull the journal there)."""

    def moved(url: str) -> None:
        engine = make_engine(hq_database_url)
        with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
            row = uow.records.store(code)
            assert row is not None
            row.server_url = url
            uow.commit()
        engine.dispose()

    return moved


def _seed(
    url: str, stores: tuple[str, ...], *, urls: dict[str, str], async_stores: tuple[str, ...]
) -> dict[str, str]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        seed(session, FAST_HASHER.hash)
    tokens = {code: f"test-token-{code}" for code in stores}
    with SqlAlchemyUnitOfWork(factory) as uow:
        for code, token in tokens.items():
            row = uow.records.store(code)
            assert row is not None
            row.token_hash = token_hash(token)
            row.server_url = urls[code]
            row.profile_code = "ASYNC" if code in async_stores else "SYNC"
        uow.commit()
    engine.dispose()
    return tokens


def sign_in(base_url: str, operator_id: str, password: str) -> dict[str, str]:
    response = httpx.post(
        f"{base_url}/api/v1/auth/token",
        json={"operator_id": operator_id, "password": password},
        timeout=10,
    )
    response.raise_for_status()
    token = response.json()["access_token"]
    ISSUED_TOKENS.add(token)
    return {"Authorization": f"Bearer {token}"}


@dataclass
class JobWorker:
    """An `omniorder jobs worker` process (it serves no HTTP: it is up once it logs so)."""

    args: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self, seconds: float = 180) -> None:
        started = self.log.read_text().count("job worker started") if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(self.args, env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + seconds
        while self.log.read_text().count("job worker started") == started:
            if self.popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"job worker did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, mid-run or not: its locks die with its database connections."""
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> int | None:
        """SIGTERM, as systemd stops it: the cycle in progress ends, then the process.
        Returns its exit code."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.popen.returncode


def job_worker(
    tmp_path: Path,
    name: str,
    hq_database_url: str,
    *,
    interval: float = 0.2,
    job_secret: str = JOB_SECRET,
) -> JobWorker:
    """A job worker on HQ's database, logging each store's pull and lock times (--verbose)."""
    return JobWorker(
        [
            sys.executable,
            "-m",
            "omniorder",
            "jobs",
            "worker",
            "--interval",
            str(interval),
            "--database-url",
            hq_database_url,
            "--verbose",
        ],
        {**os.environ, "OMNIORDER_DATA_DIR": str(tmp_path), "OMNIORDER_JOB_SECRET": job_secret},
        tmp_path / f"{name}.log",
    )

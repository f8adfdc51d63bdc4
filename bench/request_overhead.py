"""`python -m bench.request_overhead [--quick]`: the fixed server CPU of one request.

`GET /health` at our HQ server (`omniorder hq serve`, tests/servers.py) against the same
request at a bare FastAPI app with one sync endpoint, run by the same Uvicorn with the same
options (`log_config=None`, `access_log=False`, as `hq serve` runs ours). Each server is its
own process; its utime+stime (`/proc/<pid>/stat`) is read before and after a batch of
requests sent over one keep-alive `httpx.Client`, ÷ the requests. Batches alternate (bare,
ours, bare, ours, …) and the table shows the medians and the ratio ours / bare
(docs/performance.md, *Per-request cost*).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from tests.servers import Process, free_port, running_servers

from bench.suite import cpu_seconds, load_average, median, pid


def bare_app() -> FastAPI:
    """The baseline: FastAPI and one sync endpoint, no middleware, no logging. It answers
    `/health` with the instance id `Process.start()` waits for."""
    app = FastAPI()
    instance = os.environ.get("OMNIORDER_INSTANCE_ID", "")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "instance": instance}

    return app


@dataclass
class Sizes:
    repetitions: int
    requests: int  # per batch
    warm_up: int

    @classmethod
    def of(cls, *, quick: bool, repetitions: int | None = None) -> Sizes:
        sizes = cls(1, 200, 50) if quick else cls(3, 1000, 200)
        sizes.repetitions = repetitions or sizes.repetitions
        return sizes


@dataclass
class Result:
    bare_ms: list[float]
    ours_ms: list[float]

    def table(self) -> str:
        bare, ours = median(self.bare_ms), median(self.ours_ms)
        rows = [
            ("server", "CPU per GET /health (median)", "batches"),
            ("bare FastAPI, 1 sync endpoint", f"{bare:.2f} ms", _listed(self.bare_ms)),
            ("HQ (omniorder hq serve)", f"{ours:.2f} ms", _listed(self.ours_ms)),
            ("ratio HQ / bare", f"{ours / bare:.2f}x", ""),
            ("HQ's own cost", f"{ours - bare:.2f} ms", ""),
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
        lines.insert(1, "-+-".join("-" * w for w in widths))
        return "\n".join(lines)


def _listed(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def cpu_ms_per_request(client: httpx.Client, server_pid: int, requests: int) -> float:
    """Server CPU (ms) per `GET /health` over the client's one keep-alive connection."""
    before = cpu_seconds(server_pid)
    for _ in range(requests):
        client.get("/health").raise_for_status()
    return (cpu_seconds(server_pid) - before) / requests * 1000


def measure(tmp: Path, sizes: Sizes, log: Callable[[str], None]) -> Result:
    """Both servers up at once; batches alternate bare, ours, bare, ours, …"""
    port = free_port()
    bare = Process(
        "bare",
        [sys.executable, "-m", "bench.request_overhead", "--serve-bare", "--port", str(port)],
        dict(os.environ),
        tmp / "bare.log",
        f"http://127.0.0.1:{port}",
    )
    result = Result([], [])
    bare.start()
    try:
        with running_servers(tmp / "hq", stores=()) as servers:
            assert bare.popen is not None
            pids = {"bare": bare.popen.pid, "ours": pid(servers, "hq")}
            urls = {"bare": bare.url, "ours": servers.hq_url}
            clients = {name: httpx.Client(base_url=url, timeout=30) for name, url in urls.items()}
            try:
                for client in clients.values():  # warm up: imports, caches, connection
                    for _ in range(sizes.warm_up):
                        client.get("/health").raise_for_status()
                for rep in range(sizes.repetitions):
                    log(f"repetition {rep + 1}/{sizes.repetitions}")
                    for name, into in (("bare", result.bare_ms), ("ours", result.ours_ms)):
                        into.append(cpu_ms_per_request(clients[name], pids[name], sizes.requests))
            finally:
                for client in clients.values():
                    client.close()
    finally:
        bare.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="Server CPU per request: HQ against bare")
    parser.add_argument("--quick", action="store_true", help="1 repetition of 200 requests")
    parser.add_argument(
        "--repetitions", type=int, help="batches per server (default 3); more on a busy machine"
    )
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        import uvicorn

        uvicorn.run(bare_app(), host="127.0.0.1", port=args.port, log_config=None, access_log=False)
        return
    sizes = Sizes.of(quick=args.quick, repetitions=args.repetitions)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", flush=True)

    load_at_start = load_average()
    with tempfile.TemporaryDirectory(prefix="omniorder-bench-") as tmp_name:
        result = measure(Path(tmp_name), sizes, log)
    print()
    print(result.table())
    print()
    print(f"load average at start: {load_at_start}, at end: {load_average()}")
    print(
        f"{sizes.repetitions} repetition(s) of {sizes.requests} requests per server, after"
        f" {sizes.warm_up} unmeasured; CPU in clock ticks of {1000 // os.sysconf('SC_CLK_TCK')}"
        " ms, utime+stime"
    )


if __name__ == "__main__":
    main()

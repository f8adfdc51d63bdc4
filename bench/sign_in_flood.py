"""Benchmark: how much a flood of wrong sign-ins slows a signed-in manager's reads at a store.

Run by hand (numbers on a shared 2-core machine are noisy; compare ratios from one run):

    .venv/bin/python -m bench.sign_in_flood [--reads 200] [--flooders 16]

Baseline: the manager's GETs (an order, then the find list, alternately) at S001 with nothing
else running. Then the same GETs while `--flooders` clients post wrong passwords to
`POST /api/v1/auth/token` as fast as they are answered. Reported: p50 and p95 latency of the
manager's GETs in each phase, the ratio of flooded to baseline, and the flood's answers.
Real servers on loopback, SQLite; the servers' staff hashes are the tests' fast argon2 ones.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from tests.flood import guess, manager_with_an_order, read_path
from tests.servers import running_servers


def manager_reads(url: str, headers: dict[str, str], ref: str, count: int) -> list[float]:
    seconds = []
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        for n in range(count):
            started = time.perf_counter()
            response = client.get(read_path(ref, n))
            seconds.append(time.perf_counter() - started)
            response.raise_for_status()
    return seconds


def flood(url: str, n: int, stop: threading.Event, statuses: Counter[int]) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        attempt = 0
        while not stop.is_set():
            response = guess(client, n, attempt)
            statuses[response.status_code] += 1
            attempt += 1


def percentiles(seconds: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--flooders", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_servers(Path(tmp)) as servers:
        url = servers.store_url("S001")
        manager, ref = manager_with_an_order(url, timeout=30)
        manager_reads(url, manager, ref, 10)  # warm up
        quiet = manager_reads(url, manager, ref, args.reads)

        stop = threading.Event()
        statuses: Counter[int] = Counter()
        threads = [
            threading.Thread(target=flood, args=(url, n, stop, statuses))
            for n in range(args.flooders)
        ]
        for thread in threads:
            thread.start()
        try:
            time.sleep(0.5)  # let the flood get going
            flooded = manager_reads(url, manager, ref, args.reads)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
    rows = [("no flood (baseline)", quiet), (f"{args.flooders} clients flooding", flooded)]
    base_p50, base_p95 = percentiles(quiet)
    print(f"{args.reads} manager GETs per phase at S001, real servers on loopback, SQLite")
    print(f"{'phase':26} {'p50 ms':>8} {'p95 ms':>8} {'p50 vs':>8} {'p95 vs':>8}")
    for name, seconds in rows:
        p50, p95 = percentiles(seconds)
        print(f"{name:26} {p50:8.1f} {p95:8.1f} {p50 / base_p50:7.2f}x {p95 / base_p95:7.2f}x")
    print("flood answers:", ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items())))


if __name__ == "__main__":
    main()

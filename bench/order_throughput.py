"""Benchmark: how fast a store takes customer orders in sync mode (through HQ's real-time
service) and in async mode (store journal), and how fast HQ synchronizes them.

Run by hand (numbers on a shared 2-core machine are noisy; compare ratios from one run):

    .venv/bin/python -m bench.order_throughput [--orders 200]

Baseline: sync-mode creation at S001. Reported: orders per second for each phase and the
ratio of each to the baseline, measured in the same run against real servers on loopback.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import httpx
from tests.builders import SOON
from tests.servers import JOB_SECRET, running_servers, sign_in

from omniorder.domain.money import Money

RATE = {"S001": Decimal("0.08875"), "S002": Decimal("0.06625")}


def body(store: str) -> dict[str, object]:
    net = Money(14999)
    deposit = (net + net.rate(RATE[store])).percent(Decimal(10))
    return {
        "customer_account": "C0001",
        "lines": [
            {
                "sku": "LAMP-FLOOR",
                "quantity": 1,
                "fulfilment": "pickup",
                "requested_date": str(SOON),
            }
        ],
        "payments": [{"tender": "cash", "amount": str(deposit.to_decimal())}],
    }


def create(url: str, headers: dict[str, str], store: str, count: int, tag: str) -> float:
    started = time.perf_counter()
    with httpx.Client(timeout=30) as client:
        for n in range(count):
            response = client.post(
                f"{url}/api/v1/customer-orders",
                json=body(store),
                headers={**headers, "Idempotency-Key": f"bench-{tag}-{n}"},
            )
            response.raise_for_status()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_servers(Path(tmp), stores=("S001", "S002"), async_stores=("S002",)) as servers,
    ):
        sync_s = create(
            servers.store_url("S001"),
            sign_in(servers.store_url("S001"), "1001", "cashier1"),
            "S001",
            args.orders,
            "sync",
        )
        async_s = create(
            servers.store_url("S002"),
            sign_in(servers.store_url("S002"), "2001", "cashier2"),
            "S002",
            args.orders,
            "async",
        )
        env = {"OMNIORDER_JOB_SECRET": JOB_SECRET, "PATH": "/usr/bin:/bin"}
        started = time.perf_counter()
        for job in ("pull", "synchronize-orders"):
            subprocess.run(
                [sys.executable, "-m", "omniorder", "jobs", job, "--data-dir", tmp],
                env=env,
                check=True,
                capture_output=True,
            )
        sync_job_s = time.perf_counter() - started
    rows = [
        ("create, sync mode (baseline)", sync_s),
        ("create, async mode", async_s),
        ("P-job + Synchronize orders", sync_job_s),
    ]
    print(f"{args.orders} orders each, one client, real servers on loopback, SQLite")
    print(f"{'phase':34} {'orders/s':>9} {'vs baseline':>12}")
    for name, seconds in rows:
        print(f"{name:34} {args.orders / seconds:9.1f} {sync_s / seconds:11.2f}x")


if __name__ == "__main__":
    main()

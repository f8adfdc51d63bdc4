"""Smoke test of the benchmark suite: `python -m bench --quick` runs to the end and prints
every row of its table. It asserts no time: figures on a shared machine are noise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL, REQUIRE_PG

ROWS = [
    "1. sync create, SQLite, 1 client",
    "2. sync create, PostgreSQL, 4 clients",
    "3. server CPU per sync order",
    "4. SQL statements per sync order",
    "5. async create, SQLite, 1 client",
    "6. pull + Synchronize orders, PostgreSQL, 1 worker",
    "6. pull + Synchronize orders, PostgreSQL, 2 workers",
    *(
        f"7. find by {kind}, 1,000 orders ({place})"
        for kind in (
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
        for place in ("HQ, PostgreSQL", "store S001, SQLite, asking HQ")
    ),
]


def test_quick_bench_prints_every_row() -> None:
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("the bench needs PostgreSQL: OMNIORDER_TEST_PG_URL is not set")
        pytest.skip("the bench needs PostgreSQL (OMNIORDER_TEST_PG_URL)")
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "OMNIORDER_BENCH_PG_URL": PG_URL or ""},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for row in ROWS:
        assert row in result.stdout

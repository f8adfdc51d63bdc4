"""A flood of wrong sign-ins does not stop a signed-in manager's work (docs/security.md,
*Sign-in and sessions*: no transaction while argon2 works, throttling in the database).

A real store server (and HQ) on SQLite, as processes on loopback: 16 clients post wrong
passwords to `POST /api/v1/auth/token` as fast as they are answered, while a manager who
signed in before reads an order and the find list. Every flood answer is a 401 or a 429
(never a 5xx such as "database is locked"), and every one of the manager's reads is a 200.
No duration is asserted; the clients' timeout only turns a hang into a failure.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.flood import guess, manager_with_an_order, read_path
from tests.servers import running_servers

pytestmark = pytest.mark.e2e

FLOODERS = 16
MANAGER_READS = 30
TIMEOUT = httpx.Timeout(10)  # only to detect a hang; nothing here is timed


def _flood(url: str, n: int, stop: threading.Event, started: threading.Barrier) -> Counter[int]:
    statuses: Counter[int] = Counter()
    with httpx.Client(base_url=url, timeout=TIMEOUT) as client:
        started.wait(timeout=30)
        attempt = 0
        while not stop.is_set() or attempt < 3:
            answer = guess(client, n, attempt)
            statuses[answer.status_code] += 1
            assert answer.status_code in (401, 429), answer.text
            attempt += 1
    return statuses


def test_a_sign_in_flood_neither_fails_nor_blocks_a_signed_in_managers_reads(
    tmp_path: Path,
) -> None:
    with running_servers(tmp_path) as servers:
        url = servers.store_url("S001")
        manager, ref = manager_with_an_order(url, timeout=10)

        stop = threading.Event()
        started = threading.Barrier(FLOODERS + 1)
        with ThreadPoolExecutor(FLOODERS) as pool:
            floods = [pool.submit(_flood, url, n, stop, started) for n in range(FLOODERS)]
            reads: list[tuple[str, int, str]] = []
            try:
                started.wait(timeout=30)
                with httpx.Client(base_url=url, headers=manager, timeout=TIMEOUT) as client:
                    for n in range(MANAGER_READS):
                        path = read_path(ref, n)
                        answer = client.get(path)
                        reads.append((path, answer.status_code, answer.text[:300]))
            finally:
                stop.set()
            statuses = sum((flood.result() for flood in floods), Counter[int]())

        assert [read for read in reads if read[1] != 200] == []
        assert set(statuses) <= {401, 429}, statuses
        # The address was locked by the flood: most guesses were refused without a check.
        assert statuses[429] > 0, statuses

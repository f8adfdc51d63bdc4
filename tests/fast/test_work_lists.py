"""The POS home's work lists on the in-memory unit of work: the same lists as the database's
(tests/service/test_work_lists.py)."""

from __future__ import annotations

from typing import Any, cast

from tests.fast.conftest import FastWorld
from tests.service.test_work_lists import lists_hold_pickups_due_or_picked_and_lines_still_to_pick


def test_the_fake_reads_the_same_lists_as_the_database() -> None:
    lists_hold_pickups_due_or_picked_and_lines_still_to_pick(cast(Any, FastWorld()))

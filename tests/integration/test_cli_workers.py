"""`omniorder hq serve --workers N` and `omniorder jobs worker`: what they refuse, each with
one line and exit code 2 (docs/operations.md, *Deployment*). Their real runs are in
tests/e2e/test_job_workers.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from omniorder.entrypoints import cli

runner = CliRunner()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What `serve` would have run (no server is started)."""
    calls: list[Any] = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    return calls


def test_several_hq_workers_on_sqlite_are_refused(tmp_path: Path, served: list[Any]) -> None:
    url = f"sqlite:///{tmp_path / 'hq.db'}"

    refused = runner.invoke(cli.app, ["hq", "serve", "--database-url", url, "--workers", "2"])

    assert refused.exit_code == 2
    assert refused.output.count("\n") == 1
    assert "several HQ worker processes need PostgreSQL" in refused.output
    assert served == []


def test_hq_workers_with_jobs_inside_are_refused(served: list[Any]) -> None:
    url = "postgresql://postgres@127.0.0.1:5432/never-opened"

    refused = runner.invoke(
        cli.app,
        ["hq", "serve", "--database-url", url, "--workers", "2", "--job-interval", "5"],
    )

    assert refused.exit_code == 2
    assert "omniorder jobs worker" in refused.output
    assert served == []


def test_no_hq_workers_at_all_is_refused(served: list[Any]) -> None:
    refused = runner.invoke(cli.app, ["hq", "serve", "--workers", "0"])

    assert refused.exit_code == 2
    assert "--workers must be 1 or more" in refused.output
    assert served == []


def test_a_job_worker_needs_an_interval(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hq.db'}"

    refused = runner.invoke(cli.app, ["jobs", "worker", "--database-url", url, "--interval", "0"])

    assert refused.exit_code == 2
    assert "--interval must be more than 0 seconds" in refused.output
    assert not (tmp_path / "hq.db").exists()

"""`omniorder hq create-admin` and the refusal to serve with demo passwords (docs/security.md,
*Sign-in and sessions*)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from omniorder.adapters.db import make_engine, make_session_factory
from omniorder.adapters.unit_of_work import SqlAlchemyUnitOfWork
from omniorder.entrypoints import cli
from omniorder.service_layer import auth
from tests.builders import NOW

runner = CliRunner()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What `serve` would have run (no server is started)."""
    calls: list[Any] = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda app, **kw: calls.append(app))
    return calls


def test_hq_refuses_to_serve_with_demo_passwords_unless_demo(
    tmp_path: Path, served: list[Any]
) -> None:
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    assert runner.invoke(cli.app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    assert runner.invoke(cli.app, ["seed", "demo", "--database-url", url]).exit_code == 0

    refused = runner.invoke(cli.app, ["hq", "serve", "--database-url", url])

    assert refused.exit_code == 2
    assert "demo passwords" in refused.output
    assert "--demo" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert served == []
    assert runner.invoke(cli.app, ["hq", "serve", "--database-url", url, "--demo"]).exit_code == 0
    assert len(served) == 1


def test_create_admin_starts_a_real_hq(
    tmp_path: Path, served: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    monkeypatch.setenv("OMNIORDER_ADMIN_PASSWORD", "correct horse battery")

    created = runner.invoke(
        cli.app,
        ["hq", "create-admin", "--operator-id", "root", "--name", "Ro Ot", "--database-url", url],
    )

    assert created.exit_code == 0, created.output
    engine = make_engine(url)
    token, staff = auth.sign_in(
        SqlAlchemyUnitOfWork(make_session_factory(engine)),
        operator_id="root",
        password="correct horse battery",
        store_code=None,
        now=NOW,
        hours=1,
    )
    engine.dispose()
    assert token
    assert staff.role.value == "hq_admin"
    assert runner.invoke(cli.app, ["hq", "serve", "--database-url", url]).exit_code == 0
    assert len(served) == 1


@pytest.mark.parametrize(
    ("password", "said"), [("short", "at least 12"), ("hqadmin1hqadmin1", None)]
)
def test_create_admin_refuses_a_weak_password_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, password: str, said: str | None
) -> None:
    monkeypatch.setenv("OMNIORDER_ADMIN_PASSWORD", password)
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    args = ["hq", "create-admin", "--operator-id", "root", "--name", "R", "--database-url", url]

    result = runner.invoke(cli.app, args)

    if said is None:
        assert result.exit_code == 0  # long enough and not a demo password
    else:
        assert result.exit_code == 2
        assert said in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_create_admin_refuses_a_bad_operator_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMNIORDER_ADMIN_PASSWORD", "correct horse battery")
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    args = [
        "hq",
        "create-admin",
        "--operator-id",
        "no spaces",
        "--name",
        "R",
        "--database-url",
        url,
    ]

    result = runner.invoke(cli.app, args)

    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1


def test_create_admin_asks_twice_without_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OMNIORDER_ADMIN_PASSWORD", raising=False)
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    args = ["hq", "create-admin", "--operator-id", "root", "--name", "R", "--database-url", url]

    result = runner.invoke(cli.app, args, input="correct horse battery\ncorrect horse battery\n")

    assert result.exit_code == 0, result.output
    assert "correct horse" not in result.output

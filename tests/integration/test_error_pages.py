"""An unexpected error on a page (a bug, a database gone) shows a page of ours in words with a
reference, and the log carries the same reference with the traceback (web.py,
`page_route_class`)."""

from __future__ import annotations

import logging
import re

import pytest

from omniorder.service_layer import customer_orders
from tests.integration.conftest import Apps


def test_an_unexpected_error_shows_our_page_with_the_reference_the_log_carries(
    apps: Apps, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a signed-in associate, and finding orders failing with a bug
    token = apps.sign_in()["Authorization"].removeprefix("Bearer ")
    apps.store.cookies.set("omniorder_store_S001", token)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the search index is gone")

    monkeypatch.setattr(customer_orders, "find_orders", broken)

    # When they search
    with caplog.at_level(logging.ERROR, logger="omniorder.pages"):
        response = apps.store.get("/orders?q=Lovelace")

    # Then they see our error page in words, never a bare "Internal Server Error"
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in response.text
    assert "Traceback" not in response.text
    shown = re.search(r"data-error-reference>([0-9a-f]+)<", response.text)
    assert shown is not None, response.text
    # and the log has the same reference, with the error and where it happened
    logged = [r for r in caplog.records if r.name == "omniorder.pages"]
    assert len(logged) == 1
    assert shown.group(1) in logged[0].getMessage()
    assert "GET /orders" in logged[0].getMessage()
    assert logged[0].exc_info is not None
    assert "the search index is gone" in str(logged[0].exc_info[1])


def test_a_known_refusal_is_not_logged_as_an_unexpected_error(
    apps: Apps, caplog: pytest.LogCaptureFixture
) -> None:
    token = apps.sign_in()["Authorization"].removeprefix("Bearer ")
    apps.store.cookies.set("omniorder_store_S001", token)

    with caplog.at_level(logging.ERROR, logger="omniorder.pages"):
        response = apps.store.get("/orders/S001-999999")

    assert response.status_code == 404
    assert "data-error-reference" not in response.text
    assert [r for r in caplog.records if r.name == "omniorder.pages"] == []

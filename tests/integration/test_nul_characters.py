"""NUL characters (docs/security.md, *Limits and headers*): refused with a 422 naming where
they were — path, query or body, written plainly or escaped — before any route runs, with
the security headers; nothing changes."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Apps
from tests.integration.test_limits import _both, _refused


@pytest.mark.parametrize(
    ("path", "field"),
    [("/api/v1/customers/C0001%00", "path"), ("/api/v1/customers?q=ada%00", "query")],
)
def test_a_nul_in_the_path_or_query_is_refused(apps: Apps, path: str, field: str) -> None:
    auth = apps.sign_in()
    for client in (apps.hq, apps.store):
        response = client.get(path, headers=auth)
        _refused(response, 422, field)
        assert response.json()["error"]["code"] == "invalid_input"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"customer_account": "C0001\\u0000"}', "application/json"),
        (b'{"customer_account": "C0001\x00"}', "application/json"),
        (b"operator_id=1001%00&password=x", "application/x-www-form-urlencoded"),
    ],
)
def test_a_nul_in_the_body_is_refused_and_changes_nothing(
    apps: Apps, content: bytes, content_type: str
) -> None:
    auth = apps.sign_in()
    before = _both(apps)
    response = apps.store.post(
        "/api/v1/customer-orders",
        content=content,
        headers={**auth, "Content-Type": content_type, "Idempotency-Key": "nul-1"},
    )
    _refused(response, 422, "body")
    assert response.headers["content-security-policy"]
    assert _both(apps) == before


def test_a_percent_zero_zero_in_json_is_text_not_a_nul(apps: Apps) -> None:
    """Only a form body is URL-decoded: in JSON, `%00` is three characters."""
    auth = apps.sign_in()
    posted = apps.store.post(
        "/api/v1/customer-orders",
        content=b'{"customer_account": "%00"}',
        headers={**auth, "Content-Type": "application/json", "Idempotency-Key": "nul-2"},
    )
    assert posted.status_code != 422 or posted.json()["error"]["field"] != "body", posted.text


def test_a_body_too_large_is_refused_as_such_before_its_nul_is_looked_for(apps: Apps) -> None:
    auth = apps.sign_in()
    big = b'{"customer_account": "\x00' + b"x" * 2_000_000 + b'"}'
    response = apps.store.post(
        "/api/v1/customer-orders",
        content=big,
        headers={**auth, "Content-Type": "application/json"},
    )
    _refused(response, 413, "body")

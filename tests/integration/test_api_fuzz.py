"""Fuzzing the store and HQ APIs from their own OpenAPI schemas (schemathesis).

Whatever a client sends — well-formed or not — each server must answer without a 5xx, with a
status code, content type, headers and body that its OpenAPI schema declares.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, DataGenerationMethod
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import BaseOpenAPISchema
from starlette_testclient import TestClient as RequestsTestClient

from tests.integration.conftest import STORE_TOKEN, Apps

# FastAPI writes OpenAPI 3.1, which schemathesis 3.x reads only with this switch on.
schemathesis.experimental.OPEN_API_3_1.enable()

CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)
# Ten examples per operation: with both servers' operations (about 55) and negative cases,
# generating the data is most of the cost, so this keeps the file near a minute on SQLite.
FUZZ = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Calls that only a store's own HQ token may make (store → HQ); the fuzzer acts as S001.
STORE_CALLS = ("/api/v1/rts/stores/{code}", "/api/v1/channel-data/stores/{code}")


@dataclass
class Target:
    """One server under fuzzing: its schema, a requests-style client and the sign-in to send."""

    schema: BaseOpenAPISchema
    client: RequestsTestClient
    headers: dict[str, str]

    def call(self, case: Case, headers: dict[str, str] | None = None) -> None:
        response = case.call(
            base_url="http://testserver", session=self.client, headers=headers or self.headers
        )
        case.validate_response(response, checks=CHECKS)


def _target(app: Any, headers: dict[str, str]) -> Iterator[Target]:
    # schemathesis sends through `requests`; this client talks to the app in process without
    # running its lifespan again (the `apps` fixture already did).
    client = RequestsTestClient(app, raise_server_exceptions=False)
    schema = schemathesis.from_dict(
        app.openapi(),
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
    )
    yield Target(schema, client, headers)


@pytest.fixture
def store_target(apps: Apps) -> Iterator[Target]:
    yield from _target(apps.store.app, apps.sign_in())


@pytest.fixture
def hq_target(apps: Apps) -> Iterator[Target]:
    yield from _target(apps.hq.app, apps.hq_admin())


@pytest.fixture
def store_schema(store_target: Target) -> BaseOpenAPISchema:
    return store_target.schema


@pytest.fixture
def hq_schema(hq_target: Target) -> BaseOpenAPISchema:
    return hq_target.schema


with warnings.catch_warnings():
    # schemathesis 3.39's from_pytest_fixture warns about its own default filter arguments.
    warnings.filterwarnings("ignore", r"Argument `\w+` is deprecated", DeprecationWarning)
    store_api = schemathesis.from_pytest_fixture("store_schema")
    hq_api = schemathesis.from_pytest_fixture("hq_schema")


@store_api.parametrize()
@FUZZ
def test_the_store_api_never_fails_or_breaks_its_schema(case: Case, store_target: Target) -> None:
    store_target.call(case)


@hq_api.parametrize()
@FUZZ
def test_the_hq_api_never_fails_or_breaks_its_schema(case: Case, hq_target: Target) -> None:
    headers = hq_target.headers
    if case.path.startswith(STORE_CALLS):
        # Aim at the handler rather than at the token check: S001's token, for S001.
        headers = {"Authorization": f"Bearer {STORE_TOKEN}"}
        case.path_parameters = {**(case.path_parameters or {}), "code": "S001"}
    hq_target.call(case, headers)

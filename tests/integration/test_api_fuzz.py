"""Fuzzing the store and HQ APIs from their own OpenAPI schemas (schemathesis).

Whatever a client sends — well-formed or not — each server must answer without a 5xx, with a
status code, content type, headers and body that its OpenAPI schema declares.

Two phases: each operation alone (`test_the_*_api_never_fails_…`), and stateful runs that
follow the schema's OpenAPI links (`entrypoints/openapi_links.py`) — on a sync and an async
store an order is created, then read, edited, picked up and cancelled with generated bodies,
in generated orders; at HQ sales orders are listed, read and shipped.
"""

from __future__ import annotations

import copy
import warnings
from collections import Counter
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
from schemathesis.stateful import run_state_machine_as_test
from schemathesis.stateful.state_machine import APIStateMachine
from starlette_testclient import TestClient as RequestsTestClient

from tests.builders import HOME_C0001, SOON
from tests.integration.conftest import STORE_TOKEN, Apps
from tests.integration.test_http_api import pickup_order

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
        case.validate_response(self.send(case, headers), checks=CHECKS)

    def send(self, case: Case, headers: dict[str, str] | None = None) -> Any:
        return case.call(
            base_url="http://testserver", session=self.client, headers=headers or self.headers
        )


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


# -- stateful: follow the links ---------------------------------------------------------------

# Derandomized and bounded: the same runs on every machine, 5-15 seconds per database.
# Each run is up to 6 calls, starting with an order created (at HQ: the list); positive data
# only (the operations alone get the negative cases above), since a link's target with a
# path parameter that takes any text has no negative case and would reject the whole run.
STATEFUL = settings(
    max_examples=25,
    stateful_step_count=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
CREATE = ("POST", "/api/v1/customer-orders")
# Real orders for the links to act on (the generated ones are refused: unknown customers and
# products): a pickup order paying its deposit in cash, a hybrid one paid by card, a quote.
ORDERS = (
    pickup_order(),
    pickup_order(
        lines=[
            {
                "sku": "SOFA-3S",
                "quantity": 1,
                "fulfilment": "ship",
                "requested_date": str(SOON),
                "delivery_mode": "STD",
                "ship_to_address_id": str(HOME_C0001),
            },
            {
                "sku": "LAMP-FLOOR",
                "quantity": 2,
                "fulfilment": "pickup",
                "requested_date": str(SOON),
            },
            {"sku": "VASE-GLASS", "quantity": 1, "fulfilment": "carry_out"},
        ],
        payments=[{"tender": "card", "amount": "202.38", "card_number": "4242424242424242"}],
    ),
    pickup_order(order_type="quote", payments=[]),
)


def _drop_shadowed_links(document: dict[str, Any]) -> None:
    """Keep, of the links into one operation from answers with one status code, the first.

    schemathesis 3.39 names each transition after its target and status code, so a second
    such link replaces the first: HQ's sales order linking to itself (200) would replace the
    list's link to it (200), and with nothing to follow from the list the run stops at once.
    """
    kept: set[tuple[str, str]] = set()
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                links = answer.get("links", {})
                for name, found in list(links.items()):
                    key = (found["operationRef"], status)
                    if key in kept:
                        del links[name]
                    kept.add(key)


def _state_machine(target: Target, seen: Counter[str]) -> type[APIStateMachine]:
    """The schema's state machine, calling `target` in process and counting answers.

    On a store, its creation step draws from `ORDERS`: generated orders name unknown
    customers and products, so no link would ever be followed, and the creation's large body
    would use up Hypothesis' data for the steps after it. HQ creates no orders through its
    API; its runs start from the sales-order list (`HQ_SEARCH_LINKS`).
    """
    document = copy.deepcopy(target.client.app.openapi())
    if CREATE[1] in document["paths"]:
        create = document["paths"][CREATE[1]]["post"]
        create["requestBody"]["content"]["application/json"]["schema"] = {"enum": list(ORDERS)}
    _drop_shadowed_links(document)
    schema = schemathesis.from_dict(
        document, data_generation_methods=[DataGenerationMethod.positive]
    )

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def _add_results_to_targets(self, targets: Any, results: Any) -> None:
            # Newer Hypothesis (6.170 here) renamed the hook that schemathesis 3.39 overrides
            # to put each answer in the bundle of its links (`_add_result_to_targets`);
            # without this, no link is ever followed.
            for result in results:
                bundle = self._get_target_for_result(result) if result is not None else None
                if bundle is not None:
                    super()._add_results_to_targets((bundle,), (result,))

        def call(self, case: Case, **kwargs: Any) -> Any:
            return target.send(case)

        def validate_response(
            self, response: Any, case: Case, additional_checks: tuple[Any, ...] = ()
        ) -> None:
            seen[f"{case.method} {case.path} {response.status_code}"] += 1
            case.validate_response(response, checks=CHECKS, additional_checks=additional_checks)

    return Workflow


def test_orders_created_then_read_and_changed_never_fail_or_break_the_schema(
    store_target: Target,
) -> None:
    seen: Counter[str] = Counter()
    run_state_machine_as_test(_state_machine(store_target, seen), settings=STATEFUL)
    # The links were followed: orders were created, then read and acted on.
    assert seen["POST /api/v1/customer-orders 201"] > 0, seen
    assert seen["GET /api/v1/customer-orders/{ref} 200"] > 0, seen
    assert any(key.startswith("POST /api/v1/customer-orders/{ref}/") for key in seen), seen
    assert not [key for key in seen if key.rsplit(" ", 1)[1].startswith("5")], seen


def test_orders_taken_offline_by_an_async_store_never_fail_or_break_the_schema(
    apps: Apps,
) -> None:
    """The same run on an async store: orders go to the journal, not to HQ, and every
    operation acts on the store's own copy (docs/rules.md §10).

    S001 is switched to the ASYNC profile through HQ's API and downloads it, rather than
    building S002: `ORDERS`' payments are priced with S001's tax rates and stock.
    """
    admin = apps.hq_admin()
    store = apps.hq.get("/api/v1/stores/S001", headers=admin).json()
    del store["code"]
    switched = apps.hq.put(
        "/api/v1/stores/S001", json={**store, "profile_code": "ASYNC"}, headers=admin
    )
    assert switched.status_code == 200, switched.text
    refreshed = apps.store.post("/api/v1/channel-data/refresh", headers=apps.sign_in())
    assert refreshed.status_code == 200, refreshed.text
    target = next(_target(apps.store.app, apps.sign_in()))
    seen: Counter[str] = Counter()

    run_state_machine_as_test(_state_machine(target, seen), settings=STATEFUL)

    assert seen["POST /api/v1/customer-orders 201"] > 0, seen
    assert seen["GET /api/v1/customer-orders/{ref} 200"] > 0, seen
    assert any(key.startswith("POST /api/v1/customer-orders/{ref}/") for key in seen), seen
    assert not [key for key in seen if key.rsplit(" ", 1)[1].startswith("5")], seen
    # Taken offline: every order waits in the journal, HQ has none of them yet.
    orders = apps.store.get("/api/v1/customer-orders", headers=apps.sign_in()).json()
    assert orders, seen
    assert {order["sync_status"] for order in orders} == {"pending"}, orders
    assert apps.hq.get("/api/v1/sales-orders", headers=admin).json() == []


def test_hq_sales_orders_read_and_shipped_never_fail_or_break_the_schema(
    apps: Apps, hq_target: Target
) -> None:
    """HQ's run starts from the sales-order list, reads the first order found and ships
    one unit of its first line, on orders that a store created through HQ."""
    auth = apps.sign_in()
    # Fixed ids: orders created in the same instant are listed by id, so the hybrid order
    # (its first line a ship line) comes first, on every run.
    for index, order in zip((2, 1, 3), ORDERS, strict=True):
        body = {**order, "id": f"00000000-0000-4000-8000-00000000000{index}"}
        created = apps.store.post("/api/v1/customer-orders", json=body, headers=auth)
        assert created.status_code == 201, created.text
    seen: Counter[str] = Counter()

    run_state_machine_as_test(_state_machine(hq_target, seen), settings=STATEFUL)

    assert seen["GET /api/v1/sales-orders 200"] > 0, seen
    assert seen["GET /api/v1/sales-orders/{number} 200"] > 0, seen
    shipments = "POST /api/v1/sales-orders/{number}/shipments"
    assert any(key.startswith(shipments) for key in seen), seen
    assert not [key for key in seen if key.rsplit(" ", 1)[1].startswith("5")], seen

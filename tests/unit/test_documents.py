"""Orders and requests as JSON documents between store and HQ round-trip exactly: amounts in
minor units with their currency, rates as decimal strings, times with their offset."""

from __future__ import annotations

import uuid
from datetime import timedelta

from omniorder.domain.money import Money
from omniorder.domain.returns import ReturnLineIn
from omniorder.service_layer import operation_requests as requests
from omniorder.service_layer.documents import (
    new_order_from_document,
    new_order_to_document,
    order_from_document,
    order_to_document,
)
from tests.unit.test_create_order import NOW, create, hybrid_order


def test_an_order_round_trips_exactly() -> None:
    order = create(hybrid_order())

    again = order_from_document(order_to_document(order))

    assert again == order
    assert again.order_value == Money(174497)
    assert again.created_at == NOW
    assert again.created_at.utcoffset() == timedelta(0)


def test_a_create_request_round_trips_with_its_price_versions() -> None:
    new = hybrid_order()
    document = new_order_to_document(
        new,
        created_at=NOW,
        operator_id="1001",
        override_by=None,
        price_versions={"SOFA-3S": NOW.isoformat()},
    )

    assert new_order_from_document(document) == new
    assert document["price_versions"] == {"SOFA-3S": NOW.isoformat()}


def test_an_operation_request_round_trips_with_its_settled_amount() -> None:
    operation = requests.OperationRequest(
        operation_id=uuid.uuid4(),
        order_ref="S001-000001",
        store_code="S001",
        at=NOW,
        operator_id="1001",
        override_by="1002",
        request=requests.ReturnRequest(
            invoice="INV-000001",
            lines=(ReturnLineIn(uuid.uuid4(), 1, "damaged"),),
            shipping_refund=Money(1500),
        ),
        expected_version=3,
        settled_amount=Money(-17830),
    )

    assert requests.from_document(requests.to_document(operation)) == operation

"""Money policy (docs/rules.md, *Refunds go back to the card* and §6): a refund goes back to
the card that paid unless a manager allows another tender; lowering or waiving the
cancellation charge, or cancelling every line to avoid it, needs a manager. Refusals change
nothing at HQ or the store; an allowed exception names the manager in the order's history."""

from __future__ import annotations

import uuid

import pytest

from omniorder.domain.errors import PermissionDenied
from omniorder.domain.money import Money
from omniorder.domain.order import Order
from omniorder.domain.staff import Authorization
from omniorder.domain.statuses import OrderEventType, Tender
from omniorder.service_layer import order_operations as ops
from omniorder.service_layer.order_operations import Context
from tests.builders import MANAGER, NOW, as_cashier, card, cash, order_input, pickup_line
from tests.fast.conftest import FastWorld


def ctx(world: FastWorld, auth: Authorization | None = None) -> Context:
    return Context(
        world.store_uow(),
        world.hq,
        world.cards,
        auth or as_cashier(),
        "S001",
        NOW,
        uuid.uuid4(),
    )


def one_lamp(world: FastWorld, *, by_card: bool = True) -> Order:
    """1 lamp to pick up at S001: value 163.30, deposit 16.33, default charge 8.17."""
    paid = card("16.33") if by_card else cash("16.33")
    return world.take(order_input(lines=(pickup_line(),), payments=(paid,)))


def refunds(order: Order) -> list[tuple[Tender, Money]]:
    return [(p.tender, p.amount) for p in order.payments if p.amount.amount < 0]


def test_a_card_deposit_is_refunded_to_the_card_by_default(world: FastWorld) -> None:
    order = one_lamp(world)

    done = ops.cancel_order(ctx(world), ref=order.channel_ref, charge=None)

    assert refunds(done) == [(Tender.CARD, Money.parse("-8.16"))]
    refund = next(p for p in done.payments if p.amount.amount < 0)
    assert refund.card_token == order.payments[0].card_token
    assert world.cards.refunded[refund.id] == (refund.card_token, Money.parse("8.16"))


def test_a_cash_deposit_is_refunded_in_cash_by_default(world: FastWorld) -> None:
    order = one_lamp(world, by_card=False)

    done = ops.cancel_order(ctx(world), ref=order.channel_ref, charge=None)

    assert refunds(done) == [(Tender.CASH, Money.parse("-8.16"))]
    assert world.cards.refunded == {}


def test_a_cashier_alone_cannot_refund_a_card_deposit_in_cash(world: FastWorld) -> None:
    order = one_lamp(world)
    before = world.both()

    with pytest.raises(PermissionDenied, match="may not refund in cash") as refused:
        ops.cancel_order(ctx(world), ref=order.channel_ref, charge=None, refund_tender=Tender.CASH)
    assert refused.value.permission == "refund_card_in_cash"

    assert world.both() == before
    assert world.cards.refunded == {}


def test_a_manager_override_allows_a_cash_refund_and_is_in_the_history(world: FastWorld) -> None:
    order = one_lamp(world)

    done = ops.cancel_order(
        ctx(world, as_cashier(override_by=MANAGER)),
        ref=order.channel_ref,
        charge=None,
        refund_tender=Tender.CASH,
    )

    assert refunds(done) == [(Tender.CASH, Money.parse("-8.16"))]
    assert world.cards.refunded == {}
    assert done.events[-1].action is OrderEventType.CANCELLED
    assert done.events[-1].override_by == MANAGER.operator_id


@pytest.mark.parametrize("charge", ["0.00", "5.00"])
def test_a_cashier_alone_cannot_lower_or_waive_the_cancellation_charge(
    world: FastWorld, charge: str
) -> None:
    order = one_lamp(world)
    before = world.both()

    with pytest.raises(PermissionDenied, match="may not lower the cancellation charge") as refused:
        ops.cancel_order(ctx(world), ref=order.channel_ref, charge=Money.parse(charge))
    assert refused.value.permission == "waive_cancellation_charge"

    assert world.both() == before


def test_a_cashier_may_raise_the_charge_and_a_manager_may_waive_it(world: FastWorld) -> None:
    raised = ops.cancel_order(
        ctx(world),
        ref=one_lamp(world).channel_ref,
        charge=Money.parse("20.00"),
        payments=(cash("3.67"),),
    )
    assert raised.events[-1].override_by is None

    waived = ops.cancel_order(
        ctx(world, as_cashier(override_by=MANAGER)),
        ref=one_lamp(world).channel_ref,
        charge=Money.parse("0.00"),
    )
    assert refunds(waived) == [(Tender.CARD, Money.parse("-16.33"))]
    assert waived.events[-1].override_by == MANAGER.operator_id


def test_a_cashier_alone_cannot_cancel_every_line_to_avoid_the_charge(world: FastWorld) -> None:
    order = world.take(
        order_input(
            lines=(pickup_line(quantity=3), pickup_line(sku="PILLOW-2")),
            payments=(card("53.34"),),
        )
    )
    everything = {line.id: line.quantity for line in order.lines}
    before = world.both()

    with pytest.raises(PermissionDenied) as refused:
        ops.cancel_lines(ctx(world), ref=order.channel_ref, quantities=everything)
    assert refused.value.permission == "waive_cancellation_charge"
    assert world.both() == before

    # Some of the lines is fine, and the deposit beyond what stays open goes back to the card.
    lamps = order.lines[0]
    done = ops.cancel_lines(ctx(world), ref=order.channel_ref, quantities={lamps.id: 3})
    assert refunds(done) == [(Tender.CARD, Money.parse("-48.99"))]
    # The rest, with a manager's override, recorded in the history.
    pillow = order.lines[1]
    rest = ops.cancel_lines(
        ctx(world, as_cashier(override_by=MANAGER)),
        ref=order.channel_ref,
        quantities={pillow.id: 1},
    )
    assert rest.events[-1].action is OrderEventType.LINES_CANCELLED
    assert rest.events[-1].override_by == MANAGER.operator_id

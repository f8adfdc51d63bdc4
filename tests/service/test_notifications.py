"""Pickup-ready e-mail (docs/rules.md §5, beyond): queued in the outbox with the change that made
the order ready, sent afterwards over real SMTP to a local sink."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
import segno
from aiosmtpd.controller import Controller

from omniorder.adapters.mail import SmtpMailer
from omniorder.service_layer import order_operations as ops
from omniorder.service_layer.notifications import send_outbox
from tests.builders import NOW, cash, order_input, pickup_line
from tests.servers import free_port
from tests.service.conftest import World
from tests.service.test_lifecycle import create, ctx


class Sink:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def test_the_customer_is_told_once_when_everything_to_collect_is_picked(
    world: World, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    order = create(
        world,
        order_input(
            lines=(pickup_line(quantity=2), pickup_line(sku="PILLOW-2")), payments=(cash("37.02"),)
        ),
    )
    lamp, pillow = order.lines

    ops.mark_picked(ctx(world), ref=order.channel_ref, quantities={lamp.id: 2})
    with world.hq_uow() as uow:
        assert list(uow.outbox.for_order(order.id)) == []  # the pillow is not picked yet
    ops.mark_picked(ctx(world), ref=order.channel_ref, quantities={pillow.id: 1})
    mailer = SmtpMailer("127.0.0.1", port, "orders@omniorder.example")

    first = send_outbox(world.hq_uow, mailer, now=NOW)
    again = send_outbox(world.hq_uow, mailer, now=NOW)

    assert (first.sent, again.sent) == (1, 0)
    [mail] = sink.messages
    assert mail["To"] == "ada@example.com"
    assert mail["Subject"] == "Your order SO-000001 is ready"
    text = mail.get_body(("plain",)).get_content()
    assert "ready to pick up at Downtown (S001): 2 × Floor lamp, brass, 1 × Pillow, pair." in text
    # with the order's barcode: a QR code of its reference, shown in the HTML part and attached
    assert f"the code {order.channel_ref} opens your order at the till" in text
    html = mail.get_body(("html",)).get_content()
    assert f"QR code of order {order.channel_ref}" in html
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == f"order-{order.channel_ref}.png"
    png = io.BytesIO()
    segno.make(order.channel_ref, micro=False, error="m").save(png, kind="png", scale=6, border=4)
    assert attachment.get_content() == png.getvalue()


def test_a_message_that_cannot_be_sent_stays_queued_with_its_error(world: World) -> None:
    order = create(world, order_input(payments=(cash("16.33"),)))
    ops.mark_picked(
        ctx(world, op=uuid.uuid4()), ref=order.channel_ref, quantities={order.lines[0].id: 1}
    )
    nobody_listens = SmtpMailer("127.0.0.1", free_port(), "orders@omniorder.example", 2)

    result = send_outbox(world.hq_uow, nobody_listens, now=NOW)

    assert (result.sent, result.failed) == (0, 1)
    with world.hq_uow() as uow:
        [queued] = uow.outbox.for_order(order.id)
        assert queued.sent_at is None
        assert queued.attempts == 1
        assert "ConnectionRefused" in (queued.last_error or "")

"""Sending e-mail over SMTP (any server in production, a local sink in tests)."""

from __future__ import annotations

import html
import io
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import segno


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, timeout_seconds: float = 10) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout_seconds

    def send(self, *, recipient: str, subject: str, body: str, barcode: str | None = None) -> None:
        """With `barcode` (an order's reference), the message also has an HTML part showing
        its QR code, and the code as a PNG attachment: the associate scans it at the till."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = recipient
        message["Subject"] = subject
        message.set_content(body)
        if barcode is not None:
            _add_barcode(message, body, barcode)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


def _add_barcode(message: EmailMessage, body: str, barcode: str) -> None:
    png = io.BytesIO()
    segno.make(barcode, micro=False, error="m").save(png, kind="png", scale=6, border=4)
    cid = make_msgid(domain="omniorder.invalid")
    text = "".join(f"<p>{html.escape(part)}</p>" for part in body.split("\n\n") if part)
    message.add_alternative(
        f"<!doctype html><html><body>{text}"
        f'<p><img src="cid:{cid[1:-1]}" alt="QR code of order {html.escape(barcode)}" '
        f'width="180" height="180"><br>{html.escape(barcode)}</p></body></html>',
        subtype="html",
    )
    html_part = message.get_body(("html",))
    assert html_part is not None
    html_part.add_related(png.getvalue(), "image", "png", cid=cid)
    message.add_attachment(
        png.getvalue(), maintype="image", subtype="png", filename=f"order-{barcode}.png"
    )

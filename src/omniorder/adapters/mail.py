"""Sending e-mail over SMTP (any server in production, a local sink in tests)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, timeout_seconds: float = 10) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout_seconds

    def send(self, *, recipient: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = recipient
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)

"""The ASGI middleware every server runs in front of its routes (docs/security.md, *Limits
and headers*), one layer for all three guards, since each layer costs every request:

- the security headers on every HTTP response that does not set its own, errors included;
- a body-size limit, decided before the body is read where Content-Length says, and while it
  streams otherwise (413);
- no NUL character in the path, the query or the body (422): PostgreSQL text cannot hold
  them and no retail data needs them, so a clear refusal here beats a database error deep
  inside a use case.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]

# The pages load only their own files: no inline script or style, no frames, no plugins.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
_FORM = b"application/x-www-form-urlencoded"


class Guards:
    """Security headers, body limit and NUL refusal. The body is read here (at most
    `max_bytes`) and handed on unchanged. `larger` gives paths (by prefix) a limit of their
    own: the acknowledgements HQ's jobs send a store carry up to 500 whole orders. A body too
    large is refused before any NUL is looked for."""

    def __init__(self, app: Any, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.larger.items():
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        path: str = scope.get("path", "")
        max_bytes = self.limit_for(path)
        length, content_type = _content_length_and_type(scope)
        if length is not None and length > max_bytes:
            await _too_large(send_with_headers, max_bytes)
            return
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            received += len(message.get("body", b""))
            if received > max_bytes:
                await _too_large(send_with_headers, max_bytes)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(m.get("body", b"") for m in messages)
        field = _field_with_nul(path, scope.get("query_string", b""), body, content_type)
        if field:
            await _refuse_nul(send_with_headers, field)
            return
        messages.reverse()  # handed on first to last, popped from the end

        async def replay() -> Message:
            if messages:
                return messages.pop()
            message: Message = await receive()
            return message

        await self.app(scope, replay, send_with_headers)


def _content_length_and_type(scope: Scope) -> tuple[int | None, bytes]:
    length: int | None = None
    content_type = b""
    for name, value in scope.get("headers", ()):
        name = name.lower()
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                length = None
        elif name == b"content-type":
            content_type = value
    return length, content_type


def _field_with_nul(path: str, query: bytes, body: bytes, content_type: bytes) -> str | None:
    """Where a NUL is, written plainly or escaped as JSON or a URL would: the field to name."""
    if "\x00" in path:
        return "path"
    if b"\x00" in query or b"%00" in query:
        return "query"
    if b"\x00" in body or b"\\u0000" in body or (content_type.startswith(_FORM) and b"%00" in body):
        return "body"
    return None


async def _too_large(send: Send, max_bytes: int) -> None:
    await _error(
        send,
        413,
        "body_too_large",
        f"The request body is larger than {max_bytes} bytes.",
        "body",
        close=True,
    )


async def _refuse_nul(send: Send, field: str) -> None:
    await _error(send, 422, "invalid_input", "Text cannot contain NUL characters.", field)


async def _error(
    send: Send, status: int, code: str, message: str, field: str, *, close: bool = False
) -> None:
    payload = json.dumps({"error": {"code": code, "message": message, "field": field}}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    if close:  # the rest of a body too large is not read: the connection cannot be reused
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})

"""Refuse NUL characters in any request: PostgreSQL text cannot hold them, and no retail
data needs them. A clear 422 here beats a database error deep inside a use case."""

from __future__ import annotations

import json
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]


class RejectNulCharacters:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        if "\x00" in scope.get("path", ""):
            await _refuse(send, "path")
            return
        if b"\x00" in query or b"%00" in query:
            await _refuse(send, "query")
            return
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        headers = dict(scope.get("headers", []))
        is_form = headers.get(b"content-type", b"").startswith(b"application/x-www-form-urlencoded")
        if b"\x00" in body or b"\\u0000" in body or (is_form and b"%00" in body):
            await _refuse(send, "body")
            return

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            message: Message = await receive()
            return message

        await self.app(scope, replay, send)


async def _refuse(send: Any, field: str) -> None:
    payload = json.dumps(
        {
            "error": {
                "code": "invalid_input",
                "message": "Text cannot contain NUL characters.",
                "field": field,
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})

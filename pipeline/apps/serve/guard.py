"""Request guards: optional token auth (constant-time, never logged) and the request body limit.

One plain ASGI middleware, so a refused request costs nothing and a body over the limit is cut off while
it streams in (the multipart parser never spools it to disk). Tokens: ``AUTH_TOKENS`` as in the original;
the ``Authorization`` header carries one token, bare (the original's form) or after ``Bearer``.
``/health`` stays open, as in the original.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OPEN_PATHS = frozenset({"/health"})


class BodyTooLarge(HTTPException):
    """Raised from inside the body stream; FastAPI passes HTTP exceptions of its form parsing through, so
    the client gets this 413 (any other exception there becomes a vague 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is more than the limit of {limit} bytes; send a smaller "
                              "file or raise --max-upload-mb")


def token_ok(header: str, tokens: tuple[str, ...]) -> bool:
    """Compare against every token in constant time (no early exit on the first match)."""
    presented = header.removeprefix("Bearer ").strip().encode()
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(presented, token.encode())
    return matched


async def _error(send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    def __init__(self, app: ASGIApp, tokens: tuple[str, ...], max_body: int) -> None:
        self.app = app
        self.tokens = tokens
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if (self.tokens and scope.get("path") not in OPEN_PATHS
                and not token_ok(headers.get("authorization", ""), self.tokens)):
            await _error(send, 401, "Unauthorized", [(b"www-authenticate", b"Bearer")])
            return
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await _error(send, 413, f"the request body is {length} bytes, more than the limit of "
                                    f"{self.max_body}; send a smaller file or raise --max-upload-mb")
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge as exc:
            if not started:
                await _error(send, 413, str(exc.detail))


def scope_summary(scope: dict[str, Any]) -> str:
    """A log-safe description of a request: method and path, never headers (they may hold a token)."""
    return f"{scope.get('method', '?')} {scope.get('path', '?')}"

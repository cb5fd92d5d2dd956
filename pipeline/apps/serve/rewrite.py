"""A response's body gathered whole and rewritten, for the middlewares that reshape answers (error shapes,
path cleaning): the part that is the same for both, so each says only which answers and how."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import Message, Send

Headers = list[tuple[bytes, bytes]]
# (the response's start message, its whole body) -> (its headers, Content-Length aside; the new body)
Rewrite = Callable[[Message, bytes], tuple[Headers, bytes]]


def headers_of(start: Message) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in start.get("headers", [])}


def without(start: Message, *names: bytes) -> Headers:
    """The start message's headers less ``names`` and Content-Length (which the rewrite sets again)."""
    drop = {b"content-length", *names}
    return [(k, v) for k, v in start.get("headers", []) if k.lower() not in drop]


def rewriting(send: Send, wanted: Callable[[Message], bool], rewrite: Rewrite) -> Send:
    """``send``, except that a response whose start message ``wanted`` accepts is held until its body is
    complete and then sent as ``rewrite`` makes it; every other response passes as it comes."""
    start: Message | None = None
    body: list[bytes] = []

    async def wrapped(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            if not wanted(message):
                await send(message)
                return
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        body.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        headers, data = rewrite(start, b"".join(body))
        await send({**start, "headers": [*headers, (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})

    return wrapped

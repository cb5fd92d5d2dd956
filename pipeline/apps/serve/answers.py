"""Every error answer has one shape, ``{"error": message}``, whichever layer made it.

The app's exception handlers (app.py) shape the errors raised in routes and by FastAPI and Starlette
(unknown route, wrong method, a body that is not multipart); this middleware shapes the ones that are
answered directly, not raised: Starlette's file responses answer a bad ``Range`` header with a plain-text
400 or 416. Their text (or the status's name when there is none) becomes the message.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class JsonErrors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def shaped_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers", [])).get(b"content-type", b"")
                if message["status"] < 400 or kind.startswith(b"application/json"):
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
            status = start["status"]
            text = b"".join(body).decode("utf-8", errors="replace").strip() or _phrase(status)
            data = json.dumps({"error": text}, ensure_ascii=False).encode("utf-8")
            headers = [(k, v) for k, v in start.get("headers", [])
                       if k.lower() not in (b"content-length", b"content-type")]
            await send({**start, "headers": [*headers, (b"content-type", b"application/json"),
                                             (b"content-length", str(len(data)).encode())]})
            await send({"type": "http.response.body", "body": data})

        await self.app(scope, receive, shaped_send)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"error {status}"

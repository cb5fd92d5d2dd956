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

from pipeline.apps.serve.rewrite import Headers, headers_of, rewriting, without


class JsonErrors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, rewriting(send, _unshaped_error, _shaped))


def _unshaped_error(start: Message) -> bool:
    return bool(start["status"] >= 400 and not headers_of(start).get(b"content-type", b"").startswith(
        b"application/json"))


def _shaped(start: Message, body: bytes) -> tuple[Headers, bytes]:
    text = body.decode("utf-8", errors="replace").strip() or _phrase(start["status"])
    data = json.dumps({"error": text}, ensure_ascii=False).encode("utf-8")
    return [*without(start, b"content-type"), (b"content-type", b"application/json")], data


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"error {status}"

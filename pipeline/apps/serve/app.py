"""The FastAPI application: routes, the request guard, error shapes, and the server's lifetime.

Errors answer ``{"error": message}`` like the original, whichever layer made them (answers.py shapes those
not raised); a request that cannot be compiled or a stored file that cannot be read is a 400 (one handler,
not one per route); validation failures keep FastAPI's 422 with its ``detail`` list, and say it in
``error`` too. Anything unexpected is logged and answered 500 without details (never a traceback).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pipeline.apps.serve import native, routes
from pipeline.apps.serve.answers import JsonErrors
from pipeline.apps.serve.compile import RequestError
from pipeline.apps.serve.guard import Guard
from pipeline.apps.serve.media import MediaUnreadable
from pipeline.apps.serve.redact import Redact
from pipeline.apps.serve.server import Server
from pipeline.apps.serve.settings import API_VERSION, Settings

log = logging.getLogger("pipeline.serve")


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        server = Server.open(settings)
        app.state.server = server
        sweeper = threading.Thread(target=server.sweep_forever, name="pipeline-sweep", daemon=True)
        sweeper.start()
        try:
            yield
        finally:
            server.close()

    app = FastAPI(title="pipeline media server", version=API_VERSION, lifespan=lifespan,
                  description="The original media server's API (0.3.5) and a native job API, served by the "
                              "pipeline engine. See README, section Serving.")
    app.include_router(routes.root)
    app.include_router(routes.api)
    app.include_router(native.router)

    @app.exception_handler(HTTPException)  # Starlette's: FastAPI's is one, and unknown routes raise it too
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": _said(request, exc)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        message = "; ".join(f"{'.'.join(str(p) for p in e['loc'] if p not in ('body', 'query', 'path'))}: "
                            f"{e['msg']}" for e in errors)
        return JSONResponse({"error": message, "detail": jsonable_encoder(errors)}, status_code=422)

    @app.exception_handler(RequestError)
    @app.exception_handler(MediaUnreadable)
    async def bad_request(request: Request, exc: Exception) -> JSONResponse:
        """A request the server cannot compile, or a stored file it cannot read: the client's to fix."""
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal error; the server log has the details"}, status_code=500)

    app.add_middleware(JsonErrors)
    app.add_middleware(Redact)  # outside JsonErrors (cleans what it shapes), inside the guard (names no paths)
    app.add_middleware(Guard, tokens=settings.tokens, max_body=settings.max_upload_bytes)
    return app


def _said(request: Request, exc: HTTPException) -> str:
    """The error's message; Starlette's bare ones (no route, wrong method, a body that is not multipart)
    said with what the client can do."""
    where = f"{request.method} {request.url.path}"
    if exc.status_code == 404 and exc.detail == "Not Found":
        return f"no route {where}; the routes are listed at /docs and /openapi.json"
    if exc.status_code == 405 and exc.detail == "Method Not Allowed":
        allowed = {k.lower(): v for k, v in (exc.headers or {}).items()}.get("allow", "")
        return f"{where}: method not allowed" + (f"; this path takes {allowed}" if allowed else "")
    if exc.status_code == 400 and ("multipart" in str(exc.detail) or str(exc.detail).startswith("Part exceeded")):
        return (f"the form data cannot be read ({exc.detail}); send the fields as multipart/form-data or "
                "application/x-www-form-urlencoded, each form field under 1 MiB")
    return str(exc.detail)

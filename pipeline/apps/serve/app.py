"""The FastAPI application: routes, the request guard, error shapes, and the server's lifetime.

Errors answer ``{"error": message}`` like the original; a request that cannot be compiled or a stored file
that cannot be read is a 400 (one handler, not one per route); validation failures keep FastAPI's 422.
Anything unexpected is logged and answered 500 without details (never a traceback to the client).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from pipeline.apps.serve import native, routes
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

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestError)
    @app.exception_handler(MediaUnreadable)
    async def bad_request(request: Request, exc: Exception) -> JSONResponse:
        """A request the server cannot compile, or a stored file it cannot read: the client's to fix."""
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal error; the server log has the details"}, status_code=500)

    app.add_middleware(Redact)  # inside the guard: its own answers name no paths
    app.add_middleware(Guard, tokens=settings.tokens, max_body=settings.max_upload_bytes)
    return app

"""``pipeline serve``: start the HTTP server (the original media API plus the native job API).

Registered under the ``pipeline.commands`` entry-point group as ``serve = "pipeline.apps.serve.cli:register"``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from pipeline.apps.serve.settings import Settings, tokens_from_env


def settings_from(args: argparse.Namespace) -> Settings:
    cache = getattr(args, "cache_dir", None)
    return Settings(
        storage=Path(args.storage), cache_dir=Path(cache) if cache else None,
        executor=args.executor or os.environ.get("PIPELINE_EXECUTOR", "local"), workers=args.workers,
        queue_size=args.queue_size, max_upload_bytes=int(args.max_upload_mb * 2**20),
        storage_ttl_seconds=args.storage_ttl_minutes * 60, allow_url_fetch=args.allow_url_fetch,
        allow_private_urls=args.allow_private_urls, url_max_bytes=int(args.url_max_mb * 2**20),
        url_timeout_seconds=args.url_timeout, voices=tuple(v.strip() for v in args.voices.split(",") if v.strip()),
        tokens=tokens_from_env())


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from nodes.tts.fallback import ENGINES
    from pipeline import PipelineError, make_executor
    from pipeline.apps.serve.app import create_app

    settings = settings_from(args)
    try:
        make_executor(settings.executor)  # a misspelt executor stops the server now, not every job later
    except PipelineError as exc:
        print(f"error: --executor: {exc}", file=sys.stderr)
        return 2
    unknown = [v for v in settings.voices if v not in ENGINES]
    if unknown or not settings.voices:
        print(f"error: --voices: unknown engine(s) {', '.join(unknown) or '(none given)'}; engines are: "
              f"{', '.join(ENGINES)}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    auth = f"token auth on ({len(settings.tokens)} token(s))" if settings.tokens else "no auth (AUTH_TOKENS unset)"
    logging.getLogger("pipeline.serve").info("serving on http://%s:%d, storage %s, %s", args.host, args.port,
                                             settings.storage.resolve(), auth)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info",
                timeout_graceful_shutdown=5)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="serve the media server's HTTP API (and the native job API)",
                       description="Serve the original media server's HTTP API under /api/v1/media and the native "
                                   "job API under /api/v1/jobs; OpenAPI at /docs. Auth: set AUTH_TOKENS "
                                   "(comma-separated) in the environment.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="jobs that run at once (default 1)")
    p.add_argument("--queue-size", type=int, default=16, help="jobs waiting or running before 429 (default 16)")
    p.add_argument("--storage", default="media", help="folder for uploads, results and job state (default ./media)")
    p.add_argument("--storage-ttl-minutes", type=float, default=30.0,
                   help="delete files and finished jobs older than this (default 30; 0 keeps them)")
    p.add_argument("--max-upload-mb", type=float, default=512.0, help="largest request body (default 512)")
    p.add_argument("--allow-url-fetch", action="store_true", help="let POST storage download a `url` "
                                                                  "(public http/https addresses only)")
    p.add_argument("--allow-private-urls", action="store_true",
                   help="with --allow-url-fetch, also loopback and private addresses (trusted networks only)")
    p.add_argument("--url-max-mb", type=float, default=200.0, help="largest URL download (default 200)")
    p.add_argument("--url-timeout", type=float, default=30.0, help="seconds for a URL download (default 30)")
    p.add_argument("--voices", default="kokoro,piper", help="speech engine chain for Kokoro requests "
                                                            "(default kokoro,piper)")
    p.add_argument("--executor", help="local (default), dask, or dask://HOST:PORT; or $PIPELINE_EXECUTOR")
    p.add_argument("--cache-dir", default=argparse.SUPPRESS, help="the engine's cache folder")
    p.set_defaults(fn=cmd_serve)

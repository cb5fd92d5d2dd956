"""The server's settings: one validated model built from the command line and the environment."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

ENV_TOKENS = "AUTH_TOKENS"  # the original server's variable: comma-separated tokens, empty = no auth
API_VERSION = "0.3.5"  # the original API this server answers for


class Settings(BaseModel):
    """Everything a running server needs to know; tokens come only from the environment (never argv,
    which other users of the machine can read)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    storage: Path = Field(Path("media"), description="Where uploads, results and job state live.")
    cache_dir: Path | None = Field(None, description="The engine's cache (default: $PIPELINE_CACHE_DIR or ./cache).")
    executor: str = Field("local", description="local, dask or dask://HOST:PORT: where the jobs' nodes run.")
    workers: int = Field(1, ge=1, le=64, description="Jobs running at once.")
    queue_size: int = Field(16, ge=1, le=10_000, description="Jobs waiting or running before 429.")
    max_upload_bytes: int = Field(512 * 2**20, ge=1, description="Largest request body.")
    storage_ttl_seconds: float = Field(1800.0, ge=0, description="Files and finished jobs older than this are "
                                                                 "deleted; 0 keeps them.")
    allow_url_fetch: bool = Field(False, description="Let POST storage download a `url`.")
    allow_private_urls: bool = Field(False, description="Also let it reach loopback and private addresses "
                                                        "(tests, trusted networks only).")
    url_max_bytes: int = Field(200 * 2**20, ge=1)
    url_timeout_seconds: float = Field(30.0, gt=0)
    voices: tuple[str, ...] = Field(("kokoro", "piper"), description="The speech engine chain for Kokoro "
                                                                     "requests.")
    tokens: tuple[str, ...] = Field((), repr=False, description="Accepted Authorization tokens; none = open.")


def tokens_from_env() -> tuple[str, ...]:
    raw = os.environ.get(ENV_TOKENS, "")
    return tuple(t.strip() for t in raw.split(",") if t.strip())

"""Cache keys and result records.

The key of a node run is the SHA-256 of a canonical *manifest*: cache-format version, node type,
implementation version, canonical params (minus fields that do not change the output), the content
digests of its inputs (never upstream keys, so an upstream rerun that produces identical bytes stops the
cascade), and the fingerprints of the tools it declares. The record stores the manifest itself, so that
``plan`` can say which part changed.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipeline.cache.digest import json_digest

CACHE_FORMAT = 1


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: int = CACHE_FORMAT
    node_type: str
    version: str
    params: dict[str, Any]
    inputs: dict[str, list[str]] = Field(description="Input port -> content digests, in order.")
    tools: dict[str, str] = {}
    env: dict[str, str] = {}

    def key(self) -> str:
        return json_digest(self.model_dump(mode="json"))


class OutputRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    digest: str
    size: int


class ResultRecord(BaseModel):
    """What one successful node run produced, and under which manifest."""

    model_config = ConfigDict(extra="forbid")

    key: str
    manifest: Manifest
    outputs: dict[str, OutputRef]
    seconds: float
    created_at: float = Field(default_factory=time.time)
    # A node that split itself into steps (``NodeType.split``): its parts' keys, used and kept with it, so
    # that after a rerun that finds the node whole, an edit still finds the parts it leaves alone.
    parts: list[str] = Field(default_factory=list)

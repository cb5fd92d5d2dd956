"""Finding an engine's weights on this machine: a directory the user names, else the Hugging Face cache.

Nothing is downloaded unless the user allows it (``allow_download``), and even then the hub's own offline
switch (``HF_HUB_OFFLINE=1``) wins. Lookups in the cache never touch the network.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


class WeightsNotFound(Exception):
    """Where the weights were looked for, for the user."""


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def find_file(repo: str, filename: str, directory: Path | None, allow_download: bool) -> Path:
    """``filename`` of the model ``repo``: from ``directory`` if given, else the hub cache, else (when
    allowed and not offline) downloaded into the cache."""
    if directory is not None:
        path = directory / filename
        if path.is_file():
            return path
        raise WeightsNotFound(f"{path} not found")
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError as exc:
        raise WeightsNotFound("huggingface_hub is not installed and no weights directory was given") from exc
    cached = try_to_load_from_cache(repo_id=repo, filename=filename)
    if isinstance(cached, str) and Path(cached).is_file():
        return Path(cached)
    if allow_download and not hub_offline():
        from huggingface_hub import hf_hub_download

        return Path(hf_hub_download(repo_id=repo, filename=filename))
    why = "HF_HUB_OFFLINE is set" if allow_download else "downloads are off (allow_download: true turns them on)"
    raise WeightsNotFound(f"{repo}/{filename} is not in the Hugging Face cache and {why}")


def weights_problem(directory: Path | None, allow_download: bool, find: Callable[[], object]) -> str | None:
    """Why an engine's weights cannot be had here, or None: on disk (``find`` succeeds), or a download
    the user allowed and the environment does not forbid."""
    if allow_download and not hub_offline() and directory is None:
        return None
    try:
        find()
    except WeightsNotFound as exc:
        return f"no weights: {exc}"
    return None

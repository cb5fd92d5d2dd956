from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cache import Cache
from pipeline.registry import register
from tests.pipeline import fakes


@pytest.fixture(autouse=True)
def fake_nodes() -> None:
    for cls in fakes.ALL:
        register(cls)
    fakes.RUNS.clear()


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    c = Cache(tmp_path / "cache")
    yield c
    c.close()


@pytest.fixture
def write_recipe(tmp_path: Path):
    def write(text: str, name: str = "recipe.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write

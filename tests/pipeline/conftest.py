from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import registry
from pipeline.cache import Cache
from tests.pipeline import fakes


@pytest.fixture(autouse=True)
def fake_nodes() -> Iterator[None]:
    """The fake node types for this test, and the registry as it was afterwards: a fake must not shadow
    a real node type of the same name (``join``) in the tests that run after it."""
    shadowed = {cls.name: registry.node_types().get(cls.name) for cls in fakes.ALL}
    for cls in fakes.ALL:
        registry.register(cls)
    fakes.RUNS.clear()
    fakes.SPLIT_ASKED.clear()
    yield
    with registry._lock:
        assert registry._types is not None
        for name, previous in shadowed.items():
            if previous is None:
                registry._types.pop(name, None)
            else:
                registry._types[name] = previous


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

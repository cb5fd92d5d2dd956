"""A cache shared by several machines: blobs and records in a shared folder or an fsspec store, each
machine with its own index (SQLite is never shared)."""

from __future__ import annotations

from pipeline.cache import Cache, maintenance
from pipeline.recipe.load import load_recipe
from pipeline.run import run_pipeline
from tests.pipeline import fakes
from tests.pipeline.test_run import RECIPE


def test_second_machine_reuses_the_first_machines_results(write_recipe, tmp_path):
    path = write_recipe(RECIPE)
    shared = tmp_path / "shared-store"
    machine_a = Cache(tmp_path / "a", blob_store=shared)
    run_pipeline(load_recipe(path), machine_a)
    fakes.RUNS.clear()
    machine_b = Cache(tmp_path / "b", blob_store=shared)  # its own, empty index
    summary = run_pipeline(load_recipe(path), machine_b)
    assert summary.ran == [] and fakes.RUNS == []
    assert not (tmp_path / "b" / "blobs").exists() or not any((tmp_path / "b" / "blobs").iterdir())
    assert (tmp_path / "out" / "both.txt").read_text() == "Hello world"


def test_fsspec_store(write_recipe, tmp_path):
    path = write_recipe(RECIPE)
    cache = Cache(tmp_path / "c", blob_store="memory://pipeline-test-store")
    try:
        run_pipeline(load_recipe(path), cache)
        assert (tmp_path / "out" / "both.txt").read_text() == "Hello world"
        fakes.RUNS.clear()
        other = Cache(tmp_path / "d", blob_store="memory://pipeline-test-store")
        assert run_pipeline(load_recipe(path), other).ran == []
        assert maintenance.verify(other).damaged == []
        assert maintenance.usage(other).blobs == 3
    finally:
        cache.blobs.clear()

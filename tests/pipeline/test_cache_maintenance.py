"""du, gc (LRU, age, pins), verify and clear."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pipeline.cache import maintenance as m
from pipeline.cli import main
from pipeline.plan import plan
from pipeline.recipe.load import load_recipe
from pipeline.run import run_pipeline
from tests.pipeline.test_run import RECIPE


def age_blobs(cache, seconds: float) -> None:
    for sub in cache.blobs.root.iterdir():
        for blob in sub.iterdir():
            t = time.time() - seconds
            os.utime(blob, (t, t))


def test_du_counts_blobs_records_and_pins(write_recipe, cache):
    run_pipeline(load_recipe(write_recipe(RECIPE)), cache)
    u = m.usage(cache)
    assert u.blobs == 3 and u.records == 3
    assert u.blob_bytes == len("Hello") + len("world") + len("Hello world")
    assert u.pinned_bytes == u.blob_bytes
    assert set(u.by_node_type) == {"text", "norm", "join"}


def test_gc_keeps_pinned_results_and_evicts_old_variants(write_recipe, cache):
    path = write_recipe(RECIPE)
    run_pipeline(load_recipe(path), cache)
    path.write_text(RECIPE.replace("Hello", "Howdy"))
    run_pipeline(load_recipe(path), cache)  # now the Hello variant is unpinned
    age_blobs(cache, 3600)
    report = m.gc(cache, max_bytes=0)
    assert report.records_dropped == 2 and report.blobs_deleted == 2
    assert all(p.action == "skip" for p in plan(load_recipe(path), cache))
    path.write_text(RECIPE)
    runs = {p.node: p.action for p in plan(load_recipe(path), cache)}
    assert runs == {"hello": "run", "world": "skip", "both": "run"}


def test_gc_by_age_uses_last_use(write_recipe, cache):
    path = write_recipe(RECIPE)
    run_pipeline(load_recipe(path), cache)
    path.write_text(RECIPE.replace("Hello", "Howdy"))
    run_pipeline(load_recipe(path), cache)
    age_blobs(cache, 3600)
    assert m.gc(cache, max_age_seconds=3600, now=time.time() + 7200).records_dropped == 2
    assert m.gc(cache).records_dropped == 0


def test_gc_spares_young_unreferenced_blobs(write_recipe, cache):
    run_pipeline(load_recipe(write_recipe(RECIPE)), cache)
    cache.index.clear()  # records gone, blobs left: as if a run were still writing
    assert m.gc(cache).blobs_deleted == 0
    age_blobs(cache, 3600)
    assert m.gc(cache).blobs_deleted == 3


def test_verify_finds_and_drops_a_damaged_blob(write_recipe, cache):
    path = write_recipe(RECIPE)
    run_pipeline(load_recipe(path), cache)
    hello = next(p for p in plan(load_recipe(path), cache) if p.node == "hello")
    blob = cache.blobs.path(hello.record.outputs["out"].digest)
    blob.write_bytes(b"Jello")
    report = m.verify(cache)
    assert report.blobs_checked == 3 and len(report.damaged) == 1 and report.records_dropped == 1
    assert m.verify(cache).damaged == []
    assert {p.node: p.action for p in plan(load_recipe(path), cache)}["hello"] == "run"


def test_cache_commands(write_recipe, tmp_path, capsys):
    path = write_recipe(RECIPE)
    cache = ["--cache-dir", str(tmp_path / "c")]
    assert main([*cache, "run", "-q", str(path)]) == 0
    assert main([*cache, "cache", "du"]) == 0
    assert "records   3" in capsys.readouterr().out
    assert main([*cache, "cache", "verify"]) == 0
    assert main([*cache, "cache", "gc", "--max-size", "lots"]) == 2
    assert main([*cache, "cache", "gc", "--max-size", "1G", "--max-age", "30d"]) == 0
    assert main([*cache, "cache", "clear"]) == 0
    assert main([*cache, "plan", "--check", str(path)]) == 1


def test_parse_size_and_age():
    assert m.parse_size("10G") == 10 << 30 and m.parse_size("500MB") == 500 << 20 and m.parse_size("12") == 12
    assert m.parse_age("30d") == 30 * 86400 and m.parse_age("90m") == 5400 and m.parse_age("5") == 5


def test_clear_refuses_a_folder_that_is_not_a_cache(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "photos"
    (folder / "blobs" / "x").mkdir(parents=True)
    (folder / "blobs" / "x" / "keep.jpg").write_bytes(b"mine")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    assert main(["--cache-dir", str(folder), "cache", "clear"]) == 2
    err = capsys.readouterr().err
    assert "does not look like a pipeline cache: it holds notes.txt and no index/" in err and "fix: " in err
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before  # nothing deleted or made


def test_a_cache_dir_that_is_a_file_is_exit_2_with_a_fix(tmp_path: Path, capsys) -> None:
    (tmp_path / "f").write_text("mine", encoding="utf-8")
    for folder, phrase in ((tmp_path / "f", "is a file, not a folder"), (tmp_path / "f" / "sub", "a file stands")):
        assert main(["--cache-dir", str(folder), "cache", "du"]) == 2
        err = capsys.readouterr().err
        assert phrase in err and "fix: " in err and "Errno" not in err
    assert (tmp_path / "f").read_text(encoding="utf-8") == "mine"


def test_the_projects_own_cache_folder_of_a_fresh_clone_is_accepted(tmp_path: Path, capsys) -> None:
    """A fresh clone's cache/ holds only its .gitignore: the quick start's first run uses it."""
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / ".gitignore").write_text("*\n!.gitignore\n", encoding="utf-8")
    assert main(["--cache-dir", str(tmp_path / "cache"), "cache", "du"]) == 0
    assert (tmp_path / "cache" / "index").is_dir()


def test_a_cache_and_a_new_folder_are_both_accepted(tmp_path: Path, capsys) -> None:
    assert main(["--cache-dir", str(tmp_path / "c"), "cache", "du"]) == 0  # made
    assert main(["--cache-dir", str(tmp_path / "c"), "cache", "clear"]) == 0  # now a cache
    (tmp_path / "c" / "index").rename(tmp_path / "c" / "gone")
    (tmp_path / "c" / "gone").rename(tmp_path / "elsewhere")  # its index removed by hand: still a cache
    assert main(["--cache-dir", str(tmp_path / "c"), "cache", "du"]) == 0

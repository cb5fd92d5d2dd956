"""Running recipes of fake text nodes: caching, reruns, explanations, early cutoff, failures."""

from __future__ import annotations

import importlib
import threading
from pathlib import Path

import pytest

from pipeline.cache import Cache
from pipeline.errors import NodeFailed
from pipeline.plan import plan
from pipeline.recipe.load import load_recipe
from pipeline.run import run_pipeline
from tests.pipeline import fakes

RECIPE = """\
version: 1
steps:
  hello: {type: text, text: Hello}
  world: {type: norm, text: World}
  both:
    type: join
    parts:
      - ${hello.out}
      - ${world.out}
outputs:
  out/both.txt: ${both.out}
"""


def test_first_run_runs_everything_and_publishes(write_recipe, cache, tmp_path):
    recipe = load_recipe(write_recipe(RECIPE))
    summary = run_pipeline(recipe, cache)
    assert sorted(summary.ran) == ["both", "hello", "world"]
    assert (tmp_path / "out" / "both.txt").read_text() == "Hello world"


def test_rerun_of_unchanged_recipe_runs_nothing(write_recipe, cache):
    path = write_recipe(RECIPE)
    run_pipeline(load_recipe(path), cache)
    fakes.RUNS.clear()
    summary = run_pipeline(load_recipe(path), cache)
    assert summary.ran == [] and fakes.RUNS == []
    assert sorted(summary.cached) == ["both", "hello", "world"]
    assert all(p.action == "skip" for p in plan(load_recipe(path), cache))


def test_edit_reruns_only_what_it_touches_and_says_why(write_recipe, cache):
    path = write_recipe(RECIPE)
    run_pipeline(load_recipe(path), cache)
    path.write_text(RECIPE.replace("text: Hello", "text: Howdy"))
    plans = {p.node: p for p in plan(load_recipe(path), cache)}
    assert plans["world"].action == "skip"
    assert plans["hello"].action == "run"
    assert plans["hello"].reasons == ["param 'text' changed: 'Hello' -> 'Howdy'"]
    assert plans["both"].action == "run" and plans["both"].reasons == ["upstream 'hello' will run"]
    assert plans["both"].root_causes == ["hello"]
    fakes.RUNS.clear()
    summary = run_pipeline(load_recipe(path), cache)
    assert sorted(summary.ran) == ["both", "hello"]


def test_identical_upstream_output_stops_the_cascade(write_recipe, cache):
    path = write_recipe(RECIPE)
    run_pipeline(load_recipe(path), cache)
    path.write_text(RECIPE.replace("text: World", "text: '  WORLD '"))
    fakes.RUNS.clear()
    summary = run_pipeline(load_recipe(path), cache)
    assert summary.ran == ["world"]  # new params, same bytes out
    assert "both" in summary.cached


def test_source_file_edit_is_explained(write_recipe, cache, tmp_path):
    (tmp_path / "part.txt").write_text("one")
    path = write_recipe("version: 1\nsteps:\n  j:\n    type: join\n    parts: [part.txt]\n"
                        "outputs:\n  out/j.txt: ${j.out}\n")
    run_pipeline(load_recipe(path), cache)
    (tmp_path / "part.txt").write_text("two")
    [p] = plan(load_recipe(path), cache)
    assert p.action == "run" and p.reasons == ["input 'parts' changed: file part.txt has new content"]
    run_pipeline(load_recipe(path), cache)
    assert (tmp_path / "out" / "j.txt").read_text() == "two"


def test_identical_work_in_two_steps_is_cached_once(write_recipe, cache):
    path = write_recipe("version: 1\nsteps:\n  a: {type: text, text: same}\n  b: {type: text, text: same}\n"
                        "outputs:\n  out/a.txt: ${a.out}\n  out/b.txt: ${b.out}\n")
    summary = run_pipeline(load_recipe(path), cache)
    assert len(fakes.RUNS) == 1 and sorted(summary.ran + summary.cached) == ["a", "b"]


def test_damaged_blob_is_a_miss_and_is_recomputed(write_recipe, cache, tmp_path):
    path = write_recipe(RECIPE)
    run_pipeline(load_recipe(path), cache)
    hello = next(p for p in plan(load_recipe(path), cache) if p.node == "hello")
    blob = cache.blobs.path(hello.record.outputs["out"].digest)
    blob.write_text("Hellx!")  # size changes: detected without re-hashing
    plans = {p.node: p for p in plan(load_recipe(path), cache)}
    assert plans["hello"].reasons == ["cached output is missing or damaged"]
    run_pipeline(load_recipe(path), cache)
    assert (tmp_path / "out" / "both.txt").read_text() == "Hello world"


def test_bad_input_fails_with_location_and_keeps_earlier_output(write_recipe, cache, tmp_path):
    path = write_recipe(RECIPE)
    run_pipeline(load_recipe(path), cache)
    path.write_text(RECIPE.replace("text: Hello", "text: '  '"))
    with pytest.raises(NodeFailed) as info:
        run_pipeline(load_recipe(path), cache)
    error = info.value
    assert error.exit_code == 2 and error.field == "text"
    assert f"{path}:3:" in str(error) and "the text is empty" in str(error) and "fix: write something" in str(error)
    assert (tmp_path / "out" / "both.txt").read_text() == "Hello world"
    assert list((cache.root / "tmp").iterdir()) == []


def test_two_runs_at_once_compute_each_node_once(write_recipe, tmp_path):
    path = write_recipe(RECIPE.replace("text: Hello}", "text: Hello, delay: 0.3}"))
    results = []

    def one_run() -> None:
        cache = Cache(tmp_path / "shared-cache")
        results.append(run_pipeline(load_recipe(path), cache))
        cache.close()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2
    assert sorted(fakes.RUNS) == ["both", "hello", "world"]
    assert (tmp_path / "out" / "both.txt").read_text() == "Hello world"


def test_output_inside_cache_folder_is_refused(write_recipe, tmp_path):
    from pipeline.errors import RecipeError

    path = write_recipe(RECIPE.replace("out/both.txt", "cache/both.txt"))
    with pytest.raises(RecipeError) as info:
        run_pipeline(load_recipe(path), Cache(tmp_path / "cache"))
    assert "inside the cache folder" in str(info.value)


def test_forced_node_reruns(write_recipe, cache):
    path = write_recipe(RECIPE)
    run_pipeline(load_recipe(path), cache)
    fakes.RUNS.clear()
    summary = run_pipeline(load_recipe(path), cache, force=frozenset({"world"}))
    assert summary.ran == ["world"] and fakes.RUNS == ["world"]


def test_stat_cache_does_not_trust_fresh_mtimes(cache, tmp_path: Path):
    f = tmp_path / "f.txt"
    f.write_text("a")
    first = cache.stat.digest(f)
    f.write_text("b")  # same size, mtime within the racy window
    assert cache.stat.digest(f) != first


def test_flipped_byte_in_a_cached_output_is_detected_and_recomputed(write_recipe, cache, tmp_path):
    path = write_recipe(RECIPE)
    run_pipeline(load_recipe(path), cache)
    both = next(p for p in plan(load_recipe(path), cache) if p.node == "both")
    blob = cache.blobs.path(both.record.outputs["out"].digest)
    data = bytearray(blob.read_bytes())
    data[0] ^= 0x01  # same size: only the checksum can tell
    blob.write_bytes(bytes(data))
    plans = {p.node: p for p in plan(load_recipe(path), cache)}
    assert plans["both"].action == "run"
    assert "checksum mismatch" in plans["both"].reasons[0]
    fakes.RUNS.clear()
    run_pipeline(load_recipe(path), cache)
    assert fakes.RUNS == ["both"]
    assert (tmp_path / "out" / "both.txt").read_text() == "Hello world"


FAILING = """\
version: 1
steps:
  bad: {type: text, text: ' ', delay: 0.2}
  good: {type: text, text: fine, delay: 0.4}
  after_bad: {type: join, parts: ['${bad.out}']}
  after_good: {type: join, parts: ['${good.out}']}
outputs:
  out/a.txt: ${after_bad.out}
  out/b.txt: ${after_good.out}
"""


def test_keep_going_runs_everything_not_downstream_of_a_failure(write_recipe, cache, tmp_path):
    path = write_recipe(FAILING)
    with pytest.raises(NodeFailed):
        run_pipeline(load_recipe(path), cache, keep_going=True)
    assert sorted(fakes.RUNS) == ["after_good", "bad", "good"]
    assert not (tmp_path / "out").exists()  # nothing published from a failed run


def test_fail_fast_starts_nothing_new_after_a_failure(write_recipe, cache):
    path = write_recipe(FAILING)
    with pytest.raises(NodeFailed):
        run_pipeline(load_recipe(path), cache)
    assert "after_good" not in fakes.RUNS and "after_bad" not in fakes.RUNS
    # what finished is cached: the next run resumes from it
    plans = {p.node: p.action for p in plan(load_recipe(path), cache)}
    assert plans["good"] == "skip"


def test_declared_environment_enters_the_key(write_recipe, cache, monkeypatch):
    path = write_recipe(RECIPE)
    monkeypatch.delenv("FAKE_NORM_MODE", raising=False)
    run_pipeline(load_recipe(path), cache)
    monkeypatch.setenv("UNDECLARED_VARIABLE", "x")
    assert all(p.action == "skip" for p in plan(load_recipe(path), cache))
    monkeypatch.setenv("FAKE_NORM_MODE", "strict")
    plans = {p.node: p for p in plan(load_recipe(path), cache)}
    assert plans["world"].reasons == ["environment variable FAKE_NORM_MODE changed: '' -> 'strict'"]
    assert plans["hello"].action == "skip"


def test_source_edited_while_the_node_runs_is_not_recorded(write_recipe, cache, tmp_path, monkeypatch):
    (tmp_path / "part.txt").write_text("one")
    path = write_recipe("version: 1\nsteps:\n  j:\n    type: join\n    parts: [part.txt]\n"
                        "outputs:\n  out/j.txt: ${j.out}\n")
    real_run = fakes.Join.run

    def run_and_edit(self, ctx, params, inputs):
        real_run(self, ctx, params, inputs)
        (tmp_path / "part.txt").write_text("two, saved while the node ran")

    monkeypatch.setattr(fakes.Join, "run", run_and_edit)
    with pytest.raises(NodeFailed) as info:
        run_pipeline(load_recipe(path), cache)
    assert "changed while the node ran" in str(info.value)
    monkeypatch.setattr(fakes.Join, "run", real_run)
    [p] = plan(load_recipe(path), cache)
    assert p.action == "run"  # nothing was cached for the old content
    run_pipeline(load_recipe(path), cache)
    assert (tmp_path / "out" / "j.txt").read_text() == "two, saved while the node ran"


def test_a_node_type_sizes_each_run_from_its_params(write_recipe, cache, monkeypatch):
    """``resources_for`` (a GPU voice takes the GPU slot, Piper does not) decides what the executor is
    asked for and the device the run is given, per step."""
    from pipeline.executor import LocalExecutor, Slots
    from pipeline.node import Resources

    monkeypatch.setattr(fakes.Text, "resources_for",
                        lambda self, params: Resources(cpu=1, gpu=1) if "gpu" in params.text else self.resources)
    asked: dict[str, Resources] = {}
    devices: dict[str, str] = {}

    class Recording(LocalExecutor):
        def submit(self, key, fn, *args, resources):
            step, job = args[0], args[3]
            asked[step.name], devices[step.name] = resources, job.device
            return super().submit(key, fn, *args, resources=resources)

    monkeypatch.setattr(importlib.import_module("pipeline.run"), "detect_device", lambda: "cuda")
    path = write_recipe(RECIPE.replace("text: Hello", "text: gpu hello"))
    executor = Recording(Slots(cpu=2, gpu=1))
    try:
        run_pipeline(load_recipe(path), cache, executor=executor)
    finally:
        executor.close()
    assert asked["hello"] == Resources(cpu=1, gpu=1) and devices["hello"] == "cuda"
    assert asked["world"] == fakes.Norm.resources and devices["world"] == "cpu"


def test_an_empty_optional_output_is_not_published_and_an_earlier_one_is_removed(write_recipe, cache, tmp_path):
    """Players reject an empty subtitle file: an optional output with nothing in it is not written, and the
    file an earlier run wrote there goes, so it does not stand beside outputs it no longer belongs to."""
    text = "version: 1\nsteps:\n  n: {type: notes, text: 'TEXT'}\noutputs:\n  out/n.txt: ${n.out}\n" \
           "  out/tags.txt: ${n.tags}\n"
    first = run_pipeline(load_recipe(write_recipe(text.replace("TEXT", "hello #world"))), cache)
    assert (tmp_path / "out" / "tags.txt").read_text() == "#world" and first.empty == []
    second = run_pipeline(load_recipe(write_recipe(text.replace("TEXT", "hello world"))), cache)
    assert (tmp_path / "out" / "n.txt").read_text() == "hello world"
    assert not (tmp_path / "out" / "tags.txt").exists()
    assert second.empty == [str(tmp_path / "out" / "tags.txt")]
    assert second.outputs == [str(tmp_path / "out" / "n.txt")]
    again = run_pipeline(load_recipe(write_recipe(text.replace("TEXT", "hello world"))), cache)
    assert again.ran == [] and again.empty == second.empty  # cached: still nothing to write


def test_a_failed_node_never_sets_the_callers_cancel(write_recipe, cache) -> None:
    """The caller's cancel event is only read: a run that failed must not look cancelled to it (a server
    reported jobs with a failed node as cancelled by their user)."""
    path = write_recipe("version: 1\nsteps:\n  bad: {type: text, text: '  '}\n"
                        "  slow: {type: text, text: slow, delay: 0.3}\n"
                        "outputs:\n  out/bad.txt: ${bad.out}\n  out/slow.txt: ${slow.out}\n")
    cancel = threading.Event()
    with pytest.raises(NodeFailed, match="the text is empty"):
        run_pipeline(load_recipe(path), cache, cancel=cancel)
    assert not cancel.is_set()


def test_an_output_that_cannot_be_written_at_publish_is_exit_2_and_keeps_the_results(write_recipe, cache, tmp_path):
    from pipeline.run import OutputUnwritable

    recipe = load_recipe(write_recipe(RECIPE))
    (tmp_path / "out").write_text("a file where the output folder goes", encoding="utf-8")  # after the checks
    with pytest.raises(OutputUnwritable) as info:
        run_pipeline(recipe, cache)
    assert info.value.exit_code == 2 and str(tmp_path / "out") in str(info.value) and "fix: " in str(info.value)
    (tmp_path / "out").unlink()
    assert run_pipeline(load_recipe(write_recipe(RECIPE)), cache).ran == []  # the work was kept

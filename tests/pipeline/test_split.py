"""Nodes that split themselves when they run: their parts are steps of their own, cached one by one, and
the node is cached whole under its own key."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from pipeline.cache import Cache
from pipeline.errors import EXIT_BAD_INPUT, NodeFailed
from pipeline.executor.local import LocalExecutor, Slots
from pipeline.node import From, Part, Split
from pipeline.plan import plan
from pipeline.progress import Reporter
from pipeline.recipe.load import load_recipe
from pipeline.run import run_pipeline
from pipeline.split import BadSplit, expand
from tests.pipeline import fakes

RECIPE = """\
version: 1
steps:
  src: {type: text, text: TEXT}
  words: {type: words, src: "${src.out}", sep: "-"}
  shout: {type: norm, text: unrelated}
  final: {type: join, parts: ["${words.out}", "${shout.out}"]}
outputs:
  out/words.txt: ${words.out}
  out/final.txt: ${final.out}
"""

PARTS = ["words.w1", "words.w2", "words.w3", "words.all"]


def _recipe(write_recipe, text: str) -> Path:
    return write_recipe(RECIPE.replace("TEXT", text))


def test_a_node_runs_as_its_parts_and_is_then_cached_whole(write_recipe, cache: Cache, tmp_path: Path) -> None:
    path = _recipe(write_recipe, "alpha beta gamma")
    shown = io.StringIO()
    summary = run_pipeline(load_recipe(path), cache, reporter=Reporter(stream=shown))
    assert (tmp_path / "out" / "words.txt").read_text() == "alpha-beta-gamma"
    assert (tmp_path / "out" / "final.txt").read_text() == "alpha-beta-gamma unrelated"
    assert set(PARTS) <= set(summary.ran) and "words" in summary.ran
    assert "words" not in fakes.RUNS  # the node itself never ran: its parts did
    assert "  split  words into 4 parts (words.w1 … words.all)" in shown.getvalue().splitlines()
    fakes.RUNS.clear()
    again = run_pipeline(load_recipe(path), cache)
    assert again.ran == [] and fakes.RUNS == []
    assert "words" in again.cached and not set(PARTS) & set(again.cached)  # not split again
    assert all(p.action == "skip" for p in plan(load_recipe(path), cache))


def test_an_edit_reruns_only_the_parts_it_changes(write_recipe, cache: Cache, tmp_path: Path) -> None:
    run_pipeline(load_recipe(_recipe(write_recipe, "alpha beta gamma")), cache)
    fakes.RUNS.clear()
    summary = run_pipeline(load_recipe(_recipe(write_recipe, "alpha beta delta")), cache)
    assert {"words.w1", "words.w2"} <= set(summary.cached)
    assert {"words.w3", "words.all", "words"} <= set(summary.ran)
    assert "words.w1" not in fakes.RUNS and "words.w3" in fakes.RUNS
    assert (tmp_path / "out" / "words.txt").read_text() == "alpha-beta-delta"


def test_one_word_runs_as_one_node(write_recipe, cache: Cache, tmp_path: Path) -> None:
    summary = run_pipeline(load_recipe(_recipe(write_recipe, "alone")), cache)
    assert "words" in fakes.RUNS and not [n for n in summary.ran if n.startswith("words.")]
    assert (tmp_path / "out" / "words.txt").read_text() == "alone"


def test_a_node_that_runs_whole_is_asked_once_and_one_that_never_splits_not_at_all(
        write_recipe, cache: Cache) -> None:
    # six one-word nodes wait for one slot; the scheduler passes over them after every finish, and asking
    # fetches a node's inputs to a scratch folder (a scene's 300 segments made that quadratic)
    nodes = "".join(f"  w{i}: {{type: words, src: \"${{src.out}}\", sep: \"{i}\"}}\n" for i in range(6))
    path = write_recipe("version: 1\nsteps:\n  src: {type: text, text: alone}\n" + nodes
                        + "  never: {type: words, src: \"${src.out}\", sep: never}\n"
                        + "outputs:\n" + "".join(f"  out/w{i}.txt: ${{w{i}.out}}\n" for i in range(6))
                        + "  out/never.txt: ${never.out}\n")
    executor = LocalExecutor(Slots(cpu=1))
    try:
        summary = run_pipeline(load_recipe(path), cache, executor=executor)
    finally:
        executor.close()
    assert {f"w{i}" for i in range(6)} | {"never"} <= set(summary.ran)
    assert fakes.SPLIT_ASKED == ["alone"] * 6


def test_a_failing_part_fails_its_node_and_what_reads_it(write_recipe, cache: Cache, tmp_path: Path) -> None:
    path = _recipe(write_recipe, "alpha EMPTY gamma")
    with pytest.raises(NodeFailed) as caught:
        run_pipeline(load_recipe(path), cache, keep_going=True)
    text = str(caught.value)
    assert "node 'words.w2'" in text and "the text is empty" in text
    assert f"{path}:4:" in text  # the line of the node it is a part of
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert "final" not in fakes.RUNS and "shout" in fakes.RUNS  # keep going: what does not read it ran
    assert not (tmp_path / "out" / "final.txt").exists()


def test_a_split_that_cannot_run_is_said_to_be_a_bug(write_recipe, cache: Cache) -> None:
    with pytest.raises(NodeFailed) as caught:
        run_pipeline(load_recipe(_recipe(write_recipe, "alpha BROKEN")), cache)
    assert "unknown node type 'no_such_type'" in str(caught.value)
    assert "a bug in the node type" in str(caught.value)


def test_refresh_of_a_split_node_recomputes_its_parts(write_recipe, cache: Cache) -> None:
    path = _recipe(write_recipe, "alpha beta gamma")
    run_pipeline(load_recipe(path), cache)
    fakes.RUNS.clear()
    summary = run_pipeline(load_recipe(path), cache, force=frozenset({"words"}))
    assert set(PARTS) <= set(fakes.RUNS) and "words" in summary.ran
    assert "src" not in fakes.RUNS


def test_a_batch_row_whose_part_fails_says_what_failed(tmp_path: Path, cache: Cache) -> None:
    from pipeline.batch import run_batch

    recipe = tmp_path / "template.yaml"
    recipe.write_text(RECIPE.replace("TEXT", "'${words}'").replace("out/words.txt", "out/${name}.txt")
                      .replace("out/final.txt", "out/${name}-final.txt"))
    rows = tmp_path / "rows.csv"
    rows.write_text("name,words\none,alpha beta\ntwo,alpha EMPTY\n")
    result = run_batch(recipe, rows, cache)
    assert result.rendered == [1] and list(result.failed) == [2]
    assert "rows.csv:3" in result.failed[2] and "the text is empty" in result.failed[2]
    assert (tmp_path / "out" / "one.txt").read_text() == "alpha-beta"


def test_the_parts_are_kept_and_used_with_their_node(write_recipe, cache: Cache) -> None:
    """A rerun finds the node whole and touches no part; the recipe's pins still hold the parts, so a gc
    down to nothing unpinned keeps them and a later edit finds the ones it leaves alone."""
    from pipeline.cache import maintenance

    path = _recipe(write_recipe, "alpha beta gamma")
    run_pipeline(load_recipe(path), cache)
    assert run_pipeline(load_recipe(path), cache).ran == []
    maintenance.gc(cache, max_bytes=0)
    fakes.RUNS.clear()
    summary = run_pipeline(load_recipe(_recipe(write_recipe, "alpha beta delta")), cache)
    assert {"words.w1", "words.w2"} <= set(summary.cached) and "words.w1" not in fakes.RUNS


def test_a_stopped_run_resumes_with_its_finished_parts_and_plan_says_so(write_recipe, cache: Cache) -> None:
    path = _recipe(write_recipe, "alpha EMPTY gamma")
    with pytest.raises(NodeFailed):
        run_pipeline(load_recipe(path), cache, keep_going=True)
    planned = {p.node: p for p in plan(load_recipe(path), cache)}
    assert planned["words"].action == "run"
    assert "runs as 4 parts: 2 cached, 2 to run" in planned["words"].reasons  # w1 and w3 are done
    fakes.RUNS.clear()
    with pytest.raises(NodeFailed):
        run_pipeline(load_recipe(path), cache, keep_going=True)
    assert "words.w2" in fakes.RUNS and "words.w1" not in fakes.RUNS and "words.w3" not in fakes.RUNS


@pytest.mark.parametrize(("split", "says"), [
    (Split([Part("a", "text", {"text": "x"}), Part("a", "text", {"text": "y"})], {"out": From("out", "a")}),
     "two parts are named 'a'"),
    (Split([Part("a", "text", {"text": 3, "colour": "red"})], {"out": From("out", "a")}),
     "params its type refuses"),
    (Split([Part("a", "join", {}, {"nope": [From("src")]})], {"out": From("out", "a")}), "has no input 'nope'"),
    (Split([Part("a", "join", {}, {"parts": [From("nope")]})], {"out": From("out", "a")}),
     "the node has no input 'nope'"),
    (Split([Part("a", "join", {}, {"parts": [From("out", "b")]}), Part("b", "text", {"text": "x"})],
           {"out": From("out", "a")}), "no part 'b' before the one that reads it"),
    (Split([Part("a", "count", {}, {"src": [From("src")]})], {"out": From("out", "a")}),
     "part 'a' input 'src' takes number, given text"),
    (Split([Part("a", "text", {"text": "x"})], {}), "which part makes the output 'out'"),
    (Split([Part("a", "text", {"text": "x"})], {"out": From("tags", "a")}), "part 'a' has no output 'tags'"),
])
def test_a_split_that_cannot_run_says_why(write_recipe, split: Split, says: str) -> None:
    step = load_recipe(_recipe(write_recipe, "alpha beta")).steps["words"]
    with pytest.raises(BadSplit, match=re.escape(says)):
        expand(step, split)

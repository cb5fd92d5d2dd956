"""The command line: exit codes, plan --json/--check, validate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.pipeline.test_run import RECIPE


def test_validate_ok_and_bad(write_recipe, capsys):
    good = write_recipe(RECIPE)
    assert main(["validate", str(good)]) == 0
    bad = write_recipe("version: 1\nsteps:\n  a: {type: text, txt: x}\n", name="bad.yaml")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3:" in err and "did you mean 'text'" in err and "Traceback" not in err


def test_plan_json_and_check(write_recipe, tmp_path, capsys):
    path = write_recipe(RECIPE)
    cache = ["--cache-dir", str(tmp_path / "c")]
    assert main([*cache, "plan", "--json", "--check", str(path)]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [r["node"] for r in rows] == ["hello", "world", "both"]
    assert all(r["action"] == "run" and r["reasons"] for r in rows)
    assert main(["run", str(path), "--cache-dir", str(tmp_path / "c")]) == 0
    capsys.readouterr()
    assert main([*cache, "plan", "--check", str(path)]) == 0
    assert "0 to run, 3 cached" in capsys.readouterr().out


def test_run_prints_summary(write_recipe, tmp_path, capsys):
    path = write_recipe(RECIPE)
    assert main(["--cache-dir", str(tmp_path / "c"), "run", str(path)]) == 0
    err = capsys.readouterr().err
    assert "done: ran 3  cached 0  failed 0" in err and "wrote" in err


def test_unknown_force_node(write_recipe, tmp_path, capsys):
    path = write_recipe(RECIPE)
    assert main(["--cache-dir", str(tmp_path / "c"), "run", "--force", "nope", str(path)]) == 2
    assert "unknown node" in capsys.readouterr().err


def test_why_explains_root_cause(write_recipe, tmp_path, capsys):
    path = write_recipe(RECIPE)
    cache = ["--cache-dir", str(tmp_path / "c")]
    assert main([*cache, "run", "-q", str(path)]) == 0
    path.write_text(RECIPE.replace("text: Hello", "text: Howdy"))
    capsys.readouterr()
    assert main([*cache, "why", str(path), "both"]) == 0
    out = capsys.readouterr().out
    assert "action: run" in out and "root cause: hello" in out
    assert "hello: param 'text' changed: 'Hello' -> 'Howdy'" in out
    assert main([*cache, "why", str(path), "bothh"]) == 2
    assert "did you mean 'both'" in capsys.readouterr().err


def test_accept_keeps_the_previous_result_and_downstream(write_recipe, tmp_path, capsys):
    path = write_recipe(RECIPE)
    cache = ["--cache-dir", str(tmp_path / "c")]
    assert main([*cache, "run", "-q", str(path)]) == 0
    path.write_text(RECIPE.replace("text: Hello}", "text: Hello, delay: 0.01}"))  # same output
    assert main([*cache, "plan", "--check", str(path)]) == 1
    assert main([*cache, "accept", str(path), "hello"]) == 0
    assert "accepted: hello" in capsys.readouterr().out
    assert main([*cache, "plan", "--check", str(path)]) == 0
    path.write_text(RECIPE.replace("text: Hello}", "text: Bye}"))
    assert main([*cache, "plan", "--check", str(path)]) == 1


def test_accept_refuses_when_upstream_is_stale(write_recipe, tmp_path, capsys):
    path = write_recipe(RECIPE)
    cache = ["--cache-dir", str(tmp_path / "c")]
    assert main([*cache, "run", "-q", str(path)]) == 0
    path.write_text(RECIPE.replace("text: Hello", "text: Howdy"))
    assert main([*cache, "accept", str(path), "both"]) == 1
    assert "accept or run hello first" in capsys.readouterr().err


def test_graph_mermaid_and_dot_colour_by_cache_state(write_recipe, tmp_path, capsys):
    path = write_recipe(RECIPE)
    cache = ["--cache-dir", str(tmp_path / "c")]
    assert main([*cache, "graph", str(path)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("flowchart LR") and ":::stale" in text and ":::cached" not in text
    assert "-->|parts|" in text
    assert main([*cache, "run", "-q", str(path)]) == 0
    capsys.readouterr()
    assert main([*cache, "graph", "--format", "dot", str(path)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("digraph recipe {") and text.count('fillcolor="#c8e6c9"') == 3


def test_batch_from_the_command_line(tmp_path, capsys):
    template = tmp_path / "template.yaml"
    template.write_text("version: 1\nvars: {who: x}\nsteps:\n  t: {type: text, text: 'Hi ${who}'}\n"
                        "outputs:\n  'out/${who}.txt': ${t.out}\n")
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"who": "ana"}\n{"who": "bo"}\n{"who": " "}\n')
    cache = ["--cache-dir", str(tmp_path / "c")]
    assert main([*cache, "run", "-q", "--batch", str(rows), str(template)]) == 0
    assert "batch: 3 of 3 rows rendered" in capsys.readouterr().err
    assert (tmp_path / "out" / "ana.txt").read_text() == "Hi ana"
    rows.write_text('{"who": "ana"}\n["not", "an", "object"]\n')
    assert main([*cache, "run", "-q", "--batch", str(rows), str(template)]) == 2
    assert "rows.jsonl:2:1" in capsys.readouterr().err


def test_graph_image_needs_graphviz_and_says_so(write_recipe, tmp_path, capsys, monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    path = write_recipe(RECIPE)
    assert main(["--cache-dir", str(tmp_path / "c"), "graph", "-o", str(tmp_path / "g.svg"), str(path)]) == 1
    assert "apt-get install graphviz" in capsys.readouterr().err


def test_plan_lists_cached_nodes_in_a_row_on_one_line(write_recipe, tmp_path, capsys):
    steps = "".join(f"  t{k}: {{type: text, text: word{k}}}\n" for k in range(1, 8))
    path = write_recipe("version: 1\nsteps:\n" + steps + "outputs:\n  out/t7.txt: ${t7.out}\n")
    cache = ["--cache-dir", str(tmp_path / "c")]
    assert main([*cache, "run", "-q", str(path)]) == 0
    path.write_text(path.read_text().replace("text: word5", "text: changed"))
    capsys.readouterr()
    assert main([*cache, "plan", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "skip  t1 … t4  cached (4 nodes)"
    assert lines[1].startswith("run   t5") and "param 'text' changed" in lines[1]
    assert [line.split()[:2] for line in lines[2:4]] == [["skip", "t6"], ["skip", "t7"]]  # a few: a line each
    assert lines[4] == "1 to run, 6 cached"
    assert main([*cache, "plan", "--json", str(path)]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 7  # JSON keeps every node


def _failing_text(monkeypatch, error: BaseException) -> None:
    from tests.pipeline import fakes

    def run(self, ctx, params, inputs):
        raise error
    monkeypatch.setattr(fakes.Text, "run", run)


def test_an_unexpected_node_error_is_one_line_and_its_frames_only_in_the_debug_log(
        write_recipe, tmp_path, capsys, monkeypatch):
    _failing_text(monkeypatch, RuntimeError("a bug"))
    path = write_recipe(RECIPE)
    assert main(["--cache-dir", str(tmp_path / "c"), "run", "-q", str(path)]) == 1
    err = capsys.readouterr().err
    assert "node 'hello': unexpected RuntimeError: a bug" in err and "--debug" in err
    assert 'File "' not in err and "Traceback" not in err and "raise error" not in err
    assert main(["--cache-dir", str(tmp_path / "c"), "--debug", "run", "-q", str(path)]) == 1
    err = capsys.readouterr().err
    assert 'File "' not in err
    log = err.split("the full traceback is in ")[1].split(";")[0]
    assert "raise error" in Path(log).read_text(encoding="utf-8")
    Path(log).unlink()


def test_running_out_of_memory_is_said_in_the_users_terms(write_recipe, tmp_path, capsys, monkeypatch):
    _failing_text(monkeypatch, MemoryError("Unable to allocate 3.41 PiB"))
    path = write_recipe(RECIPE)
    assert main(["--cache-dir", str(tmp_path / "c"), "run", "-q", str(path)]) == 1
    err = capsys.readouterr().err
    assert "node 'hello': ran out of memory" in err and "fix: check the step's numbers" in err
    assert "PiB" not in err and 'File "' not in err


@pytest.mark.parametrize("store, phrase", [("afile", "is not a folder"), ("afile/sub", "Not a directory"),
                                           ("nosuch://x", "unknown kind of store 'nosuch://'")])
def test_a_blob_store_that_cannot_be_used_is_refused_before_work(write_recipe, tmp_path, capsys, store, phrase):
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    path = write_recipe(RECIPE)
    spec = store if "://" in store else str(tmp_path / store)
    assert main(["--cache-dir", str(tmp_path / "c"), "--blob-store", spec, "run", "-q", str(path)]) == 2
    err = capsys.readouterr().err
    assert phrase in err and "fix: " in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_blob_store_whose_package_is_missing_says_what_to_install(write_recipe, tmp_path, capsys, monkeypatch):
    import fsspec

    def missing(scheme: str) -> None:
        raise ImportError("Install s3fs to access S3")
    monkeypatch.setattr(fsspec, "get_filesystem_class", missing)
    path = write_recipe(RECIPE)
    assert main(["--cache-dir", str(tmp_path / "c"), "--blob-store", "s3://b/x", "run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "needs a package that is not installed: Install s3fs" in err and "fix: install it" in err


@pytest.mark.parametrize("option", ["--max-size=1e400", "--max-size=-5G", "--max-size=nan", "--max-age=inf"])
def test_gc_refuses_sizes_and_ages_out_of_range(tmp_path, capsys, option):
    assert main(["--cache-dir", str(tmp_path / "c"), "cache", "gc", option]) == 2
    err = capsys.readouterr().err
    assert "expected a number from 0 to 10^15" in err and "Traceback" not in err


GRAPH_RECIPE = RECIPE.replace("  hello: {type: text, text: Hello}\n",
                              "  hello: {type: text, text: Hello}\n  read: {type: join, parts: [notes.txt]}\n")


@pytest.mark.parametrize("target, phrase", [("recipe.yaml", "is the recipe file itself"),
                                            ("notes.txt", "is an input of step 'read'"),
                                            ("out/both.txt", "is an output the recipe publishes"),
                                            ("out/./both.txt", "is an output the recipe publishes")])
def test_graph_never_replaces_the_recipe_its_inputs_or_its_outputs(write_recipe, tmp_path, capsys, target, phrase):
    (tmp_path / "notes.txt").write_text("notes", encoding="utf-8")
    path = write_recipe(GRAPH_RECIPE)
    cache = ["--cache-dir", str(tmp_path / "c")]
    assert main([*cache, "run", "-q", str(path)]) == 0
    kept = {p: p.read_bytes() for p in (path, tmp_path / "notes.txt", tmp_path / "out" / "both.txt")}
    assert main([*cache, "graph", "-o", str(tmp_path / target), str(path)]) == 2
    err = capsys.readouterr().err
    assert phrase in err and "fix: write the graph to a new file" in err
    assert {p: p.read_bytes() for p in kept} == kept


@pytest.mark.parametrize("target, phrase", [("out", "it is a folder"), ("nope/g.mmd", "No such file or directory"),
                                            ("a" * 300, "File name too long")])
def test_graph_to_a_path_that_cannot_be_written_is_exit_2(write_recipe, tmp_path, capsys, target, phrase):
    (tmp_path / "out").mkdir()
    path = write_recipe(RECIPE)
    assert main(["--cache-dir", str(tmp_path / "c"), "graph", "-o", str(tmp_path / target), str(path)]) == 2
    err = capsys.readouterr().err
    assert phrase in err and "fix: choose a file name" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "out", "recipe.yaml"]  # no temporary file left


def test_graph_writes_its_file(write_recipe, tmp_path, capsys):
    path = write_recipe(RECIPE)
    assert main(["--cache-dir", str(tmp_path / "c"), "graph", "-o", str(tmp_path / "g.mmd"), str(path)]) == 0
    assert (tmp_path / "g.mmd").read_text(encoding="utf-8").startswith("flowchart LR")


def test_graph_never_writes_inside_the_cache_folder(write_recipe, tmp_path, capsys):
    path = write_recipe(RECIPE)
    cache = tmp_path / "c"
    assert main(["--cache-dir", str(cache), "run", "-q", str(path)]) == 0
    for target in (cache / "index" / "cache.db", cache / "graph.mmd"):
        assert main(["--cache-dir", str(cache), "graph", "-o", str(target), str(path)]) == 2
        err = capsys.readouterr().err
        assert "inside the cache folder" in err and "fix: write the graph outside" in err
    assert not (cache / "graph.mmd").exists()
    assert (cache / "index" / "cache.db").read_bytes().startswith(b"SQLite format 3\x00")
    assert main(["--cache-dir", str(cache), "plan", "--check", str(path)]) == 0  # every result still cached


def test_graph_never_replaces_a_device_or_pipe(write_recipe, tmp_path, capsys):
    import os

    path = write_recipe(RECIPE)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main(["--cache-dir", str(tmp_path / "c"), "graph", "-o", str(fifo), str(path)]) == 2
    assert "is not a regular file" in capsys.readouterr().err
    assert fifo.is_fifo()  # not swapped for a regular file (as /dev/full was, run as root)


@pytest.mark.parametrize("spec", ["dask://", "dask://:abc", "dask://h:1:2", "dask://[::1", "dask://h:0",
                                  "dask://h:99999", "dask://h", "tcp://h:8786/x"])
def test_a_malformed_scheduler_address_is_exit_2_before_anything_runs(write_recipe, tmp_path, capsys, spec):
    path = write_recipe(RECIPE)
    assert main(["--cache-dir", str(tmp_path / "c"), "run", "-q", "--executor", spec, str(path)]) == 2
    err = capsys.readouterr().err
    assert f"--executor {spec!r} is not a scheduler address" in err and "fix: use --executor local" in err
    assert "unexpectedly" not in err and not (tmp_path / "out").exists()


@pytest.mark.parametrize("flag", ["--force", "--refresh"])
def test_an_unknown_node_is_named_with_the_flag_that_gave_it(write_recipe, tmp_path, capsys, flag):
    path = write_recipe(RECIPE)
    assert main(["--cache-dir", str(tmp_path / "c"), "run", "-q", flag, "nosuch", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"error: {flag} names unknown node(s): nosuch" in err and f"fix: give {flag} a node name" in err

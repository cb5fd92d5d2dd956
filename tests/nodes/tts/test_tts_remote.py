"""The ``remote`` speech engine against real servers on loopback: it speaks through the first server that
answers, its words are timed, its result is cached, and a chain moves on when no server answers."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import Reporter, load, run
from tests.pipeline.apps.serve.servers import Served, free_port, start


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start(tmp_path_factory.mktemp("remote-tts"))
    yield served
    served.stop()


def _recipe(folder: Path, urls: list[str], text: str) -> Path:
    recipe = folder / "remote.yaml"
    recipe.write_text(json.dumps({"version": 1, "steps": {"speak": {
        "type": "tts", "text": text, "engine": ["remote", "piper"], "remote": {"url": urls}}},
        "outputs": {"out/a.wav": "${speak.audio}", "out/a.json": "${speak.words}"}}), encoding="utf-8")
    return recipe


def _run(recipe: Path, cache: Path) -> tuple[list[str], str]:
    stream = io.StringIO()
    summary = run(load(recipe), cache, reporter=Reporter(stream=stream))
    return summary.ran, stream.getvalue()


def test_remote_speaks_through_the_first_server_that_answers(tmp_path: Path, server: Served) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    recipe = _recipe(tmp_path, [dead, server.url], "The server speaks these words.")
    ran, log = _run(recipe, tmp_path / "cache")
    assert ran == ["speak"] and "skipped" not in log
    words = json.loads((tmp_path / "out/a.json").read_text())
    assert [w["text"] for w in words["words"]] == ["The", "server", "speaks", "these", "words."]
    assert all(w["end"] > w["start"] for w in words["words"])
    assert (tmp_path / "out/a.wav").read_bytes()[:4] == b"RIFF"
    again, _ = _run(recipe, tmp_path / "cache")
    assert again == []


def test_no_server_answering_moves_to_the_next_engine_with_the_reason(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    ran, log = _run(_recipe(tmp_path, [dead], "Nobody is there."), tmp_path / "cache")
    assert ran == ["speak"]
    assert f"tts engine remote skipped: server {dead} does not answer" in log and "using piper" in log


def test_voices_lists_the_remote_engine_as_a_recipe_would_find_it(server: Served,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from nodes.tts.cli import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    dead = f"http://127.0.0.1:{free_port()}"
    rows: dict[str, dict[str, object]] = {}
    for remote in ([], [dead], [dead, server.url]):
        args = parser.parse_args(["voices", "--json", *[a for url in remote for a in ("--remote", url)]])
        assert args.fn(args) == 0
        row = next(r for r in json.loads(capsys.readouterr().out)["engines"] if r["engine"] == "remote")
        rows[",".join(remote)] = row
    assert rows[""]["usable"] is False and "--remote" in str(rows[""]["detail"])
    assert rows[dead]["usable"] is False and f"server {dead} does not answer" in str(rows[dead]["detail"])
    usable = rows[f"{dead},{server.url}"]
    assert usable["usable"] is True and server.url in str(usable["detail"]) and usable["voices"]

"""The captions node: reads word timings, writes the caption track and an SRT."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from nodes.captions.node import Captions, CaptionsParams
from nodes.formats import CaptionTrack, Word, WordTimings
from pipeline.node import NodeInputError, RunContext


def make_ctx(tmp_path: Path, warnings: list[str]) -> RunContext:
    return RunContext(node="subs", work_dir=tmp_path,
                      outputs={"captions": tmp_path / "out.json", "srt": tmp_path / "out.srt"},
                      warn=lambda node, msg: warnings.append(msg))


def test_declaration() -> None:
    node = Captions()
    assert node.name == "captions" and node.version == "4"
    assert node.inputs["words"].kind == "words"
    assert (node.outputs["captions"].kind, node.outputs["captions"].suffix) == ("captions", ".json")
    assert (node.outputs["srt"].kind, node.outputs["srt"].suffix) == ("subtitles", ".srt")
    assert node.resources.cpu == 0.25
    with pytest.raises(ValidationError):
        CaptionsParams(lines=6)
    with pytest.raises(ValidationError):
        CaptionsParams(max_length=3)  # type: ignore[call-arg]
    assert CaptionsParams().language == "auto" and CaptionsParams(language="pt-BR").language == "pt-BR"
    for bad in ("", "english language", "ja\n", "x"):
        with pytest.raises(ValidationError):
            CaptionsParams(language=bad)


def test_run_writes_track_and_srt(tmp_path: Path) -> None:
    words = [Word(text=t, start=i * 0.4, end=i * 0.4 + 0.3)
             for i, t in enumerate("Every city has a sound at dawn .".split())]
    source = tmp_path / "words.json"
    WordTimings(duration=3.5, words=words).save(source)
    warnings: list[str] = []
    ctx = make_ctx(tmp_path, warnings)
    Captions().run(ctx, CaptionsParams(max_chars=16), {"words": source})
    track = CaptionTrack.load(ctx.output("captions"))
    assert [s.lines for s in track.segments] == [["Every city has", "a sound at dawn."]]
    assert ctx.output("srt").read_text(encoding="utf-8").startswith("1\n00:00:00,000 --> 00:00:03,")
    assert warnings == []


def test_empty_words_give_empty_outputs_without_a_second_warning(tmp_path: Path) -> None:
    """No words (a recording nobody could transcribe): the step that produced them said why; the SubRip
    output is empty, which the engine does not publish (players reject an empty file)."""
    source = tmp_path / "words.json"
    WordTimings(duration=1.0, words=[]).save(source)
    warnings: list[str] = []
    ctx = make_ctx(tmp_path, warnings)
    Captions().run(ctx, CaptionsParams(), {"words": source})
    assert CaptionTrack.load(ctx.output("captions")).segments == []
    assert ctx.output("srt").read_text() == "" and warnings == [] and Captions.outputs["srt"].optional


def test_bad_input_is_a_node_input_error_on_the_words_port(tmp_path: Path) -> None:
    bad = tmp_path / "words.json"
    bad.write_text('{"duration": 1}', encoding="utf-8")
    with pytest.raises(NodeInputError) as info:
        Captions().run(make_ctx(tmp_path, []), CaptionsParams(), {"words": bad})
    assert info.value.field == "words"
    with pytest.raises(NodeInputError):
        Captions().run(make_ctx(tmp_path, []), CaptionsParams(), {"words": tmp_path / "missing.json"})


def test_language_switches_to_sentence_level_captions(tmp_path: Path) -> None:
    source = tmp_path / "words.json"
    WordTimings(duration=4.0, words=[Word(text="今日はいい天気ですね。", start=0.0, end=3.0)]).save(source)
    for language, expected in (("auto", [["今日はいい天", "気ですね。"]]), ("ja", [["今日はいい天", "気ですね。"]]),
                               ("en", [["今日はいい天気ですね。"]])):
        ctx = make_ctx(tmp_path, [])
        Captions().run(ctx, CaptionsParams(max_chars=12, language=language), {"words": source})
        assert [s.lines for s in CaptionTrack.load(ctx.output("captions")).segments] == expected, language

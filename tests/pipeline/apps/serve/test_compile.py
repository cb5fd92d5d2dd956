"""Requests compiled to recipes and loaded by the engine (real job folders): a client's strings arrive at
the node exactly as sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.apps.serve import compile as c
from pipeline.apps.serve.storage import Storage

TRICKY = ["Costs ${x} today.", "${speak.words}", "${x}", "Escaped $${y} stays $${y}.", "$$${z} and $", "${",
          "Emoji 😀 🎬, CJK 你好世界, math 𝐀𝐁𝐂 𝒳, RTL שלום", "  two  spaces  and trailing  ", "a: b # c",
          "line one\nline two", "'quotes' \"double\" \\backslash\\", "\u00a0nbsp\u2028line sep\u0085nel"]


@pytest.mark.parametrize("text", TRICKY)
def test_text_reaches_the_tts_step_literally(tmp_path: Path, text: str) -> None:
    storage = Storage(tmp_path)
    compiled = c.tts_recipe(text, ["piper"], 1.0)
    pipeline, _ = c.materialise(storage, storage.new_id("audio", ".wav"), compiled)
    assert pipeline.steps["speak"].params.text == text


def test_caption_font_and_language_are_literal(tmp_path: Path) -> None:
    form = c.CaptionForm(font_name="My ${font} 😀")
    style, _ = c.caption_style(form, installed_fonts=["My ${font} 😀"])
    compiled = c.Compiled({"version": 1, "steps": {
        "speak": c._tts_step("Hi ${there}.", ["piper"], 1.0),
        "listen": c.transcribe_step("${speak.audio}", "${lang}"),
        "captions": {"type": "captions", "words": "${speak.words}"},
        "render": {"type": "render", "image": "pic.jpg", "audio": "${speak.audio}", "captions":
                   "${captions.captions}", "caption_style": style}},
        "outputs": {"out/v.mp4": "${render.video}"}}, {}, "out/v.mp4")
    storage = Storage(tmp_path)
    job_id = storage.new_id("video", ".mp4")
    storage.work_dir(job_id).mkdir(parents=True)
    (storage.work_dir(job_id) / "pic.jpg").write_bytes(b"")
    pipeline, _ = c.materialise(storage, job_id, compiled)
    assert pipeline.steps["speak"].params.text == "Hi ${there}."
    assert pipeline.steps["listen"].params.language == "${lang}"
    assert pipeline.steps["render"].params.caption_style.font == "My ${font} 😀"

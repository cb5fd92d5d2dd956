"""Reading SRT/WebVTT cues back and comparing them with tolerances."""

from __future__ import annotations

from pipeline.apps.golden.captions import Cue, parse_cues
from pipeline.apps.golden.compare import compare_cues
from pipeline.apps.golden.tolerances import Tolerances

SRT = """1
00:00:00,300 --> 00:00:01,250
The harbour
wakes.

2
00:00:01,250 --> 00:01:02,005
Listen.
"""

VTT = """WEBVTT

NOTE written by the merge

intro
00:00.300 --> 00:00:01.250 align:center line:90%
The harbour
wakes.

00:00:01.250 --> 00:01:02.005
Listen.
"""


def test_srt_and_vtt_read_to_the_same_cues():
    expected = [Cue(0.3, 1.25, "The harbour\nwakes."), Cue(1.25, 62.005, "Listen.")]
    assert parse_cues(SRT) == expected
    assert parse_cues(VTT) == expected
    assert parse_cues(SRT.replace("\n", "\r\n")) == expected


def test_same_cues_pass_both_checks():
    cues = parse_cues(SRT)
    text, timing = compare_cues("x.srt", cues, cues, Tolerances())
    assert text.passed and timing.passed
    assert text.name == "captions x.srt text"


def test_changed_text_names_the_cue_and_both_texts():
    golden = parse_cues(SRT)
    new = parse_cues(SRT.replace("Listen.", "Listen now."))
    text, timing = compare_cues("x.srt", golden, new, Tolerances())
    assert not text.passed and timing.passed
    assert "cue 2" in text.measured and "'Listen now.'" in text.measured and "'Listen.'" in text.measured


def test_times_within_the_tolerance_pass_and_beyond_it_fail():
    golden = parse_cues(SRT)
    shifted = [Cue(c.start + 0.015, c.end + 0.015, c.text) for c in golden]
    assert compare_cues("x.srt", golden, shifted, Tolerances())[1].passed
    late = [Cue(c.start + 0.030, c.end, c.text) for c in golden]
    timing = compare_cues("x.srt", golden, late, Tolerances())[1]
    assert not timing.passed and "30 ms" in timing.measured and "<= 20 ms" in timing.allowed
    assert compare_cues("x.srt", golden, late, Tolerances(caption_ms=40))[1].passed


def test_a_missing_cue_fails_the_text_check():
    golden = parse_cues(SRT)
    text, _ = compare_cues("x.srt", golden, golden[:1], Tolerances())
    assert not text.passed and "1 cues (golden has 2)" in text.measured

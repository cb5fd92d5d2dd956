"""Caption presets: named looks for short-form video, each a set of the caption style's own fields plus an
animation of the spoken word written as ASS override tags.

``style: {preset: pop}`` fills in the preset's fields; any field the recipe also sets wins. The animation
follows the word timings (``Segment.words``), one event per stretch in which the same word is spoken, so
it needs captions whose words are timed (every engine's words, and the per-character pieces of
sentence-level captions):

- ``karaoke``: the whole caption, the spoken word in the highlight colour (yellow).
- ``pop``: one word at a time in the middle of the frame, upper case, scaling in from 70% over 120 ms.
- ``bounce``: the whole caption, the spoken word in the highlight colour, stretched up 30% and back over
  220 ms (vertical only, so the line does not shift sideways).
- ``word-box``: the whole caption in upper case, the spoken word on a box of the highlight colour.
- ``typewriter``: words appear as they are spoken (later words keep their place, invisible), each fading
  in over 80 ms.
"""

from __future__ import annotations

from typing import Literal

PresetName = Literal["pop", "word-box", "bounce", "typewriter", "karaoke"]

PRESETS: dict[str, dict[str, object]] = {
    "karaoke": {"highlight": "#FFD400"},
    "pop": {"position": "center", "uppercase": True, "highlight": None, "box": "none"},
    "bounce": {"highlight": "#FFD400", "uppercase": True},
    "word-box": {"highlight": "#FFD400", "uppercase": True, "box": "none"},
    "typewriter": {"highlight": None, "box": "none"},
}

# Presets whose animation needs the spoken word even without a highlight colour.
WORD_BY_WORD = frozenset({"pop", "bounce", "word-box", "typewriter"})

POP_IN = "\\fscx70\\fscy70\\t(0,120,\\fscx100\\fscy100)"
BOUNCE = "\\t(0,90,\\fscy130)\\t(90,220,\\fscy100)"
FADE_IN = "\\alpha&HFF&\\t(0,80,\\alpha&H00&)"

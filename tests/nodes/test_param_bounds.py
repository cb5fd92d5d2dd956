"""Counts, lengths and limits in node params have upper bounds: a typo of a few digits (or .inf) is a
recipe problem at its line, never a node asking for petabytes or an OverflowError."""

from __future__ import annotations

import math

import pytest
from pydantic import BaseModel, ValidationError

from nodes.captions.window import CaptionWindowParams
from nodes.merge.node import MergeParams
from nodes.render.join import JoinParams
from nodes.render.motion import Motion
from nodes.render.node import RenderParams
from nodes.render.soundtrack import SoundtrackParams
from nodes.scenes.model import Limits
from nodes.tts.node import TTSParams

CASES = [
    (SoundtrackParams, {"frames": 100_000_000_000}),
    (JoinParams, {"frames": [10, -5]}),
    (JoinParams, {"frames": [1_000_000, 1_000_000]}),
    (RenderParams, {"frames": [0, 10**12]}),
    (RenderParams, {"max_image_pixels": 10**15}),
    (CaptionWindowParams, {"start": 0, "end": math.inf}),
    (MergeParams, {"max_seconds": math.inf}),
    (MergeParams, {"caption_scenes": [0, -1]}),
    (TTSParams, {"text": "Hi.", "max_chars": 10**30}),
    (Motion, {"seed": 10**40}),
    (Limits, {"max_image_megapixels": math.inf}),
    (Limits, {"max_text_chars": 10**23}),
    (Limits, {"max_output_side": 10**9}),
]


@pytest.mark.parametrize("model, fields", CASES, ids=[f"{m.__name__}-{next(iter(f))}" for m, f in CASES])
def test_a_number_past_its_bound_is_refused(model: type[BaseModel], fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(fields)

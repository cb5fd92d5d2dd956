"""Narration levelling: every scene's sound brought to the same integrated loudness.

Scenes can come from different voices, engines or user recordings; without this one scene would sound
louder than the next once they are joined. Silent scenes are left alone, and a scene is never raised by
more than ``MAX_BOOST_DB`` (a near-silent recording would otherwise have its noise floor pushed up).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nodes.audio.bs1770 import measure
from nodes.audio.pcm import Samples, db_to_gain

MAX_BOOST_DB = 24.0


@dataclass(frozen=True)
class Levelled:
    samples: Samples
    gain_db: float  # 0 for a silent scene
    loudness: float  # LUFS before levelling; -inf when silent


def level(samples: Samples, target_lufs: float) -> Levelled:
    """``samples`` scaled so their integrated loudness is ``target_lufs``."""
    loudness = measure(samples).integrated
    if not np.isfinite(loudness):
        return Levelled(samples, 0.0, loudness)
    gain_db = min(target_lufs - loudness, MAX_BOOST_DB)
    return Levelled((samples * np.float32(db_to_gain(gain_db))).astype(np.float32), gain_db, loudness)

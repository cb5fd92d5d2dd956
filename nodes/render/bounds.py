"""The longest scene the render nodes take, in frames: beyond it a step would ask for more memory and time
than any machine has (a typo of a few digits in ``frames`` once asked numpy for 3 PiB of silence)."""

from __future__ import annotations

MAX_SCENE_SECONDS = 4 * 3600
MAX_FPS = 120
MAX_SCENE_FRAMES = MAX_SCENE_SECONDS * MAX_FPS

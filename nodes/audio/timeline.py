"""Scene sounds joined end to end, overlapping where a transition crossfades one scene into the next.

The overlap uses an equal-power curve (sine/cosine), so the loudness holds steady through a crossfade of
unrelated sounds, which is what two scenes' narrations are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nodes.audio.pcm import Samples, silence


def join(parts: Sequence[Samples], overlaps: Sequence[int]) -> Samples:
    """The parts one after another; part ``i + 1`` starts ``overlaps[i]`` samples before part ``i`` ends.

    The result is ``sum(len(parts)) - sum(overlaps)`` samples long. Each sample is written once (a
    crossfade's twice): a ten-minute soundtrack is 230 MB, and zeroing it, copying each part and adding the
    copies took seconds of the merge's one-thread tail. A lone float32 part is returned as it is.
    """
    if len(overlaps) != max(0, len(parts) - 1):
        raise ValueError(f"{len(parts)} parts need {max(0, len(parts) - 1)} overlaps, got {len(overlaps)}")
    if len(parts) == 1 and parts[0].dtype == np.float32:
        return parts[0]
    for index, n in enumerate(overlaps):
        if n > min(parts[index].shape[1], parts[index + 1].shape[1]):
            raise ValueError(f"overlap {index + 1} ({n} samples) is longer than a part it joins")
    total = sum(part.shape[1] for part in parts) - sum(overlaps)
    out = silence(total) if not parts else np.empty((parts[0].shape[0], total), dtype=np.float32)
    position = 0
    for index, part in enumerate(parts):
        n = overlaps[index - 1] if index > 0 else 0
        if n > 0:  # the crossfade: the previous part's tail fades out as this part's head fades in
            angle = (np.arange(n) + 0.5) / n * (np.pi / 2)
            out[:, position:position + n] *= np.cos(angle).astype(np.float32)
            out[:, position:position + n] += part[:, :n].astype(np.float32) * np.sin(angle).astype(np.float32)
        out[:, position + n:position + part.shape[1]] = part[:, n:]
        position += part.shape[1]
        if index < len(overlaps):
            position -= overlaps[index]
    return out

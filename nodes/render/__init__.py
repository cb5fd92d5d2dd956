"""The render node: a still image with Ken Burns motion, the narration and burned-in captions, as one MP4."""

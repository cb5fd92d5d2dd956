"""Captions: packing timed words into caption segments, SRT and ASS writers, and the caption font."""

"""Captions: word-level and sentence-level packing of timed words, SRT/WebVTT/ASS writers (with karaoke
highlight and background boxes for burn-in), and the caption font."""

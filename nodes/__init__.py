"""Node types: each subpackage is one concept (tts, captions, render, audio, merge, media helpers)."""

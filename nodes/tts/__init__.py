"""Text to speech: narration text in, a WAV and the time span of every script word out."""

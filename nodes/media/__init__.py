"""Media helpers shared by the node types: the ffmpeg process runner, probing and the encoder policy."""

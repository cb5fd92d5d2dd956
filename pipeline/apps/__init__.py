"""Applications of the engine: they use its public API (and the node types media helpers), never its internals."""

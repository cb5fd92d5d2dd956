"""The merge node type: scenes joined with transitions, the final mix, caption files."""

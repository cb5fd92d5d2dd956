"""The scene list: the recipe form most users write, expanded into this project's node types."""

"""Recipes: the YAML format, its models, the scene-list expansion and loading."""

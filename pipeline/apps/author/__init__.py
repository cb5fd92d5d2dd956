"""Authoring tools, an application of the engine: ``pipeline new`` writes a first recipe, ``pipeline watch``
re-renders what changed on every save and shows the result on a local page."""

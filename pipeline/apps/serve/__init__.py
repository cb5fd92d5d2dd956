"""``pipeline serve``: the original media server's HTTP API (and a native job API) served by the engine.

Every media request compiles to a small recipe of the project's node types and runs through the engine's
public API, so an identical request is a cache hit. See README "Serving".
"""

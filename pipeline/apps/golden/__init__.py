"""Golden-output testing: pin what a recipe's viewers see and hear, and check later renders against it.

``record`` renders a recipe and keeps a compact golden set beside it (``<recipe stem>.golden/``): stream
metadata, a few small frames, an audio fingerprint and copies of the caption files. ``check`` renders again
(through the cache) and compares with tolerances that absorb harmless noise but not real changes. The
engine knows nothing of this package; it plugs in as a command (``pipeline golden``, ``cli.py``) and a
pytest fixture (``pytest_plugin.py``). The functions to call are in ``workflow.py`` (record_recipe,
check_recipe) and ``determinism.py`` (check_determinism).

Nothing is imported here, so loading the pytest plugin does not load the media stack.
"""

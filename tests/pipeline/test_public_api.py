"""The public API (``from pipeline import ...``) that applications use: stable names, cheap to import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
import pipeline
assert "pipeline.cache" not in sys.modules and "pipeline.run" not in sys.modules  # import pipeline is cheap
import pipeline.plan, pipeline.run  # the submodules of the same names, imported first (as the CLI does)
from pipeline import Cache, NodePlan, Pipeline, Reporter, load, open_cache, parse_vars, plan, run
from pipeline.cache import Cache as CacheClass
from pipeline.run import run_pipeline
assert callable(run) and run.__module__ == "pipeline" and plan.__module__ == "pipeline", (run, plan)
assert pipeline.run is run and pipeline.plan is plan
assert Cache is CacheClass and callable(run_pipeline)
assert parse_vars(["city=Porto"]) == {"city": "Porto"}
assert set(pipeline.__all__) >= {"load", "plan", "run", "open_cache", "parse_vars", "Cache", "RecipeError"}
print("ok")
"""


def test_public_names_stay_the_functions_after_their_submodules_are_imported():
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"

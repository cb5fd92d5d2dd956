"""A pytest fixture that checks a recipe against its golden set in one line.

Usage, in a project's own test suite. The plugin is opt-in, so installing this package changes no other
project's pytest runs: name it with ``-p pipeline.apps.golden.pytest_plugin`` (for example in
``addopts``; this also enables ``--golden-record`` and ``--golden-cache``) or with
``pytest_plugins = ["pipeline.apps.golden.pytest_plugin"]`` in the top-level conftest.py::

    def test_intro_video(golden):
        golden.check("recipes/intro.yaml")

    def test_with_options(golden):
        golden.check("recipes/intro.yaml", variables={"voice": "piper"}, ssim=0.95, caption_ms=40)

A relative recipe path is taken from the current folder, else from the pytest root folder.
``check`` renders the recipe through a cache kept in pytest's cache folder (``.pytest_cache/d/
pipeline-golden``, so reruns only render what changed; ``--golden-cache DIR`` picks another folder) and
compares the result with ``<recipe stem>.golden/``. A failing check fails the test with the readable
report, one line per check, naming the side-by-side pictures written to ``<stem>.golden/failures/``.

Record or refresh golden sets with ``pipeline golden record recipes/intro.yaml``, or run the tests with
``pytest --golden-record`` to record every golden set the tests check (review and commit the folders).
A recipe without a golden set fails its test with the command to record one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # loading the plugin stays cheap; the media stack loads when a test checks
    from pipeline.apps.golden.workflow import CheckOutcome


class GoldenChecker:
    """What the ``golden`` fixture hands a test."""

    def __init__(self, cache_dir: Path, record: bool = False, root: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self.record = record
        self.root = root

    def _path(self, recipe: str | Path) -> Path:
        """``recipe`` as given when it exists, else relative to the pytest root folder."""
        path = Path(recipe)
        if not path.is_absolute() and not path.exists() and self.root is not None:
            return self.root / path
        return path

    def check(self, recipe: str | Path, variables: dict[str, str] | None = None,
              **tolerances: float) -> CheckOutcome | None:
        """Render ``recipe`` and compare it with its golden set; fail the test on any difference.

        Keyword arguments override tolerances (ssim, psnr_db, loudness_lu, envelope_lu, spectrum_db,
        caption_ms, duration_frames). Returns the outcome (None when recording).
        """
        from pipeline import PipelineError, open_cache
        from pipeline.apps.golden.errors import GoldenError
        from pipeline.apps.golden.workflow import check_recipe, record_recipe

        path = self._path(recipe)
        cache = open_cache(self.cache_dir)
        try:
            if self.record:
                record_recipe(path, cache, variables)
                return None
            outcome = check_recipe(path, cache, variables, dict(tolerances))
        except GoldenError as exc:
            pytest.fail(str(exc), pytrace=False)
        except PipelineError as exc:
            pytest.fail(f"rendering {recipe} failed:\n{exc}", pytrace=False)
        finally:
            cache.close()
        if not outcome.passed:
            pytest.fail(outcome.report(), pytrace=False)
        return outcome


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pipeline-golden", "golden-output tests of pipeline recipes")
    group.addoption("--golden-record", action="store_true", default=False,
                    help="record the golden sets the tests check instead of checking them")
    group.addoption("--golden-cache", default=None, metavar="DIR",
                    help="pipeline cache folder for golden renders (default: in pytest's cache)")


def _cache_dir(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = config.getoption("golden_cache", default=None)
    if chosen:
        return Path(chosen)
    cache = getattr(config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("pipeline-golden"))
    return tmp_path_factory.getbasetemp() / "pipeline-golden"


@pytest.fixture
def golden(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> GoldenChecker:
    """Check recipes against their golden sets: ``golden.check("recipes/x.yaml")``."""
    config = request.config
    return GoldenChecker(_cache_dir(config, tmp_path_factory),
                         record=bool(config.getoption("golden_record", default=False)),
                         root=config.rootpath)

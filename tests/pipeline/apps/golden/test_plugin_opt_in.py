"""Installing this package changes no other project's pytest runs: the golden fixture is opt-in.

A temporary project with its own ``nodes`` package (the same import name as this project's node types)
runs its tests in a fresh interpreter: without ``-p`` the plugin is not loaded; with it, the ``golden``
fixture is there and the project's ``nodes`` is still its own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.pipeline.apps.golden.plugin_env import PLUGIN, own_pytest11_entry_points, stale_blocks

OWN_TEST = '''
import sys

import nodes


def test_own_nodes_package():
    assert nodes.OWNER == "them"
    print("golden plugin loaded:", "pipeline.apps.golden.pytest_plugin" in sys.modules)
'''


def _project(tmp_path: Path) -> Path:
    (tmp_path / "nodes").mkdir()
    (tmp_path / "nodes" / "__init__.py").write_text('OWNER = "them"\n')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_own.py").write_text(OWN_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\npythonpath = .\n")
    return tmp_path


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *stale_blocks(),
                           *args],
                          cwd=project, capture_output=True, text=True, timeout=120)


def test_this_package_declares_no_pytest11_entry_point():
    assert own_pytest11_entry_points() == []


def test_a_project_with_its_own_nodes_package_is_left_alone(tmp_path):
    project = _project(tmp_path)
    result = _pytest(project, "tests")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "golden plugin loaded: False" in result.stdout
    assert "1 passed" in result.stdout


def test_the_plugin_loads_when_named_and_offers_the_fixture(tmp_path):
    project = _project(tmp_path)
    result = _pytest(project, "-p", PLUGIN, "tests")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "golden plugin loaded: True" in result.stdout
    fixtures = _pytest(project, "-p", PLUGIN, "--fixtures", "tests")
    assert "golden -- " in fixtures.stdout or "\ngolden" in fixtures.stdout, fixtures.stdout

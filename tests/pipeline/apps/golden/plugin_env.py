"""Running pytest with the golden plugin named, in an environment that may hold another copy of this package.

A copy installed elsewhere on ``sys.path`` (a shared environment of an older checkout) may still declare
the ``pytest11`` entry point that older versions had, which pytest autoloads; those are blocked with
``-p no:NAME`` so the runs here see only this checkout. This checkout's own metadata is never blocked:
``test_this_package_declares_no_pytest11_entry_point`` holds it to declaring none.
"""

from __future__ import annotations

from importlib.metadata import distribution, distributions

PLUGIN = "pipeline.apps.golden.pytest_plugin"


def _ours() -> str:
    return str(distribution("pipeline").locate_file(""))


def stale_blocks() -> list[str]:
    """``-p no:NAME`` for each pytest11 entry point of another installed copy of this package."""
    args = []
    for dist in distributions():
        if dist.metadata["Name"] != "pipeline" or str(dist.locate_file("")) == _ours():
            continue
        for entry in dist.entry_points:
            if entry.group == "pytest11":
                args += ["-p", f"no:{entry.name}"]
    return args


def own_pytest11_entry_points() -> list[str]:
    return [e.name for e in distribution("pipeline").entry_points if e.group == "pytest11"]

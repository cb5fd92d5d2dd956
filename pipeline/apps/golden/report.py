"""The readable report of a check: one line per check, PASS or FAIL, measured against allowed."""

from __future__ import annotations

from pathlib import Path

from pipeline.apps.golden.compare import CheckResult


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def format_report(recipe: Path, folder: Path, results: list[CheckResult], notes: list[str] | None = None) -> str:
    width = max((len(r.name) for r in results), default=10)
    measured_width = min(max((len(r.measured) for r in results), default=10), 60)
    lines = [f"golden check of {_relative(recipe)} against {_relative(folder)}/"]
    for note in notes or []:
        lines.append(f"  note: {note}")
    for r in results:
        line = (f"{'PASS' if r.passed else 'FAIL'}  {r.name:<{width}}  {r.measured:<{measured_width}}  "
                f"allowed: {r.allowed}")
        if r.picture is not None:
            line += f"  -> {_relative(r.picture)}"
        lines.append(line.rstrip())
    failed = [r for r in results if not r.passed]
    if failed:
        lines.append(f"{len(failed)} of {len(results)} checks FAILED: {', '.join(r.name for r in failed)}")
        lines.append("if the change is intended, record again with `pipeline golden record "
                     f"{_relative(recipe)}` and commit {_relative(folder)}/")
    else:
        lines.append(f"all {len(results)} checks passed")
    return "\n".join(lines)

"""Batch renders: one recipe template, one row of variables per video (CSV or JSON Lines).

Every row compiles to its own pipeline (its variables substituted, ``${name}`` in ``output.path`` naming
its files); the rows' steps are joined into one DAG, so one scheduler runs them all and identical work
(a shared intro narration, the same music) is computed once. A row that fails, at compile time or when
it runs, does not stop the others; each failure is reported at the end with its row.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.cache import Cache
from pipeline.errors import EXIT_BAD_INPUT, Location, PipelineError, Problem, RecipeError, UsageError
from pipeline.graph import Pipeline, Step, Upstream, check_inputs, topological_order
from pipeline.progress import Reporter, Summary
from pipeline.recipe.diagnose import did_you_mean
from pipeline.recipe.load import load_recipe
from pipeline.recipe.refs import Ref
from pipeline.recipe.source import load_yaml
from pipeline.recipe.variables import control_character, recipe_variables
from pipeline.run import Runner, check_outputs

MAX_ROWS = 10_000
MAX_DEPTH = 32  # as recipes' own values are bounded


@dataclass
class Row:
    number: int  # 1-based, as a person counts data rows
    location: Location
    variables: dict[str, str]


@dataclass
class BatchResult:
    summary: Summary
    rendered: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    bad_input: list[int] = field(default_factory=list)  # failed rows whose problem is the user's to fix (exit 2)


def _refuse(path: Path, line: int, column: int, message: str, hint: str) -> RecipeError:
    return RecipeError([Problem(Location(path, line, column), message, hint=hint)])


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecipeError([Problem(Location(path), f"cannot read the batch file: {exc.strerror}")]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line, column = before.count(b"\n") + 1, exc.start - (before.rfind(b"\n") + 1) + 1
        raise _refuse(path, line, column, f"the batch file is not UTF-8 text (byte 0x{data[exc.start]:02x})",
                      "save it as UTF-8 (in a spreadsheet: CSV UTF-8)") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (``json`` would keep the last silently)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _Duplicate(key)
        found[key] = value
    return found


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in a JSON value (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _json_rows(path: Path, text: str) -> list[Row]:
    rows: list[Row] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, object_pairs_hook=_no_duplicates)
            too_deep = _depth(value) > MAX_DEPTH
        except json.JSONDecodeError as exc:
            raise _refuse(path, line_no, exc.colno, f"not JSON: {exc.msg}", "one JSON object per line") from None
        except RecursionError:
            value, too_deep = None, True
        except _Duplicate as exc:
            raise _refuse(path, line_no, 1, f"the key '{exc.key}' appears twice on this line",
                          "keep one of them (the first would be dropped silently)") from None
        if too_deep:
            raise _refuse(path, line_no, 1, f"the values on this line are nested more than {MAX_DEPTH} levels deep",
                          "give each variable a plain value (text or a number)")
        if not isinstance(value, dict):
            raise _refuse(path, line_no, 1, "each line must be a JSON object",
                          'e.g. {"name": "lisbon", "city": "Lisbon"}')
        rows.append(Row(len(rows) + 1, Location(path, line_no, 1), {str(k): v for k, v in value.items()}))
    return rows


def _csv_rows(path: Path, text: str) -> list[Row]:
    rows: list[Row] = []
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    twice = sorted({name for name in header if name and header.count(name) > 1})
    if twice:
        raise _refuse(path, 1, 1, f"the column '{twice[0]}' appears twice in the header",
                      "keep one of them (the last would win silently)")
    for record in reader:
        if None in record:
            raise _refuse(path, reader.line_num, 1, "more cells than header columns",
                          "quote cells that contain commas")
        rows.append(Row(len(rows) + 1, Location(path, reader.line_num, 1), {k: v for k, v in record.items() if k}))
    return rows


def _check_values(path: Path, rows: list[Row]) -> None:
    """Text in a row obeys the recipe's rule: no control characters (a NUL reached the speech engine)."""
    for row in rows:
        for name, value in row.variables.items():
            bad = control_character(value)
            if bad:
                raise _refuse(path, row.location.line, 1, f"the value of '{name}' contains the control "
                              f"character {bad!r}", "remove it; write text with letters, digits and "
                              "punctuation only")


def _check_columns(path: Path, rows: list[Row], known: set[str], given: dict[str, str]) -> None:
    """A column that looks like a misspelt variable of the recipe is refused (it was ignored silently, and
    every video took the variable's default); other columns (notes, ids) are left alone, as before. Every
    ``--var`` must name a variable."""
    for row in rows:
        for name in row.variables:
            if name not in known and did_you_mean(name, known - set(row.variables)):
                where = Location(path, 1, 1) if path.suffix.lower() == ".csv" else row.location
                listed = ", ".join(sorted(known)) or "none"
                raise RecipeError([Problem(where, f"the recipe has no variable '{name}'{did_you_mean(name, known)}",
                                           field=name, hint=f"variables of the recipe: {listed}; rename or "
                                                            "remove the column")])
    for name in given:
        if name not in known:
            raise UsageError(f"--var {name}: the recipe has no variable '{name}'{did_you_mean(name, known)}\n"
                             f"    fix: variables of the recipe: {', '.join(sorted(known)) or 'none'}")


def read_rows(path: Path) -> list[Row]:
    """Rows of a CSV file (a header row of variable names) or a JSON Lines file (an object a line)."""
    text = _read_text(path)
    rows = _json_rows(path, text) if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else _csv_rows(path, text)
    _check_values(path, rows)
    if not rows:
        raise RecipeError([Problem(Location(path), "the batch file has no rows",
                                   hint="a CSV needs a header line and one line per video")])
    if len(rows) > MAX_ROWS:
        raise RecipeError([Problem(Location(path), f"more than {MAX_ROWS} rows", hint="split the batch")])
    return rows


def _renamed(step: Step, prefix: str) -> Step:
    inputs = {port: [Upstream(Ref(prefix + s.ref.step, s.ref.port)) if isinstance(s, Upstream) else s
                     for s in sources] for port, sources in step.inputs.items()}
    return Step(name=prefix + step.name, node_type=step.node_type, params=step.params, inputs=inputs,
                spec=step.spec, source=step.source)


def combine(pipelines: dict[int, Pipeline], template: Pipeline) -> tuple[Pipeline, dict[int, set[str]]]:
    """One pipeline holding every row's steps as ``row<N>/<step>``; also each row's step names."""
    edges: list[tuple[str, str, str]] = []
    steps: dict[str, Step] = {}
    outputs: dict[Path, Ref] = {}
    owners: dict[Path, int] = {}
    members: dict[int, set[str]] = {}
    problems = []
    for number, pipeline in pipelines.items():
        prefix = f"row{number}/"
        members[number] = {prefix + name for name in pipeline.order}
        for name in pipeline.order:
            step = _renamed(pipeline.steps[name], prefix)
            steps[step.name] = step
        edges += [(prefix + up, prefix + down, port) for up, down, port in pipeline.edges]
        for dest, ref in pipeline.outputs.items():
            if dest in outputs:
                problems.append(Problem(Location(pipeline.file), f"rows {owners[dest]} and {number} both write "
                                        f"{dest}", field="output.path",
                                        hint="name outputs from a variable, e.g. path: out/${name}.mp4"))
            outputs[dest] = Ref(prefix + ref.step, ref.port)
            owners[dest] = number
    if problems:
        raise RecipeError(problems)
    order = topological_order(list(steps), [(a, b) for a, b, _ in edges])
    assert order is not None  # each row's DAG is acyclic and rows share no steps
    return Pipeline(file=template.file, edges=edges, steps=steps, order=order, outputs=outputs,
                    source=template.source), members


def run_batch(recipe: Path, rows_file: Path, cache: Cache, reporter: Reporter | None = None,
              variables: dict[str, str] | None = None, executor: Any = None) -> BatchResult:
    rows = read_rows(rows_file)
    _check_columns(rows_file, rows, recipe_variables(load_yaml(recipe)), variables or {})
    pipelines: dict[int, Pipeline] = {}
    failed: dict[int, str] = {}
    bad_input: set[int] = set()
    for row in rows:
        try:
            row_pipeline = load_recipe(recipe, {**(variables or {}), **row.variables}, check_variables=False)
            check_inputs(row_pipeline)
            pipelines[row.number] = row_pipeline
        except PipelineError as exc:
            failed[row.number] = f"{row.location}: {exc}"
            if exc.exit_code == EXIT_BAD_INPUT:
                bad_input.add(row.number)
    if not pipelines:
        return BatchResult(Summary(), failed=failed, bad_input=sorted(bad_input))
    combined, members = combine(pipelines, next(iter(pipelines.values())))
    check_outputs(combined, cache.root)
    summary, state = Runner(combined, cache, reporter, executor).run(keep_going=True, publish_partial=True)
    errors = {getattr(e, "node", ""): e for e in state.errors}
    for number, names in members.items():
        bad = sorted(names & (state.failed | state.blocked))
        if bad:
            # a node that split itself failed through one of its parts, named ``<node>.<part>``
            first = next((error for n in bad for node, error in errors.items()
                          if node == n or node.startswith(n + ".")), None)
            where = next(r.location for r in rows if r.number == number)
            failed[number] = f"{where}: {first}" if first else f"{where}: upstream of {bad[0]} failed"
            if getattr(first, "exit_code", None) == EXIT_BAD_INPUT:
                bad_input.add(number)
    rendered = sorted(n for n in pipelines if n not in failed)
    return BatchResult(summary, rendered=rendered, failed=dict(sorted(failed.items())), bad_input=sorted(bad_input))


__all__ = ["read_rows", "run_batch", "BatchResult", "EXIT_BAD_INPUT"]

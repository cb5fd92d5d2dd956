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
from pipeline.errors import EXIT_BAD_INPUT, Location, PipelineError, Problem, RecipeError
from pipeline.graph import Pipeline, Step, Upstream, check_inputs, topological_order
from pipeline.progress import Reporter, Summary
from pipeline.recipe.load import load_recipe
from pipeline.recipe.refs import Ref
from pipeline.run import Runner, check_outputs

MAX_ROWS = 10_000


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


def read_rows(path: Path) -> list[Row]:
    """Rows of a CSV file (a header row of variable names) or a JSON Lines file (an object a line)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise RecipeError([Problem(Location(path), f"cannot read the batch file: {exc.strerror}")]) from None
    rows: list[Row] = []
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        for line_no, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RecipeError([Problem(Location(path, line_no, exc.colno), f"not JSON: {exc.msg}",
                                           hint="one JSON object per line")]) from None
            if not isinstance(value, dict):
                raise RecipeError([Problem(Location(path, line_no, 1), "each line must be a JSON object",
                                           hint='e.g. {"name": "lisbon", "city": "Lisbon"}')])
            rows.append(Row(len(rows) + 1, Location(path, line_no, 1), {str(k): v for k, v in value.items()}))
    else:
        reader = csv.DictReader(text.splitlines())
        for record in reader:
            if None in record:
                raise RecipeError([Problem(Location(path, reader.line_num, 1), "more cells than header columns",
                                           hint="quote cells that contain commas")])
            rows.append(Row(len(rows) + 1, Location(path, reader.line_num, 1),
                            {k: v for k, v in record.items() if k}))
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
    pipelines: dict[int, Pipeline] = {}
    failed: dict[int, str] = {}
    for row in rows:
        try:
            row_pipeline = load_recipe(recipe, {**(variables or {}), **row.variables}, check_variables=False)
            check_inputs(row_pipeline)
            pipelines[row.number] = row_pipeline
        except PipelineError as exc:
            failed[row.number] = f"{row.location}: {exc}"
    if not pipelines:
        result = BatchResult(Summary(), failed=failed)
        return result
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
    rendered = sorted(n for n in pipelines if n not in failed)
    return BatchResult(summary, rendered=rendered, failed=dict(sorted(failed.items())))


__all__ = ["read_rows", "run_batch", "BatchResult", "EXIT_BAD_INPUT"]

"""Drawing a recipe's DAG as Mermaid or Graphviz DOT text, nodes coloured by cached (green) or stale
(orange); SVG/PNG through Graphviz's ``dot`` when it is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from pipeline.graph import Pipeline, SourceFile
from pipeline.plan import NodePlan

CACHED, STALE = "#c8e6c9", "#ffe0b2"


def mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: quotes, angle brackets and ``#`` as Mermaid's entity
    codes (a file named ``it's "big".jpg`` must not end the label), line breaks as spaces."""
    for raw, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(raw, code)
    return " ".join(text.splitlines())


def dot_text(text: str) -> str:
    """Text safe inside a double-quoted DOT string: backslashes and quotes escaped, line breaks as spaces."""
    return " ".join(text.replace("\\", "\\\\").replace('"', '\\"').splitlines())


def _ids(pipeline: Pipeline) -> dict[str, str]:
    return {name: f"n{i}" for i, name in enumerate(pipeline.order)}


def mermaid(pipeline: Pipeline, plans: list[NodePlan]) -> str:
    ids = _ids(pipeline)
    actions = {p.node: p.action for p in plans}
    lines = ["flowchart LR"]
    for name in pipeline.order:
        step = pipeline.steps[name]
        label = f"{mermaid_text(name)}<br/><small>{mermaid_text(step.node_type.name)}</small>"
        lines.append(f'  {ids[name]}["{label}"]:::'
                     f'{"cached" if actions.get(name) == "skip" else "stale"}')
    files: dict[Path, str] = {}
    for name in pipeline.order:
        for port, sources in pipeline.steps[name].inputs.items():
            for source in sources:
                if isinstance(source, SourceFile):
                    fid = files.setdefault(source.path, f"f{len(files)}")
                    lines.append(f'  {fid}[("{mermaid_text(source.path.name)}")] -->|{port}| {ids[name]}')
    for up, down, data in pipeline.graph.edges(data=True):
        lines.append(f"  {ids[up]} -->|{data['port']}| {ids[down]}")
    for dest, ref in pipeline.outputs.items():
        lines.append(f'  {ids[ref.step]} --> o_{ids[ref.step]}_{ref.port}[/"{mermaid_text(dest.name)}"/]')
    lines.append(f"  classDef cached fill:{CACHED}")
    lines.append(f"  classDef stale fill:{STALE}")
    return "\n".join(lines) + "\n"


def dot(pipeline: Pipeline, plans: list[NodePlan]) -> str:
    ids = _ids(pipeline)
    actions = {p.node: p.action for p in plans}
    lines = ["digraph recipe {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fontname=Helvetica];']
    for name in pipeline.order:
        colour = CACHED if actions.get(name) == "skip" else STALE
        label = f"{dot_text(name)}\\n({dot_text(pipeline.steps[name].node_type.name)})"
        lines.append(f'  {ids[name]} [label="{label}", fillcolor="{colour}"];')
    files: dict[Path, str] = {}
    for name in pipeline.order:
        for port, sources in pipeline.steps[name].inputs.items():
            for source in sources:
                if isinstance(source, SourceFile):
                    if source.path not in files:
                        files[source.path] = f"f{len(files)}"
                        lines.append(f'  {files[source.path]} [label="{dot_text(source.path.name)}", shape=note, '
                                     'fillcolor=white];')
                    lines.append(f'  {files[source.path]} -> {ids[name]} [label="{port}"];')
    for up, down, data in pipeline.graph.edges(data=True):
        lines.append(f'  {ids[up]} -> {ids[down]} [label="{data["port"]}"];')
    for i, (dest, ref) in enumerate(pipeline.outputs.items()):
        lines.append(f'  out{i} [label="{dot_text(dest.name)}", shape=folder, fillcolor=white];')
        lines.append(f"  {ids[ref.step]} -> out{i};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_image(dot_text: str, dest: Path) -> bytes:
    """SVG or PNG (by ``dest``'s suffix) from Graphviz, for the caller to write; raises FileNotFoundError
    without it."""
    exe = shutil.which("dot")
    if exe is None:
        raise FileNotFoundError("Graphviz 'dot' is not installed (apt-get install graphviz); "
                                "use --format mermaid or dot for text output")
    fmt = dest.suffix.lstrip(".").lower()
    done = subprocess.run([exe, f"-T{fmt}"], input=dot_text.encode(), capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace')[-500:]}")
    return done.stdout

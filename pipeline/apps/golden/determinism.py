"""Does a recipe render to the same bytes twice? And where not, which node and which stream differ.

Each render gets a fresh cache, so every node really runs twice. Comparing the cached result of every
node then names the nodes whose output changed although their inputs did not (the sources of
non-determinism), and comparing the final files packet by packet says whether the container, the video
packets or the audio packets differ.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import av

from pipeline import Pipeline, ResultRecord, load, open_cache, plan, run

MEDIA_SUFFIXES = (".mp4", ".mov", ".m4v", ".mkv", ".webm", ".wav", ".m4a", ".mp3", ".ogg")


@dataclass
class FileDiff:
    name: str
    identical: bool
    differs: list[str] = field(default_factory=list)  # "container", "video packets", "audio packets", ...


@dataclass
class DeterminismReport:
    recipe: Path
    files: list[FileDiff]
    nodes: list[str]  # nodes whose output differed between the two renders
    origins: list[str]  # of those, the ones whose inputs were identical: where the difference starts

    @property
    def identical(self) -> bool:
        return all(f.identical for f in self.files)

    def text(self) -> str:
        lines = [f"determinism of {self.recipe}: two renders, each with a fresh cache"]
        for f in self.files:
            lines.append(f"  {f.name}: " + ("byte-identical" if f.identical else
                                              "differs in " + ", ".join(f.differs)))
        if self.nodes:
            lines.append(f"  nodes whose output differed: {', '.join(self.nodes)}")
            lines.append(f"  the difference starts in: {', '.join(self.origins)} (same inputs, other output)")
        else:
            lines.append("  every node produced byte-identical output")
        return "\n".join(lines)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _packets(path: Path) -> dict[str, list[tuple[int | None, int | None, bytes]]]:
    """Per stream ("video 0", "audio 1", ...): every packet's pts, dts and payload."""
    streams: dict[str, list[tuple[int | None, int | None, bytes]]] = {}
    with av.open(str(path)) as container:
        names = {s.index: f"{s.type} {s.index}" for s in container.streams}
        for name in names.values():
            streams[name] = []
        for packet in container.demux():
            if packet.size:
                streams[names[packet.stream.index]].append((packet.pts, packet.dts, bytes(packet)))
    return streams


def compare_media(a: Path, b: Path) -> list[str]:
    """What differs between two media files: stream packets by kind, else only the container."""
    if _digest(a) == _digest(b):
        return []
    try:
        pa, pb = _packets(a), _packets(b)
    except (av.FFmpegError, OSError, ValueError):
        return ["bytes (not a media file)"]
    differs = []
    for name in sorted(set(pa) | set(pb)):
        if pa.get(name) != pb.get(name):
            kind = name.split()[0]
            first = next((i for i, (x, y) in enumerate(zip(pa.get(name, []), pb.get(name, []))) if x != y),
                         min(len(pa.get(name, [])), len(pb.get(name, []))))
            differs.append(f"{kind} packets (stream {name.split()[1]}, from packet {first})")
    return differs or ["container (all stream packets identical: muxer metadata or layout)"]


def check_determinism(recipe: Path, work_dir: Path, variables: dict[str, str] | None = None) -> DeterminismReport:
    """Render ``recipe`` twice, each time with a fresh cache under ``work_dir``, and compare."""
    recipe = Path(recipe)
    kept = work_dir / "first"
    kept.mkdir(parents=True, exist_ok=True)
    records = []
    outputs: list[Path] = []
    for attempt in (1, 2):
        pipeline = load(recipe, variables)
        cache = open_cache(work_dir / f"cache-{attempt}")
        try:
            run(pipeline, cache)
            records.append({p.node: p.record for p in plan(pipeline, cache)})
        finally:
            cache.close()
        outputs = sorted(pipeline.outputs)
        if attempt == 1:
            for index, path in enumerate(outputs):
                shutil.copyfile(path, kept / f"{index}-{path.name}")
    files = []
    for index, path in enumerate(outputs):
        first = kept / f"{index}-{path.name}"
        if path.suffix.lower() in MEDIA_SUFFIXES:
            differs = compare_media(first, path)
        else:
            differs = [] if _digest(first) == _digest(path) else ["text/bytes"]
        files.append(FileDiff(path.name, not differs, differs))
    nodes, origins = _differing_nodes(load(recipe, variables), records[0], records[1])
    return DeterminismReport(recipe, files, nodes, origins)


def _differing_nodes(pipeline: Pipeline, first: dict[str, ResultRecord | None],
                     second: dict[str, ResultRecord | None]) -> tuple[list[str], list[str]]:
    """Nodes whose outputs differ, and those of them with no differing upstream node."""
    nodes = []
    for name in pipeline.order:
        a, b = first.get(name), second.get(name)
        if a is None or b is None or {p: r.digest for p, r in a.outputs.items()} != \
                {p: r.digest for p, r in b.outputs.items()}:
            nodes.append(name)
    differing = set(nodes)
    origins = [n for n in nodes if not (set(pipeline.steps[n].upstream_steps()) & differing)]
    return nodes, origins

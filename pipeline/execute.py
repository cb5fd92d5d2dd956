"""Running one node, anywhere: in a thread of this process or on a cluster worker.

A Job carries everything the run needs and nothing that is tied to this machine's index: the node type,
its params, where its inputs are (user files read in place, or blobs by digest) and the blob store to put
its outputs in. ``execute`` writes only immutable blobs; the coordinating process writes the result
record once the blobs exist, so workers never touch the per-machine index.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.cache.blobs import BlobStore
from pipeline.cache.records import OutputRef
from pipeline.errors import NodeFailed
from pipeline.node import InputValue, NodeType, Params, RunContext
from pipeline.registry import instance_of


@dataclass(frozen=True)
class InputFile:
    """One input of a job: a user's file read in place, or a blob (fetched into the work folder)."""

    path: str | None = None
    digest: str | None = None
    suffix: str = ""


@dataclass
class Job:
    node: str
    node_type: type[NodeType]
    params: Params
    inputs: dict[str, list[InputFile]]
    store: BlobStore
    threads: int = 1
    device: str = "cpu"


@dataclass
class JobResult:
    outputs: dict[str, OutputRef]
    seconds: float
    warnings: list[str] = field(default_factory=list)
    worker: str = field(default_factory=socket.gethostname)


def _signature(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _materialise(job: Job, work: Path) -> dict[str, InputValue]:
    values: dict[str, InputValue] = {}
    for port_name, port in job.node_type.inputs.items():
        files = job.inputs.get(port_name)
        if not files:
            values[port_name] = [] if port.many else None
            continue
        paths = []
        for index, item in enumerate(files):
            if item.path is not None:
                paths.append(Path(item.path))
                continue
            assert item.digest is not None
            dest = work / "in" / f"{port_name}-{index}{item.suffix}"
            dest.parent.mkdir(exist_ok=True)
            job.store.fetch(item.digest, dest)
            paths.append(dest)
        values[port_name] = paths if port.many else paths[0]
    return values


def execute(job: Job, report: Callable[[str, float | None, str], None] | None = None,
            cancel: threading.Event | None = None,
            warn: Callable[[str, str], None] | None = None) -> JobResult:
    """Run the job's node in a private work folder and move its outputs into the blob store.

    Progress and warnings go to ``report``/``warn`` when given (a local run shows them live); otherwise
    warnings travel back in the result (a cluster run replays them)."""
    node_type = instance_of(job.node_type)
    warnings: list[str] = []
    if warn is None:
        def warn(node: str, message: str) -> None:
            warnings.append(message)

    sources = {f.path: _signature(f.path) for fs in job.inputs.values() for f in fs if f.path is not None}
    label = job.node[:40].replace("/", "_")
    work = Path(tempfile.mkdtemp(prefix=f"{label}-pid{os.getpid()}-", dir=job.store.scratch_root()))
    try:
        out_dir = work / "out"
        out_dir.mkdir()
        outputs = {p: out_dir / f"{p}{port.suffix}" for p, port in node_type.outputs.items()}
        ctx = RunContext(node=job.node, work_dir=work, outputs=outputs, threads=job.threads, device=job.device,
                         report=report or (lambda node, frac, msg: None), warn=warn,
                         cancelled=cancel or threading.Event())
        started = time.monotonic()
        node_type.run(ctx, job.params, _materialise(job, work))
        seconds = time.monotonic() - started
        for path, signature in sources.items():
            if _signature(path) != signature:
                raise NodeFailed(job.node, f"input file {path} changed while the node ran",
                                 hint="run again once the file is saved", bad_input=True)
        missing = [p for p, written in outputs.items() if not written.is_file()]
        if missing:
            raise NodeFailed(job.node, f"node type '{node_type.name}' did not write its output(s) "
                             f"{', '.join(missing)} (a bug in the node type)")
        refs = {}
        for port, written in outputs.items():
            digest, size = job.store.adopt(written)
            refs[port] = OutputRef(digest=digest, size=size)
        return JobResult(outputs=refs, seconds=seconds, warnings=warnings)
    finally:
        shutil.rmtree(work, ignore_errors=True)

"""Running a compiled recipe: schedule stale nodes, cache what they make, publish the outputs.

Order of writes, so that no crash leaves a wrong result: a node writes into a private work folder; its
outputs move into the blob store (fsync, rename); only then is the result record written. Recipe outputs
are published after every node succeeded, each by copy-to-temp and rename, so an earlier output stays
intact until its replacement is complete.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import traceback
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from pipeline.cache import Cache, ResultRecord
from pipeline.cache.blobs import fsync_file
from pipeline.cache.records import OutputRef
from pipeline.device import cpu_threads, detect_device
from pipeline.errors import EXIT_INTERRUPTED, NodeFailed, PipelineError, Problem, RecipeError
from pipeline.executor import Executor, LocalExecutor, Slots
from pipeline.graph import Pipeline, SourceFile, Step
from pipeline.node import InputValue, NodeError, NodeInputError, RunContext
from pipeline.plan import NodePlan, build_manifest, input_digests, plan
from pipeline.progress import Reporter, Summary


class Interrupted(PipelineError):
    exit_code = EXIT_INTERRUPTED

    def __init__(self) -> None:
        super().__init__("interrupted: running nodes were stopped, nothing partial was kept; "
                         "run again to resume")


@dataclass
class _Done:
    record: ResultRecord
    ran: bool


def default_executor() -> LocalExecutor:
    threads = cpu_threads()
    return LocalExecutor(Slots(cpu=threads, gpu=1 if detect_device() == "cuda" else 0,
                               ffmpeg=max(1, threads // 2)))


class Runner:
    def __init__(self, pipeline: Pipeline, cache: Cache, reporter: Reporter | None = None,
                 executor: Executor | None = None, force: frozenset[str] = frozenset()) -> None:
        self.pipeline = pipeline
        self.cache = cache
        self.reporter = reporter or Reporter(quiet=True)
        self.executor = executor
        self.force = force
        self.threads = cpu_threads()
        self.cancel = threading.Event()
        self._touched: dict[str, ResultRecord] = {}

    # -- one node -----------------------------------------------------------------------------------

    def _inputs(self, step: Step, work: Path, produced: dict[tuple[str, str], OutputRef]) -> dict[str, InputValue]:
        """Paths the node reads: source files as they are, upstream blobs linked in with their suffix."""
        values: dict[str, InputValue] = {}
        for port_name, port in step.node_type.inputs.items():
            sources = step.inputs.get(port_name)
            if not sources:
                values[port_name] = [] if port.many else None
                continue
            paths = []
            for index, source in enumerate(sources):
                if isinstance(source, SourceFile):
                    paths.append(source.path)
                    continue
                ref = source.ref
                blob = self.cache.blobs.path(produced[(ref.step, ref.port)].digest)
                suffix = self.pipeline.steps[ref.step].node_type.outputs[ref.port].suffix
                link = work / "in" / f"{port_name}-{index}{suffix}"
                link.parent.mkdir(exist_ok=True)
                try:
                    os.link(blob, link)
                except OSError:
                    link.symlink_to(blob)
                paths.append(link)
            values[port_name] = paths if port.many else paths[0]
        return values

    def _reusable(self, step: Step) -> bool:
        return step.name not in self.force and not step.node_type.volatile

    def _execute(self, step: Step, key: str, manifest_inputs: dict[str, list[str]],
                 produced: dict[tuple[str, str], OutputRef]) -> _Done:
        """Run one node under its key's lock, unless another run finished it meanwhile."""
        with self.cache.lock(key):
            record = self.cache.record(key) if self._reusable(step) else None
            if record is not None and self.cache.usable(record):
                return _Done(record, ran=False)
            sources = {s.path: self.cache.stat.signature(s.path) for ss in step.inputs.values() for s in ss
                       if isinstance(s, SourceFile)}
            with self.cache.work_dir(step.name.replace("/", "_")) as work:
                out_dir = work / "out"
                out_dir.mkdir()
                outputs = {p: out_dir / f"{p}{port.suffix}" for p, port in step.node_type.outputs.items()}
                device = detect_device() if step.node_type.resources.gpu else "cpu"
                ctx = RunContext(node=step.name, work_dir=work, outputs=outputs,
                                 threads=max(1, min(self.threads, int(step.node_type.resources.cpu) or 1)),
                                 device=device, report=self.reporter.progress, warn=self.reporter.warning,
                                 cancelled=self.cancel)
                started = time.monotonic()
                step.node_type.run(ctx, step.params, self._inputs(step, work, produced))
                seconds = time.monotonic() - started
                for path, signature in sources.items():
                    if self.cache.stat.signature(path) != signature:
                        raise NodeFailed(step.name, f"input file {path} changed while the node ran",
                                         hint="run again once the file is saved", bad_input=True)
                missing = [p for p, path in outputs.items() if not path.is_file()]
                if missing:
                    raise NodeFailed(step.name, f"node type '{step.node_type.name}' did not write its "
                                     f"output(s) {', '.join(missing)} (a bug in the node type)")
                refs = {}
                for port, path in outputs.items():
                    digest, size = self.cache.blobs.adopt(path)
                    refs[port] = OutputRef(digest=digest, size=size)
            manifest = build_manifest(step, manifest_inputs, self.cache)
            record = ResultRecord(key=key, manifest=manifest, outputs=refs, seconds=seconds)
            self.cache.put_record(record)
            return _Done(record, ran=True)

    def _failure(self, step: Step, exc: BaseException) -> PipelineError:
        if isinstance(exc, PipelineError):
            return exc
        if isinstance(exc, NodeError):
            loc = (exc.field,) if exc.field else ()
            return NodeFailed(step.name, exc.message, location=self.pipeline.locate(step.name, loc),
                              field=exc.field or "", hint=exc.hint or "", detail=exc.detail or "",
                              bad_input=isinstance(exc, NodeInputError))
        if isinstance(exc, OSError) and exc.errno == 28:
            return NodeFailed(step.name, f"no space left on device ({exc.filename or 'cache'})",
                              hint="free disk space, or point --cache-dir at a larger disk; "
                                   "nothing partial was kept")
        detail = "".join(traceback.format_exception(exc)[-6:])
        return NodeFailed(step.name, f"unexpected {type(exc).__name__}: {exc}", detail=detail)

    # -- the whole run ------------------------------------------------------------------------------

    def run(self, keep_going: bool = False) -> Summary:
        started = time.monotonic()
        summary = Summary()
        plans = {p.node: p for p in plan(self.pipeline, self.cache, self.force)}
        produced: dict[tuple[str, str], OutputRef] = {}
        done: set[str] = set()
        blocked: set[str] = set()
        errors: list[PipelineError] = []
        for name in self.pipeline.order:
            node_plan = plans[name]
            if node_plan.action == "skip" and node_plan.record is not None:
                self._finish(name, node_plan.record, summary, produced, done, ran=False)
        pending = [n for n in self.pipeline.order if n not in done]
        executor = self.executor or default_executor()
        running: dict[Future[_Done], tuple[str, str]] = {}
        try:
            while pending or running:
                for name in list(pending):
                    step = self.pipeline.steps[name]
                    ups = step.upstream_steps()
                    if any(u in blocked for u in ups):
                        pending.remove(name)
                        blocked.add(name)
                        continue
                    if not all(u in done for u in ups):
                        continue
                    digests = input_digests(step, self.cache, {k: v.digest for k, v in produced.items()})
                    assert digests is not None
                    key = build_manifest(step, digests, self.cache).key()
                    if self._reusable(step):
                        record = self.cache.record(key)
                        if record is not None and self.cache.usable(record):
                            pending.remove(name)
                            self._finish(name, record, summary, produced, done, ran=False)
                            continue
                    if errors and not keep_going:
                        continue
                    if not executor.can_start(step.node_type.resources):
                        continue
                    pending.remove(name)
                    self.reporter.started(name)
                    snapshot = dict(produced)
                    future = executor.submit(
                        lambda s=step, k=key, d=digests, p=snapshot: self._execute(s, k, d, p),
                        step.node_type.resources)
                    running[future] = (name, key)
                if not running:
                    if errors:
                        break
                    if pending:  # nothing can start and nothing runs: only when upstreams failed
                        blocked.update(pending)
                        pending.clear()
                    continue
                for future in executor.wait(running, timeout=0.5):
                    name, key = running.pop(future)
                    step = self.pipeline.steps[name]
                    try:
                        outcome = future.result()
                    except BaseException as exc:  # noqa: BLE001 - every failure is reported, not raised
                        if errors and self.cancel.is_set():
                            self.reporter.finished(name, "stopped")  # cancelled after another failure
                            blocked.add(name)
                            continue
                        error = self._failure(step, exc)
                        errors.append(error)
                        summary.failed.append(name)
                        blocked.add(name)
                        self.reporter.finished(name, "FAILED")
                        if not keep_going:
                            self.cancel.set()
                            pending.clear()
                        continue
                    self._finish(name, outcome.record, summary, produced, done, ran=outcome.ran)
        except KeyboardInterrupt:
            self.cancel.set()
            for future in running:
                future.cancel()
            while any(not f.done() for f in running):
                try:
                    executor.wait([f for f in running if not f.done()], timeout=0.5)
                except KeyboardInterrupt:
                    continue
            raise Interrupted() from None
        finally:
            if self.executor is None:
                executor.close()
            self.cache.note_run(self.pipeline.recipe_id, self._touched, complete=False)
        summary.seconds = time.monotonic() - started
        if errors:
            interrupted = [e for e in errors if isinstance(e, Interrupted)]
            raise interrupted[0] if interrupted else errors[0] if len(errors) == 1 else _Failures(errors)
        summary.outputs = [str(p) for p in self._publish(produced)]
        self.cache.note_run(self.pipeline.recipe_id, self._touched, complete=True)
        return summary

    def _finish(self, name: str, record: ResultRecord, summary: Summary,
                produced: dict[tuple[str, str], OutputRef], done: set[str], ran: bool) -> None:
        for port, ref in record.outputs.items():
            produced[(name, port)] = ref
        done.add(name)
        self._touched[name] = record
        if ran:
            summary.ran.append(name)
            self.reporter.finished(name, "ran", record.seconds)
        else:
            summary.cached.append(name)
            summary.saved_seconds += record.seconds
            self.reporter.finished(name, "cached")

    def _publish(self, produced: dict[tuple[str, str], OutputRef]) -> list[Path]:
        written = []
        for dest, ref in self.pipeline.outputs.items():
            out = produced[(ref.step, ref.port)]
            publish_file(self.cache.blobs.path(out.digest), dest, out.size)
            written.append(dest)
        return written


class _Failures(PipelineError):
    def __init__(self, errors: list[PipelineError]) -> None:
        self.exit_code = max(e.exit_code for e in errors)
        super().__init__(f"{len(errors)} nodes failed:\n" + "\n".join(str(e) for e in errors))


def publish_file(blob: Path, dest: Path, size: int) -> None:
    """Copy a blob to ``dest`` atomically (temp file in the same folder, fsync, rename)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, open(blob, "rb") as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
        if tmp.stat().st_size != size:
            raise OSError(f"copy of {blob} is incomplete")
        fsync_file(tmp)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_outputs(pipeline: Pipeline, cache: Cache) -> None:
    """Refuse output paths inside the cache folder (a clear/gc would delete the user's video)."""
    problems = []
    for dest in pipeline.outputs:
        if dest.is_relative_to(cache.root):
            problems.append(Problem(pipeline.source.locate(("output", "path")) if "output" in
                                    pipeline.source.data else pipeline.source.locate(("outputs",)),
                                    f"output {dest} is inside the cache folder {cache.root}",
                                    field="output", hint="write outputs elsewhere, e.g. out/video.mp4"))
    if problems:
        raise RecipeError(problems)


def run_pipeline(pipeline: Pipeline, cache: Cache, reporter: Reporter | None = None,
                 force: frozenset[str] = frozenset(), keep_going: bool = False,
                 executor: Executor | None = None) -> Summary:
    check_outputs(pipeline, cache)
    return Runner(pipeline, cache, reporter, executor, force).run(keep_going=keep_going)


__all__ = ["run_pipeline", "Runner", "Interrupted", "NodePlan", "publish_file"]

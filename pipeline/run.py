"""Running a compiled recipe: schedule stale nodes, cache what they make, publish the outputs.

Order of writes, so that no crash leaves a wrong result: a node writes into a private work folder; its
outputs move into the blob store (fsync, rename); only then is the result record written, by this
(coordinating) process. Recipe outputs are published after the nodes they come from succeeded, as one
set: each copied to a temporary file beside it (hashed while copying: a damaged cached output is
recomputed, never published), then a journal, then the renames (``pipeline.cache.journal``), so an
earlier output stays intact until its replacement is complete, and the set changes whole. A run leases
the blobs it will read and has written, so a ``cache gc`` elsewhere keeps them.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.cache import Cache, Manifest, ResultRecord
from pipeline.cache.blobs import BlobStore, fsync_file
from pipeline.cache.leases import Lease
from pipeline.cache.records import OutputRef
from pipeline.device import cpu_threads, detect_device
from pipeline.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, NodeFailed, PipelineError, RecipeError
from pipeline.execute import InputFile, Job, JobResult, execute
from pipeline.executor import Executor, LocalExecutor, Slots
from pipeline.graph import Pipeline, SourceFile, Step
from pipeline.node import NodeError, NodeInputError, Resources
from pipeline.plan import NodePlan, build_manifest, input_digests, plan
from pipeline.preflight import check_outputs, preflight
from pipeline.progress import Reporter, Summary
from pipeline.recipe.refs import Ref
from pipeline.split import BadSplit, split_step, splits
from pipeline.warmup import needs_warm_up, warm_up

PUBLISH_ATTEMPTS = 3  # a damaged cached output is recomputed; twice more is plenty for bit rot


class _Stop(threading.Event):
    """Set when the run stops itself (a node failed, Ctrl-C) or when the caller's ``cancel`` is set. The
    caller's event is only read, never set: a run that failed must not look cancelled to whoever passed
    it (a server told its users that jobs with a failed node had been cancelled)."""

    def __init__(self, outer: threading.Event | None) -> None:
        super().__init__()
        self.outer = outer

    def is_set(self) -> bool:
        return super().is_set() or (self.outer is not None and self.outer.is_set())


class Interrupted(PipelineError):
    exit_code = EXIT_INTERRUPTED

    def __init__(self) -> None:
        super().__init__("interrupted: running nodes were stopped, nothing partial was kept; "
                         "run again to resume")


class OutputUnwritable(PipelineError):
    """An output cannot be written where the recipe puts it: the user's to fix, exit code 2."""

    exit_code = EXIT_BAD_INPUT


class ExecutorLost(PipelineError):
    """The cluster went away mid-run; what finished is cached."""


@dataclass
class _Local:
    record: ResultRecord
    ran: bool


@dataclass
class _Running:
    future: Future[JobResult | _Local]
    key: str
    manifest: Manifest


@dataclass
class _Splitting:
    """A node running as its parts (``NodeType.split``): done, and cached under its own key, when the last
    part is."""

    key: str
    manifest: Manifest
    outputs: dict[str, Ref]
    remaining: set[str]
    seconds: float = 0.0
    ran: bool = False
    keys: list[str] = field(default_factory=list)  # the parts' keys (and their own parts'), as they finish


@dataclass
class RunState:
    """What one run has produced so far."""

    produced: dict[tuple[str, str], OutputRef] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    blocked: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    errors: list[PipelineError] = field(default_factory=list)


def default_executor() -> LocalExecutor:
    threads = cpu_threads()
    return LocalExecutor(Slots(cpu=threads, gpu=1 if detect_device() == "cuda" else 0,
                               ffmpeg=max(1, threads // 2)))


class Runner:
    def __init__(self, pipeline: Pipeline, cache: Cache, reporter: Reporter | None = None,
                 executor: Executor | Callable[[], Executor] | None = None,
                 force: frozenset[str] = frozenset(), cancel: threading.Event | None = None) -> None:
        # a copy of the steps: the parts of nodes that split themselves join it while this run goes
        self.pipeline = dataclasses.replace(pipeline, steps=dict(pipeline.steps))
        self.cache = cache
        self.reporter = reporter or Reporter(quiet=True)
        self._executor_source = executor
        self._executor: Executor | None = None
        self._owns_executor = executor is None or not hasattr(executor, "submit")
        self.force = force
        self.threads = cpu_threads()
        self.cancel = _Stop(cancel)  # what the nodes watch; the caller's ``cancel`` is only read
        self._resources_of: dict[str, Resources] = {}
        self._touched: dict[str, ResultRecord] = {}
        self._uploaded: dict[Path, str] = {}
        self.lease = Lease(cache.root)
        self._ran_keys: set[str] = set()  # cache keys computed by this run (each counted once)
        self._start_scheduling()

    def _start_scheduling(self) -> None:
        """What the scheduler learns during one run, forgotten before the next."""
        self._keys: dict[str, tuple[str, Manifest]] = {}  # a ready step's cache key and manifest
        # Ready steps whose key the cache did not have: not looked up again on every pass of the scheduler
        # (hundreds of segments wait for slots) unless a step of this run has made that key since; a run
        # elsewhere that makes it is found under the key's lock before running.
        self._missed: set[str] = set()
        self._made: set[str] = set()
        self._splits: dict[str, _Splitting] = {}
        self._part_of: dict[str, str] = {}
        # Nodes whose split said "run as one node": asked once, not on every pass while they wait for a slot
        # (asking fetches their inputs to a scratch folder).
        self._whole: set[str] = set()
        self._refused = False

    # -- the executor is made on first use: a run where everything is cached starts nothing ----------

    def executor(self) -> Executor:
        executor = self._executor
        if executor is None:
            source = self._executor_source
            if source is None:
                executor = default_executor()
            elif hasattr(source, "submit"):
                executor = source  # type: ignore[assignment]
            else:
                executor = source()
            self._executor = executor
        assert executor is not None
        return executor

    # -- one node -----------------------------------------------------------------------------------

    def _resources(self, step: Step) -> Resources:
        """What the step occupies, asked of its node type once per run (it may depend on the params)."""
        if step.name not in self._resources_of:
            self._resources_of[step.name] = step.node_type.resources_for(step.params)
        return self._resources_of[step.name]

    def _reusable(self, step: Step) -> bool:
        return step.name not in self.force and not step.node_type.volatile

    def _job(self, step: Step, produced: dict[tuple[str, str], OutputRef], remote: bool) -> Job:
        """The job for a step; for a cluster, user files go into the blob store so workers need no access
        to this machine's disk."""
        inputs: dict[str, list[InputFile]] = {}
        for port, sources in step.inputs.items():
            files = []
            for source in sources:
                if isinstance(source, SourceFile):
                    if remote:
                        if source.path not in self._uploaded:
                            self._uploaded[source.path] = self.cache.blobs.put_copy(source.path)[0]
                        files.append(InputFile(digest=self._uploaded[source.path], suffix=source.path.suffix))
                    else:
                        files.append(InputFile(path=str(source.path)))
                else:
                    ref = source.ref
                    suffix = self.pipeline.steps[ref.step].node_type.outputs[ref.port].suffix
                    files.append(InputFile(digest=produced[(ref.step, ref.port)].digest, suffix=suffix))
            inputs[port] = files
        resources = self._resources(step)
        return Job(node=step.name, node_type=type(step.node_type), params=step.params, inputs=inputs,
                   store=self.cache.blobs, threads=max(1, min(self.threads, int(resources.cpu) or 1)),
                   device=detect_device() if resources.gpu else "cpu")

    def _run_locally(self, step: Step, key: str, manifest: Manifest, job: Job) -> _Local:
        """Run one node in this process under its key's lock, unless another run finished it meanwhile;
        the record is written here, under the lock."""
        with self.cache.lock(key):
            record = self.cache.record(key) if self._reusable(step) else None
            if record is not None and self.cache.usable(record):
                return _Local(record, ran=False)
            result = execute(job, report=self.reporter.progress, cancel=self.cancel, warn=self.reporter.warning)
            return _Local(self._record(key, manifest, result), ran=True)

    def _record(self, key: str, manifest: Manifest, result: JobResult) -> ResultRecord:
        record = ResultRecord(key=key, manifest=manifest, outputs=result.outputs, seconds=result.seconds)
        self.cache.put_record(record)
        return record

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
        if type(exc).__name__ == "KilledWorker":
            return NodeFailed(step.name, "the node's run killed cluster workers repeatedly (out of memory, "
                              "or a crash in native code)", detail=str(exc))
        trace = "".join(traceback.format_exception(exc))  # for --debug's log only, never printed
        if isinstance(exc, MemoryError):
            return NodeFailed(step.name, "ran out of memory", trace=trace,
                              hint="check the step's numbers (frames, size, duration, text length) for one far "
                                   "larger than meant; otherwise free memory or run it on a larger machine")
        return NodeFailed(step.name, f"unexpected {type(exc).__name__}: {exc}", trace=trace,
                          hint="this is a bug or an unusual environment; rerun with --debug to keep the full "
                               "traceback in a log file")

    # -- the whole run ------------------------------------------------------------------------------

    def _key(self, step: Step, state: RunState) -> tuple[str, Manifest]:
        """A ready step's cache key and manifest (fixed once its inputs exist: worked out once, and
        recorded with its result)."""
        if step.name not in self._keys:
            digests = input_digests(step, self.cache, {k: v.digest for k, v in state.produced.items()})
            assert digests is not None
            manifest = build_manifest(step, digests, self.cache)
            self._keys[step.name] = manifest.key(), manifest
        return self._keys[step.name]

    def _start_ready(self, pending: list[str], running: dict[str, _Running], state: RunState,
                     summary: Summary, keep_going: bool) -> None:
        split_any = False
        self._refused = False  # a ready node found no free slot in this pass
        for name in list(pending):
            step = self.pipeline.steps[name]
            ups = step.upstream_steps()
            if any(u in state.blocked for u in ups):
                pending.remove(name)
                state.blocked.add(name)
                self._part_failed(name, state)
                continue
            if not all(u in state.done for u in ups):
                continue
            key, manifest = self._key(step, state)
            if self._reusable(step) and (name not in self._missed or key in self._made):
                record = self.cache.record(key)
                if record is not None and self.cache.usable(record):
                    pending.remove(name)
                    self._finish(name, record, summary, state, ran=False)
                    continue
                self._missed.add(name)
            if state.errors and not keep_going:
                continue
            if name not in self._whole and splits(step):
                if self._split(step, key, manifest, state, summary, pending, keep_going):
                    split_any = True
                    continue
                if name not in pending:  # its split failed
                    if not keep_going:
                        break  # nothing else starts
                    continue
            executor = self.executor()
            resources = self._resources(step)
            if not executor.can_start(resources):
                self._refused = True
                continue
            pending.remove(name)
            self.reporter.started(name)
            remote = getattr(executor, "remote", False)
            job = self._job(step, state.produced, remote)
            if remote:
                future = executor.submit(f"pipeline-{key}", execute, job, resources=resources)
            else:
                future = executor.submit(f"pipeline-{key}", self._run_locally, step, key, manifest, job,
                                         resources=resources)
            running[name] = _Running(future, key, manifest)
        if split_any:  # the parts may start now
            self._start_ready(pending, running, state, summary, keep_going)

    def _split(self, step: Step, key: str, manifest: Manifest, state: RunState, summary: Summary,
               pending: list[str], keep_going: bool) -> bool:
        """Put the parts of a node that splits itself in its place among the pending steps; False when it
        runs as one node (or its split failed: reported as the node's failure)."""
        try:
            expansion = split_step(step, self.pipeline.steps, {k: v.digest for k, v in state.produced.items()},
                                   self.cache.blobs)
        except BadSplit as exc:
            self._fail(step.name, NodeFailed(step.name, f"node type '{step.node_type.name}' split it into parts "
                                             f"that cannot run: {exc} (a bug in the node type)"),
                       summary, state, pending, keep_going)
            return False
        except Exception as exc:  # noqa: BLE001 - reported as the node's failure, in the user's terms
            self._fail(step.name, self._failure(step, exc), summary, state, pending, keep_going)
            return False
        if expansion is None:
            self._whole.add(step.name)
            return False
        names = [part.name for part in expansion.steps]
        for part in expansion.steps:
            self.pipeline.steps[part.name] = part
            self._part_of[part.name] = step.name
        if step.name in self.force:  # --refresh of the node: its parts are computed again too
            self.force = self.force | frozenset(names)
        self._splits[step.name] = _Splitting(key, manifest, expansion.outputs, set(names))
        at = pending.index(step.name)
        pending[at:at + 1] = names
        self.reporter.split(step.name, names)
        return True

    def _part_finished(self, name: str, record: ResultRecord, ran: bool, summary: Summary, state: RunState) -> None:
        """A part is done: once it was the last, its node is done, with a record of its own (so the next
        run finds the node cached without splitting it again)."""
        parent = self._part_of[name]
        splitting = self._splits[parent]
        splitting.remaining.discard(name)
        splitting.seconds += record.seconds
        splitting.ran = splitting.ran or ran
        splitting.keys += [record.key, *record.parts]
        if splitting.remaining:
            return
        outputs = {port: state.produced[(ref.step, ref.port)] for port, ref in splitting.outputs.items()}
        whole = ResultRecord(key=splitting.key, manifest=splitting.manifest, outputs=outputs,
                             seconds=splitting.seconds, parts=splitting.keys)
        self.cache.put_record(whole)
        self._finish(parent, whole, summary, state, ran=splitting.ran)

    def _part_failed(self, name: str, state: RunState) -> None:
        """A part that failed or cannot run leaves its node (and what reads it) undone."""
        parent = self._part_of.get(name)
        if parent is not None and parent not in state.blocked:
            state.blocked.add(parent)
            state.failed.add(parent)
            self._part_failed(parent, state)

    def _fail(self, name: str, error: PipelineError, summary: Summary, state: RunState, pending: list[str],
              keep_going: bool) -> None:
        state.errors.append(error)
        summary.failed.append(name)
        state.failed.add(name)
        state.blocked.add(name)
        self._part_failed(name, state)
        if name in pending:
            pending.remove(name)
        self.reporter.finished(name, "FAILED", reason=str(error))
        if not keep_going:
            self.cancel.set()
            pending.clear()

    def _collect(self, name: str, item: _Running, summary: Summary, state: RunState, pending: list[str],
                 keep_going: bool) -> None:
        step = self.pipeline.steps[name]
        try:
            outcome = item.future.result()
        except BaseException as exc:  # noqa: BLE001 - every failure is reported, not raised
            if _lost_cluster(exc):
                raise ExecutorLost(f"lost the cluster while '{name}' ran ({type(exc).__name__}: {exc}); "
                                   "finished nodes are cached: run again to resume") from None
            if state.errors and self.cancel.is_set():
                self.reporter.finished(name, "stopped")  # cancelled after another failure
                state.blocked.add(name)
                self._part_failed(name, state)
                return
            self._fail(name, self._failure(step, exc), summary, state, pending, keep_going)
            return
        if isinstance(outcome, JobResult):
            # A cluster runs identical work once (its task key is the cache key) and hands the result to
            # every step that asked, e.g. a step shared by the rows of a batch: counted as run once.
            shared = item.key in self._ran_keys
            if not shared:
                for warning in outcome.warnings:
                    self.reporter.warning(name, warning)
            record = self._record(item.key, item.manifest, outcome)
            self._ran_keys.add(item.key)
            self._finish(name, record, summary, state, ran=not shared)
        else:
            ran = outcome.ran and outcome.record.key not in self._ran_keys
            if outcome.ran:
                self._ran_keys.add(outcome.record.key)
            self._finish(name, outcome.record, summary, state, ran=ran)

    def run(self, keep_going: bool = False, publish_partial: bool = False) -> tuple[Summary, RunState]:
        """Run what is stale and publish. Raises on failure unless ``publish_partial`` (batches), where
        outputs whose nodes all succeeded are published and the state says what failed. A cached output
        found damaged while publishing is recomputed, and the set published then."""
        started = time.monotonic()
        try:
            return self._run_and_publish(keep_going, publish_partial, started)
        finally:
            self.lease.release()

    def _run_and_publish(self, keep_going: bool, publish_partial: bool,
                         started: float) -> tuple[Summary, RunState]:
        for attempt in range(PUBLISH_ATTEMPTS):
            summary, state = self._execute(keep_going, publish_partial)
            try:
                written, empty = self._publish(state)
                summary.outputs, summary.empty = [str(p) for p in written], [str(p) for p in empty]
            except DamagedBlob as exc:
                if attempt + 1 == PUBLISH_ATTEMPTS:
                    raise PipelineError(f"a cached output ({exc.digest[:16]}...) kept arriving damaged while "
                                        "publishing; nothing was published\n    fix: run `pipeline cache "
                                        "verify`, and check the disk of the cache folder") from None
                self.reporter.warning("publish", f"cached output {exc.digest[:16]}... was damaged (its bytes "
                                      "changed on disk); it was discarded and its node runs again")
                continue
            summary.seconds = time.monotonic() - started
            if not state.errors:
                self.cache.note_run(self.pipeline.recipe_id, self._touched, complete=True)
            return summary, state
        raise AssertionError("unreachable")

    def _execute(self, keep_going: bool, publish_partial: bool) -> tuple[Summary, RunState]:
        """Plan, check and run the stale nodes (not the publishing)."""
        started = time.monotonic()
        summary = Summary()
        state = RunState()
        self._start_scheduling()
        self.cache.sweep_stale_temp()
        try:
            plans: dict[str, NodePlan] = {p.node: p for p in plan(self.pipeline, self.cache, self.force)}
        except RecipeError:
            preflight(self.pipeline, self.cache.root)  # every problem at once, not only the planner's
            raise
        # what the plan will read from the cache is leased at once, so a gc elsewhere keeps it
        self.lease.add({o.digest for p in plans.values() if p.record is not None
                        for o in p.record.outputs.values()})
        to_run = [n for n in self.pipeline.order if plans[n].action == "run"]
        self.reporter.planned({n: plans[n].reasons for n in to_run})
        if not publish_partial:  # a batch checks per row, when each row compiles
            preflight(self.pipeline, self.cache.root, to_run)
        if to_run:
            self.cache.require_writable()  # a read-only or full cache: said now, not after the work
        self._warm_up(to_run)
        for name in self.pipeline.order:
            node_plan = plans[name]
            if node_plan.action == "skip" and node_plan.record is not None:
                self._finish(name, node_plan.record, summary, state, ran=False)
        pending = [n for n in self.pipeline.order if n not in state.done]
        running: dict[str, _Running] = {}
        try:
            while pending or running:
                self._start_ready(pending, running, state, summary, keep_going)
                if not running:
                    if state.errors:
                        break
                    if pending and self._refused:
                        # ready nodes wait for slots that other runs hold (an executor shared by a
                        # server's jobs): wait for them, never drop the nodes as blocked
                        if self.cancel.is_set():
                            raise Interrupted()
                        self.cancel.wait(0.05)
                        continue
                    if pending:  # nothing can start and nothing runs: only when upstreams failed
                        state.blocked.update(pending)
                        pending.clear()
                    continue
                futures = {item.future: name for name, item in running.items()}
                for future in self.executor().wait(futures, timeout=0.5):
                    for name in [n for n, item in running.items() if item.future is future]:
                        self._collect(name, running.pop(name), summary, state, pending, keep_going)
        except KeyboardInterrupt:
            self.cancel.set()
            self._stop(running)
            raise Interrupted() from None
        except ExecutorLost:
            self._stop(running)
            raise
        finally:
            self.reporter.close()
            if self._executor is not None and self._owns_executor:
                self._executor.close()
                self._executor = None
            self.cache.note_run(self.pipeline.recipe_id, self._touched, complete=False)
        summary.seconds = time.monotonic() - started
        if state.errors and not publish_partial:
            raise state.errors[0] if len(state.errors) == 1 else _Failures(state.errors)
        return summary, state

    def _warm_up(self, names: list[str]) -> None:
        """Let the types about to run load their heavy parts in the background (local runs only: a
        cluster's workers are other processes)."""
        types = [self.pipeline.steps[name].node_type for name in names]
        if any(needs_warm_up(t) for t in types) and not getattr(self.executor(), "remote", False):
            warm_up(types)

    def _stop(self, running: dict[str, _Running]) -> None:
        for item in running.values():
            try:
                item.future.cancel()
            except Exception:  # noqa: BLE001 - a closed cluster client cannot cancel; nothing runs there
                pass
        if self._executor is None:
            return
        while any(not item.future.done() for item in running.values()):
            try:
                self._executor.wait([i.future for i in running.values() if not i.future.done()], timeout=0.5)
            except KeyboardInterrupt:
                continue
            except Exception:  # noqa: BLE001 - a lost cluster cannot be waited on
                break

    def _finish(self, name: str, record: ResultRecord, summary: Summary, state: RunState, ran: bool) -> None:
        self._made.add(record.key)
        self.lease.add({ref.digest for ref in record.outputs.values()})
        for port, ref in record.outputs.items():
            state.produced[(name, port)] = ref
        state.done.add(name)
        self._touched[name] = record
        if ran:
            summary.ran.append(name)
            self.reporter.finished(name, "ran", record.seconds)
        else:
            summary.cached.append(name)
            summary.saved_seconds += record.seconds
            self.reporter.finished(name, "cached")
        if name in self._part_of:
            self._part_finished(name, record, ran, summary, state)

    def _publish(self, state: RunState) -> tuple[list[Path], list[Path]]:
        """Publish every output whose node succeeded, as one set; returns what was written and the optional
        outputs left unwritten for being empty (an earlier run's file there is removed). A cached output
        found damaged while copying is discarded (its node is planned again) and the set is not published."""
        files, empty = [], []
        for dest, ref in self.pipeline.outputs.items():
            out = state.produced.get((ref.step, ref.port))
            if out is None:
                continue
            if out.size == 0 and self.pipeline.steps[ref.step].node_type.outputs[ref.port].optional:
                empty.append(dest)
            else:
                files.append((out.digest, dest, out.size))
        try:
            publish_set(self.cache.blobs, files, self.cache.root, removals=empty)
        except DamagedBlob as exc:
            self.cache.blobs.discard(exc.digest)
            raise
        except OSError as exc:  # an output folder made read-only, or a file put where a folder goes, since
            # the checks before the run; the results are cached, nothing earlier was replaced
            where = exc.filename or "an output"
            raise OutputUnwritable(f"cannot write {where}: {exc.strerror or exc}; nothing was published (the "
                                   "results are cached)\n    fix: make the output folder writable, or write "
                                   "the outputs elsewhere, then run again") from None
        return [dest for _, dest, _ in files], empty


def _lost_cluster(exc: BaseException) -> bool:
    name = type(exc).__name__
    return name in ("CommClosedError", "FutureCancelledError", "CancelledError") or (
        isinstance(exc, OSError) and "scheduler" in str(exc).lower())


class _Failures(PipelineError):
    def __init__(self, errors: list[PipelineError]) -> None:
        self.exit_code = max(e.exit_code for e in errors)
        self.trace = "\n".join(e.trace for e in errors if e.trace)
        super().__init__(f"{len(errors)} nodes failed:\n" + "\n".join(str(e) for e in errors))


class DamagedBlob(Exception):
    """A cached output's bytes no longer match its digest (found while copying it out)."""

    def __init__(self, digest: str) -> None:
        super().__init__(digest)
        self.digest = digest


def stage_file(store: BlobStore, digest: str, dest: Path, size: int) -> Path:
    """Copy a blob to a temporary file beside ``dest`` (same folder, so the final rename is atomic),
    hashing while copying, and fsync it. Raises DamagedBlob (the temporary file removed) when the bytes
    are not the blob's."""
    from pipeline.cache import owner_pid, process_alive

    dest.parent.mkdir(parents=True, exist_ok=True)
    for stale in dest.parent.glob(f".{dest.name}.*.tmp"):  # left by a publish that was killed
        if not process_alive(owner_pid(stale.name)):
            stale.unlink(missing_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.pid{os.getpid()}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()
        copied = store.copy_out(digest, tmp)
        if copied != digest:
            raise DamagedBlob(digest)
        if tmp.stat().st_size != size:
            raise OSError(f"copy of blob {digest[:12]} is incomplete")
        fsync_file(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def publish_set(store: BlobStore, files: list[tuple[str, Path, int]], cache_root: Path,
                removals: list[Path] | None = None) -> None:
    """Publish (digest, destination, size) files as one set: every copy staged and checked first, then a
    journal, then the renames and the removal of ``removals`` (files the set no longer has; see
    ``pipeline.cache.journal``). Without a writable journal (a read-only cache) the files are renamed one
    by one, each still atomic."""
    from pipeline.cache import journal

    staged: list[tuple[Path, Path]] = []
    try:
        for digest, dest, size in files:
            staged.append((stage_file(store, digest, dest, size), dest))
        try:
            record = journal.write(cache_root, staged, removals)
        except OSError:
            record = None
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    if record is not None:
        journal.apply(record, staged, removals)
        return
    for tmp, dest in staged:
        os.replace(tmp, dest)
    for path in removals or []:
        path.unlink(missing_ok=True)


def publish_file(store: BlobStore, digest: str, dest: Path, size: int) -> None:
    """Copy one blob to ``dest`` atomically (temp file in the same folder, checked, fsync, rename)."""
    os.replace(stage_file(store, digest, dest, size), dest)


def run_pipeline(pipeline: Pipeline, cache: Cache, reporter: Reporter | None = None,
                 force: frozenset[str] = frozenset(), keep_going: bool = False,
                 executor: Executor | Callable[[], Executor] | None = None,
                 cancel: threading.Event | None = None) -> Summary:
    summary, _ = Runner(pipeline, cache, reporter, executor, force, cancel).run(keep_going=keep_going)
    return summary


__all__ = ["ExecutorLost", "Interrupted", "NodePlan", "Runner", "check_outputs", "publish_file", "publish_set",
           "run_pipeline"]

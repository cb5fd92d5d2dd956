"""The ``pipeline`` command: a thin layer over the API, one small function per subcommand.

Exit codes: 0 success; 1 a node failed (or ``plan --check`` found work, or something unexpected: one
line, the traceback only in a log with ``--debug``); 2 bad recipe, input or argument; 130 interrupted
(Ctrl-C); 141 output pipe closed; 143 terminated (SIGTERM, handled like Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import (
    EXIT_BAD_INPUT,
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    PipelineError,
)

if TYPE_CHECKING:
    from pipeline.cache import Cache
    from pipeline.graph import Pipeline
    from pipeline.plan import NodePlan

# Heavy modules (pydantic models, networkx, node types) are imported inside the commands, so that
# `pipeline --help` is instant and a Ctrl-C while they load still exits cleanly.
ENV_CACHE_DIR = "PIPELINE_CACHE_DIR"


def _variables(args: argparse.Namespace) -> dict[str, str]:
    from pipeline.recipe.variables import parse_assignments

    return parse_assignments(getattr(args, "var", None))


def _cache(args: argparse.Namespace) -> Cache:
    import os

    from pipeline.cache import Cache, default_cache_dir

    store = getattr(args, "blob_store", None) or os.environ.get("PIPELINE_BLOB_STORE") or None
    cache = Cache(Path(args.cache_dir) if args.cache_dir else default_cache_dir(), blob_store=store)
    if cache.note:
        print(f"warning: {cache.note}", file=sys.stderr)
    return cache


def _load(args: argparse.Namespace) -> Pipeline:
    from pipeline.recipe.load import load_recipe

    return load_recipe(args.recipe, _variables(args), getattr(args, "preview", False))


def _plan(pipeline: Pipeline, cache: Cache) -> list[NodePlan]:
    """The plan; when the planner meets a problem (an engine that cannot run here), every problem of the
    recipe is reported with it, as ``validate`` would."""
    from pipeline.errors import RecipeError
    from pipeline.plan import plan
    from pipeline.preflight import preflight

    try:
        return plan(pipeline, cache)
    except RecipeError:
        preflight(pipeline, cache.root)
        raise


def _cache_root(args: argparse.Namespace) -> Path:
    from pipeline.cache import default_cache_dir

    return (Path(args.cache_dir) if args.cache_dir else default_cache_dir()).resolve()


def cmd_validate(args: argparse.Namespace) -> int:
    from pipeline.preflight import preflight

    pipeline = _load(args)
    preflight(pipeline, _cache_root(args))  # the same checks a run makes before it starts
    print(f"{args.recipe}: ok ({len(pipeline.order)} nodes, {len(pipeline.outputs)} outputs)")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from pipeline.preflight import preflight

    pipeline = _load(args)
    cache = _cache(args)
    plans = _plan(pipeline, cache)
    preflight(pipeline, cache.root, [p.node for p in plans if p.action == "run"])
    if args.json:
        print(json.dumps([p.to_json() for p in plans], indent=2))
    else:
        for line in _plan_lines(plans):
            print(line)
        runs = sum(p.action == "run" for p in plans)
        print(f"{runs} to run, {len(plans) - runs} cached")
    if args.check:
        return 1 if any(p.action == "run" for p in plans) else 0
    return 0


def _plan_lines(plans: list[NodePlan]) -> list[str]:
    """A line a node, except that cached nodes in a row share one line once there are more than
    ``CACHED_LINES``, as in a run's progress (a long segmented scene is hundreds of cached steps; ``--json``
    keeps every node)."""
    from itertools import groupby

    from pipeline.progress import CACHED_LINES

    width = max(len(p.node) for p in plans)
    lines: list[str] = []
    for skipped, group in groupby(plans, key=lambda p: p.action == "skip"):
        row = list(group)
        if skipped and len(row) > CACHED_LINES:
            lines.append(f"skip  {row[0].node} … {row[-1].node}  cached ({len(row)} nodes)")
        else:
            lines.extend(f"{p.action:<4}  {p.node:<{width}}  {'; '.join(p.reasons)}" for p in row)
    return lines


def cmd_why(args: argparse.Namespace) -> int:
    pipeline = _load(args)
    if args.node not in pipeline.steps:
        from pipeline.recipe.diagnose import did_you_mean

        print(f"error: no node '{args.node}' in {args.recipe}{did_you_mean(args.node, pipeline.order)}; "
              f"nodes are: {', '.join(pipeline.order)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    cache = _cache(args)
    plans = {p.node: p for p in _plan(pipeline, cache)}
    node = plans[args.node]
    step = pipeline.steps[args.node]
    print(f"{node.node}  ({node.type}, version {step.node_type.version})  defined at "
          f"{pipeline.locate(node.node)}")
    print(f"action: {node.action}")
    for reason in node.reasons:
        print(f"  - {reason}")
    if node.action == "run" and node.root_causes and node.root_causes != [node.node]:
        print(f"root cause: {', '.join(node.root_causes)}")
        for cause in node.root_causes:
            for reason in plans[cause].reasons:
                print(f"  {cause}: {reason}")
    print(f"key: {node.key or '(known once upstream nodes have run)'}")
    print("inputs:")
    for port, sources in step.inputs.items():
        for source in sources:
            print(f"  {port}: {source.path if hasattr(source, 'path') else source.ref}")
    print("params:")
    for name, value in step.params.model_dump(mode="json").items():
        print(f"  {name}: {json.dumps(value, ensure_ascii=False)}")
    if node.record is not None:
        print(f"cached result: ran in {node.record.seconds:.2f}s")
        for port, ref in node.record.outputs.items():
            print(f"  {port}: {ref.digest[:16]}… {ref.size} bytes")
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    from pipeline.accept import accept

    pipeline = _load(args)
    unknown = sorted(set(args.nodes) - set(pipeline.order))
    if unknown:
        print(f"error: unknown node(s) {', '.join(unknown)}; nodes are: {', '.join(pipeline.order)}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    done = accept(pipeline, _cache(args), args.nodes)
    print(f"accepted: {', '.join(done)}" if done else "nothing to accept: those nodes are up to date")
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    from pipeline import draw

    pipeline = _load(args)
    dest = _graph_destination(pipeline, args.output, _cache_root(args)) if args.output else None
    plans = _plan(pipeline, _cache(args))
    if dest is not None and dest.suffix.lower() in (".svg", ".png"):
        try:
            data = draw.render_image(draw.dot(pipeline, plans), dest)
        except (FileNotFoundError, RuntimeError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    else:
        text = draw.mermaid(pipeline, plans) if args.format == "mermaid" else draw.dot(pipeline, plans)
        if dest is None:
            print(text, end="")
            return 0
        data = text.encode("utf-8")
    _write_atomically(dest, data)
    print(f"wrote {args.output}")
    return 0


def _graph_destination(pipeline: Pipeline, output: str, cache_root: Path) -> Path:
    """Where ``graph -o`` writes, refused (UsageError) when it is the recipe, a file the recipe reads, an
    output it publishes, a path inside the cache folder (its index, its blobs) or something that exists
    and is not a regular file (a device, a pipe): a drawing must never replace the user's work."""
    import stat

    from pipeline.errors import UsageError
    from pipeline.graph import files_in_use

    try:
        dest = Path(output).resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise UsageError(f"cannot write the graph to {output}: {exc}\n    fix: choose another path") from None
    if dest.is_relative_to(cache_root):
        raise UsageError(f"-o {output} is inside the cache folder {cache_root}; the graph would replace the "
                         "cache's own files\n    fix: write the graph outside the cache folder, e.g. -o graph.mmd")
    try:
        mode = dest.stat().st_mode
    except OSError:
        mode = None  # nothing there yet (or unreadable): _write_atomically reports what it meets
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise UsageError(f"-o {output} exists and is not a regular file (a device, pipe or socket); the graph "
                         "would replace it\n    fix: write the graph to a new file, e.g. -o graph.mmd")
    used = files_in_use(pipeline).get(dest)
    if used:
        raise UsageError(f"-o {output} is {used}; the graph would replace it\n    fix: write the graph to a "
                         "new file, e.g. -o graph.mmd")
    return dest


def _write_atomically(dest: Path, data: bytes) -> None:
    """``data`` into ``dest`` through a temporary file beside it and a rename: a failure leaves any file
    there as it was. A path that cannot be written is a UsageError naming it."""
    import os
    import tempfile

    from pipeline.errors import UsageError

    fix = "fix: choose a file name in a folder that exists and that you can write to"
    try:
        if dest.is_dir():
            raise UsageError(f"cannot write the graph to {dest}: it is a folder\n    {fix}")
        fd, tmp = tempfile.mkstemp(prefix=".graph.", suffix=".tmp", dir=dest.parent)
    except OSError as exc:
        raise UsageError(f"cannot write the graph to {dest}: {exc.strerror or exc}\n    {fix}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, dest)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write the graph to {dest}: {exc.strerror or exc}\n    {fix}") from None


def cmd_run(args: argparse.Namespace) -> int:
    import os

    from pipeline.executor.dask import ENV_EXECUTOR, executor_from_spec
    from pipeline.progress import make_reporter
    from pipeline.run import run_pipeline

    reporter = make_reporter(args.log_format, quiet=args.quiet)
    executor = executor_from_spec(args.executor or os.environ.get(ENV_EXECUTOR, "local"))
    if args.batch:
        return _run_batch(args, reporter, executor)
    pipeline = _load(args)
    for flag, names in (("--force", args.force), ("--refresh", args.refresh)):
        unknown = sorted(set(names or []) - set(pipeline.order))
        if unknown:
            print(f"error: {flag} names unknown node(s): {', '.join(unknown)}; "
                  f"nodes are: {', '.join(pipeline.order)}\n    fix: give {flag} a node name as `pipeline plan "
                  f"{args.recipe}` lists it", file=sys.stderr)
            return EXIT_BAD_INPUT
    force = frozenset(pipeline.order) if args.force_all else frozenset((args.force or []) + (args.refresh or []))
    summary = run_pipeline(pipeline, _cache(args), reporter=reporter, force=force, keep_going=args.keep_going,
                           executor=executor)
    reporter.summary(summary)
    return 0


def _run_batch(args: argparse.Namespace, reporter: object, executor: object) -> int:
    from pipeline.batch import run_batch

    result = run_batch(Path(args.recipe), Path(args.batch), _cache(args), reporter,  # type: ignore[arg-type]
                       _variables(args), executor)
    reporter.summary(result.summary)  # type: ignore[attr-defined]
    total = len(result.rendered) + len(result.failed)
    print(f"batch: {len(result.rendered)} of {total} rows rendered", file=sys.stderr)
    for number, error in result.failed.items():
        print(f"  row {number} failed: {error}", file=sys.stderr)
    if result.bad_input:  # bad input in any row is exit 2, as for the same values given with --var
        return EXIT_BAD_INPUT
    return 0 if not result.failed else 1


def cmd_doctor(args: argparse.Namespace) -> int:
    from pipeline.device import affinity_cpus, cgroup_cpu_limit, cpu_threads, detect_device, torch_available
    from pipeline.registry import node_types

    limit = cgroup_cpu_limit()
    print(f"python      {sys.version.split()[0]}")
    print(f"device      {detect_device()} (torch {'installed' if torch_available() else 'not installed'})")
    print(f"threads     {cpu_threads()} (affinity {affinity_cpus()}, cgroup quota "
          f"{'none' if limit is None else f'{limit:g} CPUs'})")
    from pipeline.cache import default_cache_dir

    print(f"cache       {(Path(args.cache_dir) if args.cache_dir else default_cache_dir()).resolve()}")
    for name, cls in sorted(node_types().items()):
        for key, value in cls.diagnostics().items():
            print(f"{name + ' ' + key:<24}{value}")
    return 0


def cmd_nodes(args: argparse.Namespace) -> int:
    from pipeline.registry import node_types

    for name, cls in sorted(node_types().items()):
        print(f"{name} (version {cls.version}) - {cls.doc or (cls.__doc__ or '').strip().splitlines()[0]}")
        for port_name, port in cls.inputs.items():
            flags = ("list of " if port.many else "") + port.kind + (", optional" if port.optional else "")
            print(f"    input  {port_name}: {flags}")
        for port_name, port in cls.outputs.items():
            print(f"    output {port_name}: {port.kind} ({port.suffix})")
        for field_name, info in cls.params.model_fields.items():
            default = "required" if info.is_required() else f"default {info.get_default(call_default_factory=True)!r}"
            doc = f" - {info.description}" if info.description else ""
            print(f"    param  {field_name}: {default}{doc}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from pipeline.schema import recipe_schema

    print(json.dumps(recipe_schema(), indent=2))
    return 0


def cmd_cache(args: argparse.Namespace) -> int:
    from pipeline.cache import maintenance as m

    cache = _cache(args)
    if args.action == "du":
        u = m.usage(cache)
        print(f"cache     {cache.root}")
        print(f"blobs     {u.blobs} ({m.human(u.blob_bytes)})")
        print(f"records   {u.records}")
        print(f"pinned    {m.human(u.pinned_bytes)} (outputs of the latest run of each recipe)")
        for node_type, size in u.by_node_type.items():
            print(f"  {node_type:<12}{m.human(size)}")
    elif args.action == "gc":
        try:
            max_bytes = m.parse_size(args.max_size) if args.max_size else None
            max_age = m.parse_age(args.max_age) if args.max_age else None
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        r = m.gc(cache, max_bytes=max_bytes, max_age_seconds=max_age)
        print(f"dropped {r.records_dropped} records, deleted {r.blobs_deleted} blobs "
              f"({m.human(r.bytes_freed)}), removed {r.temp_removed} stale temp folders")
    elif args.action == "verify":
        v = m.verify(cache)
        print(f"checked {v.blobs_checked} blobs: {len(v.damaged)} damaged (deleted), "
              f"{v.records_dropped} records dropped")
        for digest in v.damaged:
            print(f"  damaged {digest}")
        return 1 if v.damaged else 0
    elif args.action == "clear":
        print(f"cleared {cache.root}: {m.human(m.clear(cache))} freed")
    return 0


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipeline", description="Narrated videos from YAML recipes: text-to-speech, captions, Ken Burns "
                                     "motion and music, every step content-hash cached.",
        epilog="Start with: pipeline run recipes/hello.yaml. Exit codes: 0 done, 1 failed (or plan --check "
               "found work), 2 a problem in the recipe, its inputs or the cache folder, 130 interrupted, "
               "141 output pipe closed, 143 terminated.")
    parser.add_argument("--cache-dir", help=f"cache folder (default: ${ENV_CACHE_DIR} or ./cache)")
    parser.add_argument("--debug", action="store_true", help="on an unexpected error, keep the full "
                                                              "traceback in a log file and print its path")
    parser.add_argument("--blob-store", help="where cached files live when shared by several machines: a "
                                             "folder all mount, or an fsspec URL (s3://...); the index "
                                             "stays in --cache-dir ($PIPELINE_BLOB_STORE)")
    parser.add_argument("--version", action=_VersionAction, help="show the version of pipeline, ffmpeg and "
                                                                 "the speech engines, and exit")
    parser.add_argument("--log-format", choices=["text", "json"], default="text",
                        help="progress as text (a live view on a terminal) or one JSON object a line per event")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, fn: Callable[[argparse.Namespace], int], help_text: str,
                recipe: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        if recipe:
            p.add_argument("recipe", help="the recipe YAML file")
            p.add_argument("--var", action="append", metavar="NAME=VALUE",
                           help="set a recipe variable (overrides the recipe's vars; repeatable)")
            p.add_argument("--preview", action="store_true",
                           help="the recipe's small, fast preview, written to outputs of its own (cached apart)")
        p.add_argument("--cache-dir", default=argparse.SUPPRESS, help="cache folder")
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="keep the traceback of an unexpected error in a log file")
        p.add_argument("--blob-store", default=argparse.SUPPRESS, help="shared blob store (folder or URL)")
        p.add_argument("--log-format", choices=["text", "json"], default=argparse.SUPPRESS,
                       help="progress as text or JSON lines")
        p.set_defaults(fn=fn)
        return p

    run = command("run", cmd_run, "run what is stale and write the recipe's outputs")
    run.add_argument("--force", action="append", metavar="NODE", help="rerun NODE even if cached (repeatable)")
    run.add_argument("--refresh", action="append", metavar="NODE",
                     help="recompute NODE (for non-deterministic nodes, whose first result is reused)")
    run.add_argument("--force-all", action="store_true", help="rerun every node")
    run.add_argument("--keep-going", action="store_true", help="after a failure, run everything not downstream")
    run.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    run.add_argument("--executor", help="local (default), dask (a LocalCluster sized to this machine), or "
                                        "dask://HOST:PORT (an existing scheduler); or $PIPELINE_EXECUTOR")
    run.add_argument("--batch", metavar="ROWS", help="render one video per row of a CSV or JSONL file; each "
                                                     "column is a recipe variable")
    p = command("plan", cmd_plan, "show which nodes would run and why")
    p.add_argument("--json", action="store_true", help="print a JSON array of {node, action, reasons, ...}")
    p.add_argument("--check", action="store_true", help="exit 1 if anything would run, 0 if all is cached")
    why = command("why", cmd_why, "explain in detail whether and why one node runs")
    why.add_argument("node", help="the node name, as `plan` shows it")
    acc = command("accept", cmd_accept, "keep the previous result of NODE despite a harmless change")
    acc.add_argument("nodes", nargs="+", metavar="NODE")
    g = command("graph", cmd_graph, "draw the DAG (Mermaid or DOT text; SVG/PNG with Graphviz), "
                                    "cached nodes green, stale orange")
    g.add_argument("--format", choices=["mermaid", "dot"], default="mermaid")
    g.add_argument("-o", "--output", help="write to a file; .svg/.png render through Graphviz")
    command("validate", cmd_validate, "check a recipe and its input files; exit 2 on problems")
    c = command("cache", cmd_cache, "cache maintenance: du (usage), gc (evict), verify (re-hash), clear",
                recipe=False)
    c.add_argument("action", choices=["du", "gc", "verify", "clear"])
    c.add_argument("--max-size", help="gc: evict least recently used results until blobs fit, e.g. 10G")
    c.add_argument("--max-age", help="gc: evict results unused for longer than this, e.g. 30d")
    command("doctor", cmd_doctor, "show device, threads, ffmpeg and usable TTS engines", recipe=False)
    command("nodes", cmd_nodes, "list node types with their ports and params", recipe=False)
    command("schema", cmd_schema, "print the recipe JSON Schema (for editor completion)", recipe=False)
    _plugin_commands(sub, sys.argv[1:] if argv is None else argv)
    return parser


class _VersionAction(argparse.Action):
    """``--version``: asks the node types for their tools only when given (it loads them)."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        from pipeline.version import version_report

        print(version_report())
        parser.exit()


def _plugin_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], argv: list[str]) -> None:
    """Subcommands that node packages add through the ``pipeline.commands`` entry-point group (each entry
    is a ``register(subparsers)`` function whose parser sets ``fn``). Only the plugin the command line
    names is imported; the others get a placeholder, so they cost nothing on every other command."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="pipeline.commands"):
        if entry.name in argv:
            try:
                entry.load()(sub)
                continue
            except Exception as exc:  # a broken plugin must not take the whole command line down
                print(f"warning: command plugin '{entry.name}' failed to load: {exc}", file=sys.stderr)
        sub.add_parser(entry.name, help=f"(from {entry.value.split(':')[0]}; "
                                        f"'pipeline {entry.name} -h' for its options)")


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so a run stops exactly as on Ctrl-C."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated()


def main(argv: list[str] | None = None) -> int:
    """Run one command; every way out is an exit code and, on error, a message (never a traceback)."""
    import signal
    import threading

    args = build_parser(argv).parse_args(argv)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code: int = args.fn(args)
        return code
    except PipelineError as exc:
        if exc.exit_code == EXIT_INTERRUPTED and isinstance(exc.__context__, _Terminated):
            print(f"error: terminated (SIGTERM); {exc}", file=sys.stderr)
            return EXIT_TERMINATED
        print(f"error: {exc}", file=sys.stderr)
        if exc.trace and getattr(args, "debug", False):
            _keep_trace(exc.trace)
        return exc.exit_code
    except MemoryError as exc:
        print("error: ran out of memory\n    fix: check the recipe for a number far larger than meant (frames, "
              "size, duration, text length); otherwise free memory or use a larger machine", file=sys.stderr)
        if getattr(args, "debug", False):
            _keep_trace(_format_trace(exc))
        return EXIT_FAILED
    except KeyboardInterrupt as exc:
        if isinstance(exc, _Terminated):
            print("terminated (SIGTERM): nothing partial was kept", file=sys.stderr)
            return EXIT_TERMINATED
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - the last resort: one line, never a traceback
        return _unexpected(args, exc)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _silence_stdout() -> None:
    """The reader went away: later writes (and the interpreter's final flush) go nowhere."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # a stream without a descriptor (tests' StringIO)
        pass


def _unexpected(args: argparse.Namespace, exc: BaseException) -> int:
    """An error the engine did not foresee: one line naming the command and what to do; the traceback
    only in a log file, and only with --debug."""
    command = getattr(args, "command", None) or "command"
    print(f"error: pipeline {command} failed unexpectedly: {type(exc).__name__}: {exc}", file=sys.stderr)
    if getattr(args, "debug", False):
        _keep_trace(_format_trace(exc))
    else:
        print("    fix: this is a bug or an unusual environment; rerun with --debug to keep the full "
              "traceback in a log file", file=sys.stderr)
    return EXIT_FAILED


def _format_trace(exc: BaseException) -> str:
    import traceback

    return "".join(traceback.format_exception(exc))


def _keep_trace(trace: str) -> None:
    """``--debug``: the traceback of an unexpected error into a log file, whose path is printed."""
    import os
    import tempfile
    import time

    log = Path(tempfile.gettempdir()) / f"pipeline-debug-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    try:
        log.write_text(trace, encoding="utf-8")
        print(f"    the full traceback is in {log}; please attach it to a bug report", file=sys.stderr)
    except OSError as write_error:
        print(f"    (could not write the traceback to {log}: {write_error.strerror})", file=sys.stderr)


def entry() -> None:
    """The ``pipeline`` command: ``main()``, then a quick exit.

    After a run that loaded compiled kernels and a voice, the interpreter's own teardown (freeing them,
    module by module) does nothing for the user and is slow: after ``run --force merge`` of hello.yaml it
    took 1.2-1.6 s from the exit handlers to the process's end, against 0.05-0.07 s this way (measured on
    a 2-core machine: an atexit handler printing the time, compared with the shell's time at exit).
    Outputs are published with fsync, records are committed, and the cache is built to survive a process
    that simply stops (kill -9 is tested). So once ``main`` has returned and no other thread is left
    running, the exit handlers run (logging, a Dask cluster's shutdown) and the process ends without the
    teardown. Anything unusual (a thread still running, an unexpected exception) takes the normal way
    out. ``atexit._run_exitfuncs`` is private, but Python has no public way to run the exit handlers
    before ``os._exit``.
    """
    import atexit
    import os
    import threading

    try:
        code: int | str | None = main()
    except SystemExit as exc:  # argparse's --help and usage errors
        code = exc.code
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`pipeline plan | head`), a closed stream
            pass
    os._exit(code or 0)


if __name__ == "__main__":
    entry()

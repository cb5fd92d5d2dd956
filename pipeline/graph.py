"""Compiling steps into a typed DAG (a networkx DiGraph), with every problem reported at once.

networkx is imported only when the graph object is asked for (drawing, batches) or a cycle must be
described: ordering a DAG of a hundred nodes is a few lines here, and the import costs a tenth of a
second on every command.

Checks: known node types (with did-you-mean), params against each type's model, input ports fed by a
reference to an existing step's output of the same kind or by an existing file, required inputs present,
no cycles (reported with their path). Nothing here knows what the node types do.
"""

from __future__ import annotations

import heapq
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from pipeline.errors import Location, Problem, RecipeError
from pipeline.node import CheckValue, Facts, NodeError, NodeType, Params, Pending, Port, _RecipePath
from pipeline.recipe.diagnose import did_you_mean, problems_from_validation
from pipeline.recipe.refs import Ref, looks_like_ref, parse_ref
from pipeline.recipe.source import Path_, Source
from pipeline.recipe.steps import STEP_NAME_CHARS, StepSpec, valid_step_name
from pipeline.registry import get_node_type, node_types

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True)
class SourceFile:
    """An input read from a file the user names (an image, a music track)."""

    path: Path


@dataclass(frozen=True)
class Upstream:
    """An input fed by another step's output."""

    ref: Ref


InputSource = SourceFile | Upstream


@dataclass
class Step:
    """A compiled step: its node type, validated params, and where each input comes from."""

    name: str
    node_type: NodeType
    params: Params
    inputs: dict[str, list[InputSource]]
    spec: StepSpec
    source: Source | None = None  # the recipe it came from (steps of a batch come from several)
    _upstream: list[str] | None = field(default=None, init=False, repr=False, compare=False)

    def upstream_steps(self) -> list[str]:
        if self._upstream is None:  # asked on every pass of the scheduler
            self._upstream = sorted({s.ref.step for sources in self.inputs.values() for s in sources
                                     if isinstance(s, Upstream)})
        return self._upstream


@dataclass
class Pipeline:
    """A compiled recipe: the DAG, its steps in run order, and the files it publishes."""

    file: Path
    edges: list[tuple[str, str, str]]  # (upstream step, downstream step, input port)
    steps: dict[str, Step]
    order: list[str]
    outputs: dict[Path, Ref]
    source: Source
    problems: list[Problem] = field(default_factory=list)
    _graph: Any = field(default=None, repr=False)

    @property
    def graph(self) -> nx.DiGraph:
        """The DAG as a networkx DiGraph: nodes carry ``step``, edges carry ``port``."""
        if self._graph is None:
            import networkx as nx  # noqa: PLC0415 - see the module docstring

            graph = nx.DiGraph()
            for name in self.order:
                graph.add_node(name, step=self.steps[name])
            for up, down, port in self.edges:
                graph.add_edge(up, down, port=port)
            self._graph = graph
        return self._graph

    @property
    def recipe_id(self) -> Path:
        """The recipe's absolute path: identifies it in the cache (last manifests, pins)."""
        return self.file.resolve()

    def locate(self, step: str, field_path: tuple[str | int, ...] = ()) -> Location:
        spec = self.steps[step].spec
        source = self.steps[step].source or self.source
        return source.locate(spec.source_path(field_path) if field_path else spec.origin)


def topological_order(names: list[str], edges: list[tuple[str, str]]) -> list[str] | None:
    """Kahn's algorithm with the smallest name first among the ready ones (a stable, readable order);
    None when there is a cycle."""
    indegree = dict.fromkeys(names, 0)
    children: dict[str, list[str]] = {name: [] for name in names}
    for up, down in set(edges):
        indegree[down] += 1
        children[up].append(down)
    ready = [name for name, degree in indegree.items() if degree == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for child in children[name]:
            indegree[child] -= 1
            if indegree[child] == 0:
                heapq.heappush(ready, child)
    return order if len(order) == len(names) else None


def _recipe_path(metadata: list[Any], annotation: Any) -> _RecipePath | None:
    """The RecipePath marker of a field, also inside ``RecipePath | None``; None for other fields."""
    for m in metadata:
        if isinstance(m, _RecipePath):
            return m
    for arg in getattr(annotation, "__args__", ()):
        for m in getattr(arg, "__metadata__", ()):
            if isinstance(m, _RecipePath):
                return m
    return None


def resolve_path(base_dir: Path, text: str) -> tuple[Path, str]:
    """``text`` made absolute against ``base_dir``, symlinks followed, and "" ; or the path as given and why
    it cannot be followed (a symlink loop, a NUL, a name too long)."""
    path = base_dir / Path(text).expanduser()
    try:
        return path.resolve(), ""
    except RuntimeError:  # Python 3.11 and 3.12 raise it for a loop of symbolic links
        return path, "its symbolic links form a loop"
    except (OSError, ValueError) as exc:
        return path, str(getattr(exc, "strerror", None) or exc)


def looks_like_path(value: str, base_dir: Path) -> bool:
    """A RecipePath value names a file or folder (not a plain name like a voice or a font family) when it
    has a folder part, starts with ``.`` or ``~``, is absolute, or exists beside the recipe."""
    return (any(sep in value for sep in ("/", "\\")) or value.startswith((".", "~"))
            or Path(value).is_absolute() or (base_dir / value).exists())


def resolve_recipe_paths(params: BaseModel, base_dir: Path, allow_outside: bool = True,
                         outside: list[tuple[tuple[str, ...], Path]] | None = None) -> BaseModel:
    """Params with every RecipePath value that names a file made absolute against the recipe's folder
    (symlinks followed; nested models included); plain names are left alone, and a field that is always a
    path (``RecipeFilePath``) is resolved whatever it looks like. Confinement is a property of the type:
    unless ``allow_outside``, a path that resolves outside ``base_dir`` is appended to ``outside`` as
    (field path, resolved path), whatever the param is called."""
    updates: dict[str, Any] = {}
    for name, info in type(params).model_fields.items():
        value = getattr(params, name)
        if isinstance(value, BaseModel):
            found: list[tuple[tuple[str, ...], Path]] = []
            resolved = resolve_recipe_paths(value, base_dir, allow_outside, found)
            if outside is not None:
                outside.extend(((name, *loc), path) for loc, path in found)
            if resolved is not value:
                updates[name] = resolved
        elif isinstance(value, str) and (marker := _recipe_path(info.metadata, info.annotation)) is not None \
                and (marker.always or looks_like_path(value, base_dir)):
            path = resolve_path(base_dir, value)[0]  # one that cannot be followed: the node's check says why
            if not allow_outside and not path.is_relative_to(base_dir) and outside is not None:
                outside.append(((name,), path))
            updates[name] = str(path)
    return params.model_copy(update=updates) if updates else params


def _param_paths(params: BaseModel) -> set[Path]:
    """The files named by RecipePath params (resolved when the recipe compiled), nested models included."""
    found: set[Path] = set()
    for name, info in type(params).model_fields.items():
        value = getattr(params, name)
        if isinstance(value, BaseModel):
            found |= _param_paths(value)
        elif isinstance(value, str) and _recipe_path(info.metadata, info.annotation) is not None \
                and Path(value).is_absolute():
            found.add(Path(value).resolve())
    return found


def _check_inputs(step: Step, known: dict[str, dict[str, Facts]]) -> dict[str, CheckValue]:
    """Inputs of a step as ``check`` sees them before anything runs: each file the user named as its
    path, each other step's output as a Pending with what is known of it (``known``: step -> port ->
    facts); ports the recipe leaves out are absent."""
    values: dict[str, CheckValue] = {}
    for port_name, port in step.node_type.inputs.items():
        if port_name not in step.inputs:
            continue
        items: list[Path | Pending] = [
            s.path if isinstance(s, SourceFile)
            else Pending(s.ref.step, s.ref.port, known.get(s.ref.step, {}).get(s.ref.port, {}))
            for s in step.inputs[port_name]]
        if port.many:
            values[port_name] = items
        elif items:
            values[port_name] = items[0]
    return values


class _Compiler:
    def __init__(self, specs: list[StepSpec], outputs: dict[str, str], source: Source, base_dir: Path,
                 allow_outside: bool = False, output_origin: Path_ | None = None):
        self.specs = specs
        self.raw_outputs = outputs
        self.source = source
        self.base_dir = base_dir
        self.allow_outside = allow_outside
        self.output_origin = output_origin  # where generated outputs come from (scene list: output.path)
        self.problems: list[Problem] = []
        self.types: dict[str, NodeType] = {}

    def problem(self, spec: StepSpec, loc: tuple[str | int, ...], message: str, hint: str = "",
                field_name: str | None = None) -> None:
        where = self.source.locate(spec.source_path(loc) if loc else spec.origin)
        label = field_name if field_name is not None else ".".join(str(p) for p in loc)
        self.problems.append(Problem(where, message, field=label, hint=hint, steps=(spec.name,)))

    def compile(self) -> Pipeline:
        known = node_types()
        names = [spec.name for spec in self.specs]
        for spec in self.specs:
            if not valid_step_name(spec.name):
                self.problem(spec, (), f"step name '{spec.name}' may only contain {STEP_NAME_CHARS}",
                             "rename the step")
            if not spec.type:
                self.problem(spec, (), "the step has no 'type'",
                             f"add 'type:' with one of: {', '.join(sorted(known))}")
                continue
            node_type = get_node_type(spec.type)
            if node_type is None:
                self.problem(spec, ("type",), f"unknown node type '{spec.type}'{did_you_mean(spec.type, known)}",
                             f"known types: {', '.join(sorted(known))} (see 'pipeline nodes')", "type")
                continue
            self.types[spec.name] = node_type

        steps: dict[str, Step] = {}
        for spec in self.specs:
            node_type = self.types.get(spec.name)
            if node_type is None:
                continue
            step = self._compile_step(spec, node_type, names)
            if step is not None:
                steps[spec.name] = step

        edges = [(src.ref.step, name, port) for name, step in steps.items()
                 for port, sources in step.inputs.items() for src in sources
                 if isinstance(src, Upstream) and src.ref.step in steps]
        order = self._order(list(steps), edges, steps)
        outputs = self._outputs(steps)
        if self.problems:
            raise RecipeError(self.problems)
        return Pipeline(file=self.source.file, edges=edges, steps=steps, order=order, outputs=outputs,
                        source=self.source)

    def _compile_step(self, spec: StepSpec, node_type: NodeType, names: list[str]) -> Step | None:
        params_model = node_type.params
        param_fields = {k: v for k, v in spec.fields.items() if k not in node_type.inputs}
        before = len(self.problems)
        params: Params | None = None
        try:
            outside: list[tuple[tuple[str, ...], Path]] = []
            params = resolve_recipe_paths(params_model.model_validate(param_fields), self.base_dir,  # type: ignore[assignment]
                                          self.allow_outside, outside)
            for loc, path in outside:
                self.problem(spec, loc, f"{path} is outside the recipe's folder {self.base_dir}",
                             "move the file next to the recipe, or set `allow_outside_paths: true` at the top "
                             "of the recipe if you mean it")
        except ValidationError as exc:
            def locate(loc: tuple[Any, ...]) -> Location:
                return self.source.locate(spec.source_path(loc))
            for problem in problems_from_validation(exc, params_model, locate, extra_names=node_type.inputs):
                self.problems.append(Problem(problem.location, problem.message, field=problem.field,
                                             hint=problem.hint, steps=(spec.name,)))
        inputs: dict[str, list[InputSource]] = {}
        for port_name, port in node_type.inputs.items():
            if port_name not in spec.fields or spec.fields[port_name] is None:
                if not port.optional:
                    self.problem(spec, (), f"input '{port_name}' ({port.kind}) is required",
                                 f"add '{port_name}:' with a file path or a reference like ${{step.port}}",
                                 port_name)
                continue
            inputs[port_name] = self._input_sources(spec, port_name, port, spec.fields[port_name], names)
        if len(self.problems) > before or params is None:
            return None
        return Step(name=spec.name, node_type=node_type, params=params, inputs=inputs, spec=spec,
                    source=self.source)

    def _input_sources(self, spec: StepSpec, port_name: str, port: Port, value: Any,
                       names: list[str]) -> list[InputSource]:
        if port.many:
            if not isinstance(value, list):
                value = [value]
            items: list[tuple[int | None, Any]] = list(enumerate(value))
        else:
            if isinstance(value, list):
                self.problem(spec, (port_name,), f"input '{port_name}' takes one value, got a list",
                             "give a single path or reference")
                return []
            items = [(None, value)]  # no index: a single value
        sources: list[InputSource] = []
        for index, item in items:
            loc = (port_name,) if index is None else (port_name, index)
            ref = parse_ref(item)
            if ref is not None:
                if self._check_ref(spec, loc, ref, port, names):
                    sources.append(Upstream(ref))
            elif looks_like_ref(item):
                self.problem(spec, loc, f"malformed reference {item!r}",
                             "write references as ${step.port}, for example ${narrate.audio}")
            elif isinstance(item, str) and item.strip():
                path, why = resolve_path(self.base_dir, item)
                if why:
                    self.problem(spec, loc, f"{port.kind} file {item!r} cannot be read: {why}",
                                 "paths are relative to the recipe file; give an existing file")
                elif not self._inside(path):
                    self.problem(spec, loc, f"{path} is outside the recipe's folder {self.base_dir}",
                                 "move the file next to the recipe, or set `allow_outside_paths: true` "
                                 "at the top of the recipe if you mean it")
                elif not path.is_file():
                    what = ("is a folder, not a file" if path.is_dir() else
                            "is not a regular file (a device, a pipe or a socket)" if path.exists() else "not found")
                    self.problem(spec, loc, f"{port.kind} file {what}: {path}",
                                 "paths are relative to the recipe file; check the spelling" if what == "not found"
                                 else "give a regular file (a picture, a recording) saved on disk")
                else:
                    sources.append(SourceFile(path))
            else:
                self.problem(spec, loc, f"expected a file path or a ${{step.port}} reference, got {item!r}")
        return sources

    def _check_ref(self, spec: StepSpec, loc: tuple[str | int, ...], ref: Ref, port: Port,
                   names: list[str]) -> bool:
        if ref.step not in self.types and ref.step not in names:  # types: a dict, names: a list
            self.problem(spec, loc, f"reference to unknown step '{ref.step}'{did_you_mean(ref.step, names)}",
                         f"steps in this recipe: {', '.join(names)}")
            return False
        producer = self.types.get(ref.step)
        if producer is None:
            return False
        out = producer.outputs.get(ref.port)
        if out is None:
            self.problem(spec, loc, f"step '{ref.step}' ({producer.name}) has no output '{ref.port}'"
                         f"{did_you_mean(ref.port, producer.outputs)}",
                         f"its outputs: {', '.join(producer.outputs)}")
            return False
        if out.kind != port.kind:
            self.problem(spec, loc, f"type mismatch: ${{{ref.step}.{ref.port}}} is {out.kind}, "
                         f"this input needs {port.kind}",
                         f"use an output of kind {port.kind}")
            return False
        return True

    def _order(self, names: list[str], edges: list[tuple[str, str, str]], steps: dict[str, Step]) -> list[str]:
        order = topological_order(names, [(a, b) for a, b, _ in edges])
        if order is not None:
            return order
        import networkx as nx  # noqa: PLC0415 - only to describe cycles

        graph = nx.DiGraph([(a, b) for a, b, _ in edges])
        for cycle in list(nx.simple_cycles(graph))[:5]:
            first = cycle.index(min(cycle))
            cycle = cycle[first:] + cycle[:first]
            path = " -> ".join([*cycle, cycle[0]])
            self.problem(steps[cycle[0]].spec, (), f"cycle: {path}",
                         "a step cannot depend on its own output; break one of these references")
        return []

    def _outputs(self, steps: dict[str, Step]) -> dict[Path, Ref]:
        outputs: dict[Path, Ref] = {}
        reported: set[Path_] = set()
        placed = _Placed()
        for path_text, value in self.raw_outputs.items():
            loc_path = self.output_origin or ("outputs", path_text)
            where = self.source.locate(loc_path)
            ref = parse_ref(value)
            if ref is None:
                self.problems.append(Problem(where, f"expected a ${{step.port}} reference, got {value!r}",
                                             field=f"outputs: {path_text}"))
                continue
            bad_name = _bad_output_name(path_text)
            if bad_name:
                shown = path_text if len(path_text) <= 80 else f"{path_text[:60]}..."
                self.problems.append(Problem(where, f"output {shown!r} {bad_name}", field="outputs",
                                             hint="give the output a plain file name, e.g. out/video.mp4"))
                continue
            dest, why = resolve_path(self.base_dir, path_text)
            if why:
                self.problems.append(Problem(where, f"output {path_text!r} cannot be written: {why}",
                                             field=f"outputs: {path_text}", hint="write outputs under out/"))
                continue
            if not self._inside(dest):
                if loc_path in reported:
                    continue
                reported.add(loc_path)
                self.problems.append(Problem(where, f"output {dest} is outside the recipe's folder "
                                             f"{self.base_dir}", field=f"outputs: {path_text}",
                                             hint="write outputs under the recipe's folder, or set "
                                                  "`allow_outside_paths: true` if you mean it"))
                continue
            step = steps.get(ref.step)
            if step is None:
                if ref.step not in self.types:
                    self.problems.append(Problem(
                        where, f"reference to unknown step '{ref.step}'{did_you_mean(ref.step, steps)}",
                        field=f"outputs: {path_text}"))
                continue
            if ref.port not in step.node_type.outputs:
                self.problems.append(Problem(where, f"step '{ref.step}' has no output '{ref.port}'",
                                             field=f"outputs: {path_text}",
                                             hint=f"its outputs: {', '.join(step.node_type.outputs)}"))
                continue
            clash = self._clash(dest, steps) or placed.clash(dest, path_text, where)
            if clash:
                self.problems.append(Problem(where, f"output {dest} {clash}", field=f"outputs: {path_text}",
                                             hint="write the output to a new file name, e.g. under out/"))
                continue
            outputs[dest] = ref
        return outputs

    def _clash(self, dest: Path, steps: dict[str, Step]) -> str:
        """Why ``dest`` (already resolved, symlinks followed) cannot be written: it names a folder, the
        recipe itself, or a file the recipe reads (publishing would overwrite the user's picture)."""
        try:
            if dest.is_dir():
                return "is an existing folder"
            for folder in dest.parents:
                if folder.exists():
                    if not folder.is_dir():
                        return f"cannot be written: {folder} is a file, not a folder"
                    if not os.access(folder, os.W_OK | os.X_OK):
                        return f"cannot be written: the folder {folder} is not writable"
                    break
        except OSError as exc:
            return f"cannot be written: {exc.strerror or exc}"
        return _files_read(self.source.file, steps).get(dest, "")

    def _inside(self, path: Path) -> bool:
        return self.allow_outside or path.is_relative_to(self.base_dir)

MAX_NAME_BYTES = 255  # the longest file or folder name most filesystems take
_CONTROL = {chr(c) for c in (*range(32), 127)}


def _bad_output_name(path_text: str) -> str:
    """Why an output path cannot be a file name (control characters, a part longer than filesystems
    allow); empty when it can."""
    if any(c in _CONTROL for c in path_text):
        return "contains a control character (a NUL, a bell, a line break...)"
    longest = max((part for part in path_text.replace("\\", "/").split("/")), key=lambda p: len(p.encode()))
    if len(longest.encode("utf-8", errors="surrogatepass")) > MAX_NAME_BYTES:
        return f"has a name longer than {MAX_NAME_BYTES} bytes, the most a file system takes"
    return ""


class _Placed:
    """The outputs compiled so far, to find two that are one file, or one inside the other."""

    def __init__(self) -> None:
        self.files: dict[Path, tuple[str, Location]] = {}
        self.folders: dict[Path, tuple[str, Location]] = {}  # every folder an output is in

    def clash(self, dest: Path, name: str, where: Location) -> str:
        if dest in self.files:
            other, at = self.files[dest]
            return f"is the same file as output '{other}' ({at}): one would silently replace the other"
        if dest in self.folders:
            other, at = self.folders[dest]
            return f"is a folder of output '{other}' ({at}): it cannot also be a file"
        for folder in dest.parents:
            if folder in self.files:
                other, at = self.files[folder]
                return f"would be inside output '{other}' ({at}), which is a file"
        self.files[dest] = (name, where)
        for folder in dest.parents:
            self.folders.setdefault(folder, (name, where))
        return ""


def _files_read(recipe: Path, steps: dict[str, Step]) -> dict[Path, str]:
    """The files a recipe reads (resolved), each with what it is: the recipe itself, step inputs, files
    named by params."""
    found = {recipe.resolve(): "is the recipe file itself"}
    for step in steps.values():
        for sources in step.inputs.values():
            for source in sources:
                if isinstance(source, SourceFile):
                    found.setdefault(source.path, f"is an input of step '{step.name}'")
        for path in _param_paths(step.params):
            found.setdefault(path, f"is a file step '{step.name}' reads")
    return found


def files_in_use(pipeline: Pipeline) -> dict[Path, str]:
    """Every file the recipe reads or publishes (resolved), with what it is, for commands that write files
    of their own (``graph -o``): none of them may be replaced."""
    found = _files_read(pipeline.file, pipeline.steps)
    for dest in pipeline.outputs:
        found.setdefault(dest, "an output the recipe publishes")
    return {path: reason.removeprefix("is ") for path, reason in found.items()}


def compile_steps(specs: list[StepSpec], outputs: dict[str, str], source: Source, base_dir: Path,
                  allow_outside: bool = False, output_origin: Path_ | None = None) -> Pipeline:
    """Compile StepSpecs into a Pipeline, or raise RecipeError listing every problem. File paths must
    stay inside ``base_dir`` (the recipe's folder) unless ``allow_outside``."""
    return _Compiler(specs, outputs, source, base_dir, allow_outside, output_origin).compile()


def input_problems(pipeline: Pipeline, names: list[str] | None = None) -> list[Problem]:
    """Ask each node type to look at its params and its inputs as far as they are known before anything
    runs (the files the user gave it; what other steps' types say of their outputs), in run order; every
    problem, at its recipe line. ``names``: check only these steps (the others still say what they know)."""
    problems = []
    known: dict[str, dict[str, Facts]] = {}
    for name in pipeline.order:
        step = pipeline.steps[name]
        inputs = _check_inputs(step, known)
        try:
            known[name] = dict(step.node_type.known(step.params, inputs))
        except NodeError:
            known[name] = {}  # its check says why
        if names is not None and name not in names:
            continue
        # Every step is asked, also one fed only by other steps (a TTS step has no input files, yet its
        # text, engine and voice can be checked now): what a run would refuse, validate refuses.
        found: list[NodeError]
        try:
            found = list(step.node_type.check(step.params, inputs))
        except NodeError as exc:
            found = [exc]
        for error in found:
            loc = (error.field,) if error.field else ()
            problems.append(Problem(pipeline.locate(name, loc), error.message, field=error.field or "",
                                    hint=error.hint or "", steps=(name,)))
    return problems


def check_inputs(pipeline: Pipeline, names: list[str] | None = None) -> None:
    """``input_problems`` as one RecipeError (none: returns)."""
    problems = input_problems(pipeline, names)
    if problems:
        raise RecipeError(problems)

"""The contract every node type implements.

A node type is a plugin: it declares what it takes (a pydantic params model and typed input ports), what it
gives (typed output ports, each one file), an implementation version, the external tools it depends on and
the resources it needs. The engine uses only these declarations to validate, key, cache and schedule; the
node's ``run`` knows nothing of caching or scheduling: it reads input files and writes output files.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict


class _RecipePath:
    """Marks a param that may name a file or folder: the engine resolves it against the recipe's folder.
    ``always``: the param is always a path, resolved there even when nothing is there yet (so a missing
    folder is reported where the user meant it, never looked up in the current folder)."""

    def __init__(self, always: bool = False) -> None:
        self.always = always


# A str param that is either a plain name (a voice name, a font family) or a path relative to the recipe.
# When the recipe's folder holds something at that relative path, the node receives its absolute path.
RecipePath = Annotated[str, _RecipePath()]
# A str param that is always a path (a folder of model weights): a relative one is taken from the recipe's
# folder, whether or not it exists.
RecipeFilePath = Annotated[str, _RecipePath(always=True)]


class Params(BaseModel):
    """Base for node params: strict (unknown fields are errors) and immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Names of fields that do not change the output (log flags and the like); left out of the cache key.
    not_in_key: ClassVar[frozenset[str]] = frozenset()
    # Fields that, when set, make the node reach beyond the recipe's files and the machine's tools: the
    # network, or the process environment. Name -> what it does, in a user's words. An application that
    # runs recipes from others (a server) refuses a recipe that sets one.
    reaches_outside: ClassVar[dict[str, str]] = {}


@dataclass(frozen=True)
class Port:
    """A typed input or output of a node.

    ``kind`` is a plain name ("audio", "words", "captions", "image", "video", ...); an output feeds an input
    only when the kinds are equal. ``suffix`` is the file extension an output is written with. ``many``
    marks an input that takes a list (for example the scenes of a merge). ``optional`` marks an input that
    may be absent, or an output that may be empty: an empty file there means "nothing" (no captions were
    heard, say), so it is not published, and a file an earlier run published at its destination is removed
    rather than left beside outputs it no longer belongs to.
    """

    kind: str
    doc: str = ""
    suffix: str = ""
    many: bool = False
    optional: bool = False


@dataclass(frozen=True)
class Resources:
    """What one run of the node occupies while it works; the scheduler fits runs into the machine's slots."""

    cpu: float = 1.0
    gpu: int = 0
    ffmpeg: int = 0


# What a node receives for each input port: one path, a list of paths (``many``), or None (optional, absent).
InputValue = Path | list[Path] | None

# What is known of one output before anything runs (``NodeType.known``): names and values the node types
# agree on among themselves; the engine only hands them on.
Facts = Mapping[str, Any]


@dataclass(frozen=True)
class Pending:
    """An input another step will make, as ``check`` sees it before anything runs: the ``port`` output of
    ``step``, and the ``facts`` its node type gives of that output ahead of time (empty: nothing known)."""

    step: str
    port: str
    facts: Facts = field(default_factory=dict, compare=False)


# What ``check`` receives for each input port the recipe gives: a file the user named (a Path), another
# step's output (a Pending), or a list of those (``many``). A port the recipe leaves out is absent.
CheckValue = Path | Pending | list[Path | Pending] | None


@dataclass(frozen=True)
class From:
    """Where a part's input comes from (``Split``): the split node's own input ``port``, or with ``part``
    the output ``port`` of another part."""

    port: str
    part: str | None = None


@dataclass(frozen=True)
class Part:
    """One step of a node that splits itself when it runs: the step ``<node>.<name>`` of node type
    ``type`` with these params (validated by the engine) and inputs."""

    name: str
    type: str
    params: dict[str, Any]
    inputs: dict[str, list[From]] = field(default_factory=dict)


@dataclass(frozen=True)
class Split:
    """What a node is done as instead of one run (``NodeType.split``): its parts, each after the parts it
    reads, and for each of the node's outputs the part output that is it."""

    parts: list[Part]
    outputs: dict[str, From]


@dataclass
class RunContext:
    """What the engine hands a node for one run: where to write, how many threads, how to report."""

    node: str
    work_dir: Path
    outputs: dict[str, Path]
    threads: int = 1
    device: str = "cpu"
    report: Callable[[str, float | None, str], None] = field(default=lambda node, frac, msg: None)
    warn: Callable[[str, str], None] = field(default=lambda node, msg: None)
    cancelled: threading.Event = field(default_factory=threading.Event)

    def output(self, port: str) -> Path:
        """The path where the node must write its output ``port``."""
        return self.outputs[port]

    def progress(self, fraction: float | None, message: str = "") -> None:
        """Report progress (0..1, or None when unknown) for the live view."""
        self.report(self.node, fraction, message)

    def warning(self, message: str) -> None:
        self.warn(self.node, message)


class NodeType(ABC):
    """Base class of all node types. Subclasses set the class attributes and implement ``run``."""

    name: ClassVar[str]
    doc: ClassVar[str] = ""
    version: ClassVar[str]
    params: ClassVar[type[Params]]
    inputs: ClassVar[dict[str, Port]] = {}
    outputs: ClassVar[dict[str, Port]] = {}
    resources: ClassVar[Resources] = Resources()
    deterministic: ClassVar[bool] = True
    volatile: ClassVar[bool] = False  # always reruns (reads something the engine cannot hash)
    env: ClassVar[tuple[str, ...]] = ()  # environment variables that change the output: they enter the key

    def resources_for(self, params: Any) -> Resources:
        """What one run with ``params`` occupies (a speech node with a GPU voice takes the GPU slot);
        by default the type's ``resources``."""
        return self.resources

    def tools(self, params: Any) -> dict[str, str | Path]:
        """The external tools this run depends on (ffmpeg build, model weights, library versions).

        They enter the cache key, so a new ffmpeg or a new voice model reruns the node. A ``Path`` value
        stands for the file's content: the engine hashes it once and remembers the digest across runs by
        the file's stat (so a 150 MB binary costs a stat per run, not a read). A ``str`` value is used as
        it is (a version string). Called for every plan: keep it cheap.
        """
        return {}

    @classmethod
    def diagnostics(cls) -> dict[str, str]:
        """Facts for ``pipeline doctor`` (tool paths, versions, usable engines); empty by default."""
        return {}

    @classmethod
    def versions(cls) -> dict[str, str]:
        """The outside software this type's output depends on, name -> version (or why it is missing),
        for ``pipeline --version``; empty by default."""
        return {}

    def check(self, params: Any, inputs: dict[str, CheckValue]) -> list[NodeInputError]:
        """Cheap checks before anything runs, by ``validate`` and by ``run`` before work starts: the
        params against each other and against the inputs as far as they are known (a readable picture,
        decodable music; how many scenes a list gives; the facts another step's output is known by, such
        as its length when its params fix it). Whatever a run would refuse that can be seen now belongs
        here, not in ``run``, so no upstream work is spent on a recipe that cannot finish."""
        return []

    def known(self, params: Any, inputs: dict[str, CheckValue]) -> dict[str, Facts]:
        """What is known of each output before anything runs (output port -> facts), from the params and
        ``inputs`` as ``check`` sees them; handed to the steps that read the output as ``Pending.facts``.
        Called for every step in run order before the checks: keep it cheap (params, headers at most).
        Default: nothing is known."""
        return {}

    def split(self, params: Any, inputs: dict[str, InputValue]) -> Split | None:
        """Parts to run instead of one run, decided once the inputs exist (a scene whose length only its
        narration tells becomes fixed-length segments): each part is a step of its own, cached by content
        (a rerun after a crash, or an edit late in a scene, redoes only the parts that changed) and spread
        over the executor's slots or a cluster's workers. Called by the engine in the coordinating process,
        before the node would run (and by ``plan``, to count the parts the cache holds): read headers, not
        media, and give the same parts for the same inputs. None (the default): run as one node."""
        return None

    def may_split(self, params: Any) -> bool:
        """Whether ``split`` may give parts for these params. False (a segment, which never splits again)
        spares the engine fetching the inputs to ask. Default: whether the type has a ``split`` of its own."""
        return type(self).split is not NodeType.split

    def warm_up(self) -> None:  # noqa: B027 - an optional hook; by default nothing to load
        """Load what every run of this type needs (compiled kernels, big libraries) ahead of time.

        When a run will run nodes of this type, the engine calls this once per process on a background
        thread (``pipeline.warmup``), so the loading overlaps earlier nodes. It must not depend on params
        or write anything; an error is ignored (the node's own run meets it). Default: nothing.
        """

    @abstractmethod
    def run(self, ctx: RunContext, params: Any, inputs: dict[str, InputValue]) -> None:
        """Read the inputs, write every declared output to ``ctx.output(port)``."""


class NodeError(Exception):
    """A node failed. ``field`` names the param or input port at fault so the engine can point at the
    recipe line; ``hint`` says what to do about it."""

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None,
                 detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.hint = hint
        self.detail = detail

    def __reduce__(self) -> tuple[object, ...]:
        # keyword-only fields survive pickling (errors travel back from cluster workers)
        return (_rebuild_error, (type(self), self.message, self.field, self.hint, self.detail))


class NodeInputError(NodeError):
    """The node's input is bad (unreadable file, empty text...): the user's to fix, exit code 2."""


def _rebuild_error(cls: type[NodeError], message: str, field: str | None, hint: str | None,
                   detail: str | None) -> NodeError:
    return cls(message, field=field, hint=hint, detail=detail)

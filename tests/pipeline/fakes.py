"""Tiny node types over text files, so the engine is tested without any media."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pipeline.node import From, InputValue, NodeInputError, NodeType, Params, Part, Port, Resources, RunContext, Split

RUNS: list[str] = []
SPLIT_ASKED: list[str] = []  # the input text of each ``words`` node asked for its parts


def note_run(node: str) -> None:
    """Record a run in memory and, for runs in child processes, in the file $FAKE_RUNS_LOG."""
    import os

    RUNS.append(node)
    log = os.environ.get("FAKE_RUNS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(node + "\n")


class TextParams(Params):
    text: str
    delay: float = 0.0


class Text(NodeType):
    """Writes its text param."""

    name = "text"
    version = "1"
    params = TextParams
    outputs: ClassVar[dict[str, Port]] = {"out": Port("text", suffix=".txt")}
    resources = Resources(cpu=1)

    def run(self, ctx: RunContext, params: Any, inputs: dict) -> None:
        import time

        note_run(ctx.node)
        if params.delay:
            time.sleep(params.delay)
        if not params.text.strip():
            raise NodeInputError("the text is empty", field="text", hint="write something")
        ctx.output("out").write_text(params.text, encoding="utf-8")


class NormParams(Params):
    text: str


class Norm(NodeType):
    """Writes its text lower-cased and stripped: different params can give identical bytes."""

    name = "norm"
    version = "1"
    env = ("FAKE_NORM_MODE",)
    params = NormParams
    outputs: ClassVar[dict[str, Port]] = {"out": Port("text", suffix=".txt")}

    def run(self, ctx: RunContext, params: Any, inputs: dict) -> None:
        note_run(ctx.node)
        ctx.output("out").write_text(params.text.strip().lower(), encoding="utf-8")


class JoinParams(Params):
    sep: str = " "


class Join(NodeType):
    """Joins text files (from upstream steps or from disk)."""

    name = "join"
    version = "1"
    params = JoinParams
    inputs: ClassVar[dict[str, Port]] = {"parts": Port("text", many=True),
                                         "extra": Port("text", optional=True)}
    outputs: ClassVar[dict[str, Port]] = {"out": Port("text", suffix=".txt")}

    def run(self, ctx: RunContext, params: Any, inputs: dict) -> None:
        note_run(ctx.node)
        paths: list[Path] = list(inputs["parts"]) + ([inputs["extra"]] if inputs["extra"] else [])
        text = params.sep.join(p.read_text(encoding="utf-8") for p in paths)
        ctx.output("out").write_text(text, encoding="utf-8")


class Gpu(NodeType):
    """Declares a GPU slot, to test how GPU work is scheduled on a cluster."""

    name = "gpu_text"
    version = "1"
    params = TextParams
    outputs: ClassVar[dict[str, Port]] = {"out": Port("text", suffix=".txt")}
    resources = Resources(cpu=1, gpu=1)

    def run(self, ctx: RunContext, params: Any, inputs: dict) -> None:
        import time

        note_run(ctx.node)
        if params.delay:
            time.sleep(params.delay)
        ctx.output("out").write_text(params.text.upper(), encoding="utf-8")


class Count(NodeType):
    """Consumes a different kind, to test port type checks."""

    name = "count"
    version = "1"
    params = JoinParams
    inputs: ClassVar[dict[str, Port]] = {"src": Port("number")}
    outputs: ClassVar[dict[str, Port]] = {"out": Port("number", suffix=".txt")}

    def run(self, ctx: RunContext, params: Any, inputs: dict) -> None:
        ctx.output("out").write_text("1")


class Steps(NodeType):
    """Writes its text after ``delay`` seconds spent in ten steps, reporting each: a live view to watch."""

    name = "steps"
    version = "1"
    params = TextParams
    outputs: ClassVar[dict[str, Port]] = {"out": Port("text", suffix=".txt")}
    resources = Resources(cpu=1)

    def run(self, ctx: RunContext, params: Any, inputs: dict) -> None:
        import time

        note_run(ctx.node)
        for step in range(10):
            ctx.progress(step / 10, f"step {step + 1} of 10")
            time.sleep(params.delay / 10)
        ctx.output("out").write_text(params.text, encoding="utf-8")


class NotesParams(Params):
    text: str


class Notes(NodeType):
    """Writes its text, and the words in it that start with '#' to an optional output (empty when none)."""

    name = "notes"
    version = "1"
    params = NotesParams
    outputs: ClassVar[dict[str, Port]] = {"out": Port("text", suffix=".txt"),
                                          "tags": Port("text", suffix=".txt", optional=True)}

    def run(self, ctx: RunContext, params: Any, inputs: dict) -> None:
        note_run(ctx.node)
        ctx.output("out").write_text(params.text, encoding="utf-8")
        ctx.output("tags").write_text(" ".join(w for w in params.text.split() if w.startswith("#")),
                                      encoding="utf-8")


class Words(NodeType):
    """Runs as one ``text`` part per word of its input (known only once the input exists) and a ``join`` of
    them; one word runs as one node. The word EMPTY makes a part that fails; BROKEN a split that cannot run."""

    name = "words"
    version = "1"
    params = JoinParams
    inputs: ClassVar[dict[str, Port]] = {"src": Port("text")}
    outputs: ClassVar[dict[str, Port]] = {"out": Port("text", suffix=".txt")}

    def split(self, params: Any, inputs: dict[str, InputValue]) -> Split | None:
        source = inputs["src"]
        assert isinstance(source, Path)
        SPLIT_ASKED.append(source.read_text(encoding="utf-8"))
        words = source.read_text(encoding="utf-8").split()
        if len(words) < 2:
            return None
        if "BROKEN" in words:
            return Split(parts=[Part("a", "no_such_type", {})], outputs={"out": From("out", "a")})
        parts = [Part(f"w{i}", "text", {"text": " " if word == "EMPTY" else word})
                 for i, word in enumerate(words, start=1)]
        parts.append(Part("all", "join", {"sep": params.sep},
                          {"parts": [From("out", f"w{i}") for i in range(1, len(words) + 1)]}))
        return Split(parts=parts, outputs={"out": From("out", "all")})

    def may_split(self, params: Any) -> bool:
        return params.sep != "never"  # as a segment that never splits again is said to be

    def run(self, ctx: RunContext, params: Any, inputs: dict) -> None:
        note_run(ctx.node)
        ctx.output("out").write_text(inputs["src"].read_text(encoding="utf-8").strip(), encoding="utf-8")


ALL = [Text, Norm, Join, Count, Gpu, Steps, Notes, Words]

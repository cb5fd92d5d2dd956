"""Errors the engine raises, in the user's terms: where (file:line:column), which field, what to do.

Exit codes: 2 for anything the user must fix in the recipe or its inputs, 1 for a node that failed at run
time for another reason, 130 for an interrupted run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # SIGTERM: stopped like Ctrl-C, 128 + 15 as shells report it
EXIT_BROKEN_PIPE = 141  # the reader of our output went away (`pipeline plan | head`): 128 + SIGPIPE


@dataclass(frozen=True)
class Location:
    """A place in a recipe file (1-based line and column)."""

    file: Path
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return str(self.file)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a recipe or an input: where, which steps and field, what, and how to fix it."""

    location: Location
    message: str
    field: str = ""
    hint: str = ""
    steps: tuple[str, ...] = ()  # the steps it was found in (one recipe line can feed many)

    def __str__(self) -> str:
        text = f"{self.location}: "
        label = ": ".join(part for part in (_step_names(self.steps), self.field) if part)
        if label:
            text += f"{label}: "
        text += self.message
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text


def _step_names(steps: tuple[str, ...]) -> str:
    """``a, b, c``; a long list as its first two, an ellipsis and the last, with the count."""
    if len(steps) <= 3:
        return ", ".join(steps)
    return f"{steps[0]}, {steps[1]} … {steps[-1]} ({len(steps)} steps)"


def collapse_repeats(problems: list[Problem]) -> list[Problem]:
    """One problem per place, field, message and fix, naming every step it was found in, in first-seen
    order: a form may spread one recipe line over many steps (a scene list's voice reaches every scene),
    and one mistake there is one problem, not one per step."""
    found: dict[tuple[Location, str, str, str], list[str]] = {}
    for problem in problems:
        steps = found.setdefault((problem.location, problem.field, problem.message, problem.hint), [])
        steps.extend(step for step in problem.steps if step not in steps)
    return [Problem(location, message, field, hint, tuple(steps))
            for (location, field, message, hint), steps in found.items()]


class PipelineError(Exception):
    """Base of the engine's own errors; the CLI prints them without a traceback. ``trace``: the traceback
    of an unexpected error behind it, never printed: ``--debug`` keeps it in a log file."""

    exit_code = EXIT_FAILED
    trace = ""


class UsageError(PipelineError):
    """A command-line argument is wrong (an unknown executor, a malformed --var): the user's to fix."""

    exit_code = EXIT_BAD_INPUT


class RecipeError(PipelineError):
    """A recipe (or an input it names) is wrong. Carries every problem found, not just the first."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems = collapse_repeats(problems)
        count = len(problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the recipe:"
        super().__init__("\n".join([head, *(f"  {p}" for p in problems)]))


class NodeFailed(PipelineError):
    """A node's run failed. ``bad_input`` marks failures caused by the user's input (exit code 2)."""

    def __init__(self, node: str, message: str, *, location: Location | None = None, field: str = "",
                 hint: str = "", detail: str = "", bad_input: bool = False, trace: str = "") -> None:
        self._args = (node, message)
        self._kwargs = dict(location=location, field=field, hint=hint, detail=detail, bad_input=bad_input,
                            trace=trace)
        self.trace = trace
        self.node = node
        self.location = location
        self.field = field
        self.hint = hint
        self.detail = detail
        self.exit_code = EXIT_BAD_INPUT if bad_input else EXIT_FAILED
        where = f"{location}: " if location else ""
        text = f"{where}node '{node}'"
        if field:
            text += f", field '{field}'"
        text += f": {message}"
        if hint:
            text += f"\n    fix: {hint}"
        if detail:
            text += "\n    " + "\n    ".join(detail.rstrip().splitlines()[-20:])
        super().__init__(text)

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_failed, (self._args, self._kwargs))


def _rebuild_failed(args: tuple[str, str], kwargs: dict[str, object]) -> NodeFailed:
    return NodeFailed(*args, **kwargs)  # type: ignore[arg-type]


class CacheError(PipelineError):
    """The cache folder cannot be used (read-only, full disk...): the user's to fix, exit code 2."""

    exit_code = EXIT_BAD_INPUT

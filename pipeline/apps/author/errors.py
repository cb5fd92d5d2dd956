"""Errors of the authoring tools, in the engine's error family so the command line reports them alike."""

from __future__ import annotations

from pipeline import PipelineError

EXIT_BAD_INPUT = 2


class AuthorError(PipelineError):
    """A bad argument to ``new`` or ``watch``: a missing script, an empty pictures folder, a taken name."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(message + (f"\n    fix: {hint}" if hint else ""))

"""Errors of golden testing, in the engine's error family so the command line reports them alike."""

from __future__ import annotations

from pipeline import EXIT_BAD_INPUT, PipelineError


class GoldenError(PipelineError):
    """Golden testing cannot proceed: no golden set yet, an unreadable one, a recipe with no video."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(message + (f"\n    fix: {hint}" if hint else ""))

"""References between steps: ``${step.port}`` names output ``port`` of step ``step``."""

from __future__ import annotations

import re
from dataclasses import dataclass

_REF = re.compile(r"^\$\{\s*([^{}\s]+)\s*\}$")


@dataclass(frozen=True)
class Ref:
    step: str
    port: str

    def __str__(self) -> str:
        return f"${{{self.step}.{self.port}}}"


def parse_ref(value: object) -> Ref | None:
    """``"${a.b}"`` -> Ref("a", "b"); anything else -> None. Step names may contain dots; ports do not."""
    if not isinstance(value, str):
        return None
    match = _REF.match(value.strip())
    if not match or "." not in match.group(1):
        return None
    step, port = match.group(1).rsplit(".", 1)
    return Ref(step, port)


def looks_like_ref(value: object) -> bool:
    """True for strings that try to be a reference, so a malformed one gets its own error."""
    return isinstance(value, str) and value.strip().startswith("${")

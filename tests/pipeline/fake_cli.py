"""``python -m tests.pipeline.fake_cli ARGS``: the real command line with the fake node types registered,
so tests can kill, interrupt and race real engine processes cheaply."""

from __future__ import annotations

import sys

from pipeline.cli import main
from pipeline.registry import register
from tests.pipeline import fakes

if __name__ == "__main__":
    for cls in fakes.ALL:
        register(cls)
    sys.exit(main(sys.argv[1:]))

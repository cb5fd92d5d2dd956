"""``pipeline golden``: record a recipe's golden set, check a render against it, test determinism.

    pipeline golden record recipes/x.yaml     # render, store recipes/x.golden/ (commit that folder)
    pipeline golden check recipes/x.yaml      # render (cached), compare; exit 0 pass, 1 fail, 2 bad input
    pipeline golden determinism recipes/x.yaml  # render twice with fresh caches, compare the bytes

Registered under the ``pipeline.commands`` entry-point group as ``golden = "pipeline.apps.golden.cli:register"``.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

from pipeline import (
    EXIT_BAD_INPUT,
    Cache,
    Reporter,
    make_reporter,
    open_cache,
    parse_vars,
)
from pipeline.apps.golden.determinism import check_determinism
from pipeline.apps.golden.errors import GoldenError
from pipeline.apps.golden.extract import DEFAULT_SAMPLES, MAX_SAMPLES
from pipeline.apps.golden.workflow import check_recipe, record_recipe


def _variables(args: argparse.Namespace) -> dict[str, str]:
    return parse_vars(args.var)


def _recipe(args: argparse.Namespace) -> Path:
    recipe = Path(args.recipe)
    if not recipe.is_file():
        raise GoldenError(f"recipe {recipe} does not exist", hint="give the path of a recipe YAML file")
    return recipe


def _cache(args: argparse.Namespace) -> Cache:
    folder = getattr(args, "cache_dir", None)
    return open_cache(folder or None)


def _reporter(args: argparse.Namespace) -> Reporter:
    return make_reporter(quiet=args.quiet)


Command = Callable[[argparse.Namespace], int]


# Each tolerance flag with its range, the one golden.json's tolerances block has (the lower and upper
# bound, None: unbounded); checked before anything renders so a typo is exit 2 naming the flag.
TOLERANCE_FLAGS: dict[str, tuple[str, float | None, float | None]] = {
    "ssim": ("--ssim", -1.0, 1.0), "psnr_db": ("--psnr-db", None, None),
    "loudness_lu": ("--loudness-lu", 0.0, None), "envelope_lu": ("--envelope-lu", 0.0, None),
    "spectrum_db": ("--spectrum-db", 0.0, None), "caption_ms": ("--caption-ms", 0.0, None),
    "duration_frames": ("--duration-frames", 0.0, None),
}


def _check_flag(flag: str, value: float, low: float | None, high: float | None) -> None:
    """A GoldenError (exit 2) naming ``flag`` when ``value`` is not a finite number in [low, high]."""
    import math

    if math.isfinite(value) and (low is None or value >= low) and (high is None or value <= high):
        return
    if low is not None and high is not None:
        expected = f"a number from {low:g} to {high:g}"
    elif low is not None:
        expected = f"a number of at least {low:g}"
    else:
        expected = "a finite number"
    raise GoldenError(f"{flag} must be {expected}, got {value:g}",
                      hint=f"give {flag} {expected}, or leave it out to use golden.json's tolerance")


def cmd_record(args: argparse.Namespace) -> int:
    if not 1 <= args.frames <= MAX_SAMPLES:
        raise GoldenError(f"--frames must be a whole number from 1 to {MAX_SAMPLES}, got {args.frames}",
                          hint=f"sample a few frames, e.g. --frames {DEFAULT_SAMPLES}")
    recipe = _recipe(args)
    cache = _cache(args)
    try:
        outcome = record_recipe(recipe, cache, _variables(args), samples=args.frames, reporter=_reporter(args))
    finally:
        cache.close()
    print(outcome.summary())
    print(f"review the frames in {outcome.folder}/, then commit that folder")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    recipe = _recipe(args)
    overrides = {"ssim": args.ssim, "psnr_db": args.psnr_db, "loudness_lu": args.loudness_lu,
                 "envelope_lu": args.envelope_lu, "spectrum_db": args.spectrum_db,
                 "caption_ms": args.caption_ms, "duration_frames": args.duration_frames}
    for name, value in overrides.items():
        if value is not None:
            flag, low, high = TOLERANCE_FLAGS[name]
            _check_flag(flag, value, low, high)
    cache = _cache(args)
    try:
        outcome = check_recipe(recipe, cache, _variables(args), overrides, reporter=_reporter(args))
    finally:
        cache.close()
    print(outcome.report())
    return 0 if outcome.passed else 1


def cmd_determinism(args: argparse.Namespace) -> int:
    recipe = _recipe(args)
    with tempfile.TemporaryDirectory(prefix="golden-determinism-") as work:
        report = check_determinism(recipe, Path(work), _variables(args))
    print(report.text())
    return 0 if report.identical else 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``golden`` with its sub-actions to the ``pipeline`` command line."""
    golden = subparsers.add_parser("golden", help="golden-output tests: record, check, determinism",
                                   description=__doc__.splitlines()[0])
    actions = golden.add_subparsers(dest="golden_action", required=True)

    def action(name: str, fn: Command, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=help_text)
        p.add_argument("recipe", help="the recipe YAML file")
        p.add_argument("--var", action="append", metavar="NAME=VALUE",
                       help="set a recipe variable (overrides the recipe's vars; repeatable)")
        p.add_argument("--cache-dir", default=argparse.SUPPRESS, help="cache folder")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress lines while rendering")
        p.set_defaults(fn=fn)
        return p

    record = action("record", cmd_record, "render the recipe and store its golden set in <stem>.golden/")
    record.add_argument("--frames", type=int, default=DEFAULT_SAMPLES,
                        help=f"how many frames to sample, 1 to {MAX_SAMPLES} (default {DEFAULT_SAMPLES})")
    check = action("check", cmd_check, "render the recipe (cached) and compare with its golden set; "
                                       "exit 0 all pass, 1 some check failed, 2 bad input or no golden set")
    check.add_argument("--ssim", type=float, help="minimum SSIM per sampled frame (default 0.97)")
    check.add_argument("--psnr-db", type=float, help="also require this PSNR per frame, dB")
    check.add_argument("--loudness-lu", type=float, help="allowed integrated loudness difference (0.5 LU)")
    check.add_argument("--envelope-lu", type=float, help="allowed RMS loudness envelope difference (1 LU)")
    check.add_argument("--spectrum-db", type=float, help="allowed octave band level difference (3 dB)")
    check.add_argument("--caption-ms", type=float, help="allowed caption time shift (20 ms)")
    check.add_argument("--duration-frames", type=float, help="allowed duration difference in frames (1)")
    action("determinism", cmd_determinism,
           "render twice with fresh caches; say whether the bytes are identical and what differs")


__all__ = ["register", "cmd_record", "cmd_check", "cmd_determinism", "EXIT_BAD_INPUT"]

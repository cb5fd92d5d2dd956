"""``pipeline new`` and ``pipeline watch``, registered under the ``pipeline.commands`` entry-point group::

    pipeline new my-video --script script.txt --pictures photos/   # my-video/my-video.yaml
    pipeline watch my-video/my-video.yaml --open                   # re-render on save, page in a browser
"""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.apps.author.errors import AuthorError

if TYPE_CHECKING:
    from pipeline.apps.author.page import PreviewPage

DEFAULT_PORT = 8765


def cmd_new(args: argparse.Namespace) -> int:
    from pipeline.apps.author.new import create

    made = create(args.name, script=args.script, pictures=args.pictures, music=args.music, size=args.size)
    print(f"wrote {made.recipe} ({made.scenes} scene{'s' if made.scenes != 1 else ''}); it validates")
    if made.unused:
        print(f"  {len(made.unused)} pictures were not used (more pictures than paragraphs): "
              f"{', '.join(p.name for p in made.unused[:5])}{' ...' if len(made.unused) > 5 else ''}")
    print(f"render it:       pipeline run {made.recipe}")
    print(f"edit and watch:  pipeline watch {made.recipe} --open")
    return 0


def _variables(args: argparse.Namespace) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in args.var or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise AuthorError(f"--var {item!r} is not NAME=VALUE", hint="write it like --var city=Porto")
        out[name.strip()] = value
    return out


def _page(recipe: Path, port: int | None) -> PreviewPage:
    """The page on ``port``; when the default port is taken, on a free one (said so)."""
    from pipeline.apps.author.page import PreviewPage

    try:
        return PreviewPage(recipe, DEFAULT_PORT if port is None else port)
    except OSError as exc:
        if port is None and exc.errno == errno.EADDRINUSE:
            print(f"port {DEFAULT_PORT} is taken; the page is served on a free port instead", file=sys.stderr)
            return PreviewPage(recipe, 0)
        raise AuthorError(f"cannot serve the page on 127.0.0.1:{port}: {exc.strerror or exc}",
                          hint="give another --port (0: any free one), or --no-page") from None


def cmd_watch(args: argparse.Namespace) -> int:
    from pipeline.apps.author.watch import watch

    recipe = Path(args.recipe)
    variables = _variables(args)
    page = None if args.no_page else _page(recipe, args.port)
    watch(recipe, cache_dir=getattr(args, "cache_dir", None), preview=args.preview, variables=variables,
          log_format=getattr(args, "log_format", "text"), preview_page=page, open_page=args.open)
    return 0


def register_new(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("new", help="write a first recipe: from a script and pictures, or an example",
                              description="Write NAME/NAME.yaml with the defaults spelled out, one scene per "
                                          "paragraph of the script, pictures (or videos) in name order; "
                                          "without --pictures, example pictures and music are copied into "
                                          "NAME/assets/. The recipe is validated.")
    p.add_argument("name", help="the recipe's name and folder, e.g. my-video")
    p.add_argument("--script", type=Path, help="a text file; one scene per paragraph (blank lines between)")
    p.add_argument("--pictures", type=Path, help="a folder of pictures or videos, used in name order")
    p.add_argument("--music", type=Path, help="background music (ducked under the voice)")
    p.add_argument("--size", default="1080x1920", help="9:16, 16:9, 1:1, 4:5 or WIDTHxHEIGHT (default 1080x1920)")
    p.set_defaults(fn=cmd_new)


def register_watch(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("watch", help="render, then re-render what changed on every save; a preview page",
                              description="Render the recipe, then again on every save of it or of a file it "
                                          "reads, running only what changed (the plan's reasons are printed). "
                                          "Errors are reported and the last good video is kept. A page on "
                                          "127.0.0.1 shows the latest video and reloads it after each render.")
    p.add_argument("recipe", help="the recipe YAML file")
    p.add_argument("--var", action="append", metavar="NAME=VALUE", help="set a recipe variable (repeatable)")
    p.add_argument("--preview", action="store_true", help="render the small, fast preview version")
    p.add_argument("--open", action="store_true", help="open the page in a web browser")
    p.add_argument("--port", type=int, help=f"the page's port on 127.0.0.1 (default {DEFAULT_PORT}, or a free "
                                            "one if taken; 0: any free port)")
    p.add_argument("--no-page", action="store_true", help="no page: watch and render only")
    p.add_argument("--cache-dir", default=argparse.SUPPRESS, help="cache folder")
    p.add_argument("--log-format", choices=["text", "json"], default=argparse.SUPPRESS,
                   help="progress as text or JSON lines")
    p.set_defaults(fn=cmd_watch)

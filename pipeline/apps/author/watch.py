"""``pipeline watch``: render, then render again on every save of the recipe or of a file it reads.

Each change is planned first and the plan's reasons are printed, so the author sees why each node
reruns; then only those nodes run (the cache does the rest). A recipe that no longer loads, or a node
that fails, is reported with its file:line and the watch goes on: the engine publishes outputs only
after a whole run succeeded, so the last good video stays in place (and on the page). Ctrl-C stops a
render the way it stops ``pipeline run``: nothing partial is kept.
"""

from __future__ import annotations

import threading
import webbrowser
from pathlib import Path
from typing import Any

from pipeline import (
    Event,
    LogFormat,
    PipelineError,
    load,
    make_reporter,
    open_cache,
    plan,
    run,
    source_files,
)
from pipeline.apps.author.errors import AuthorError
from pipeline.apps.author.page import PreviewPage

EXIT_INTERRUPTED = 130


class Watcher:
    def __init__(self, recipe: Path, *, cache_dir: str | None = None, preview: bool = False,
                 variables: dict[str, str] | None = None, log_format: LogFormat = "text",
                 page: PreviewPage | None = None) -> None:
        if not recipe.is_file():
            raise AuthorError(f"recipe {recipe} not found", hint="give the path of a recipe YAML file "
                                                                 "(pipeline new NAME writes one)")
        self.recipe = recipe
        self.preview = preview
        self.variables = variables
        self.page = page
        self.reporter = make_reporter(log_format, listener=self._follow)
        self.cache = open_cache(cache_dir)
        self.files: set[Path] = {recipe.resolve()}
        self.renders = 0

    def say(self, text: str) -> None:
        self.reporter.message(text)

    def _follow(self, event: Event) -> None:
        """Running nodes' progress, for the page."""
        if self.page is None or event["event"] not in ("started", "progress", "finished"):
            return
        fraction = event.get("fraction")
        done = f" {fraction:.0%}" if isinstance(fraction, float) else ""
        verb = "finished" if event["event"] == "finished" else "running"
        self.page.update(status="rendering", message=f"{verb} {event['node']}{done}")

    def _failed(self, exc: PipelineError) -> None:
        self.say(f"error: {exc}")
        self.say("the last good output is kept; fix the recipe and save to render again")
        if self.page is not None:
            self.page.update(status="error", error=str(exc), message="the last good render is shown")

    def render(self) -> bool:
        """Plan, say why, run what is stale; False (reported, not raised) when the recipe or a node fails."""
        try:
            recipe = load(self.recipe, self.variables, self.preview)
        except PipelineError as exc:
            self._failed(exc)
            return False
        self.files = set(source_files(recipe)) | {self.recipe.resolve()}
        outputs = list(recipe.outputs)
        video = next((p for p in outputs if p.suffix == ".mp4"), outputs[0] if outputs else None)
        captions = next((p for p in outputs if p.suffix == ".vtt"), None)
        try:
            stale = [p for p in plan(recipe, self.cache) if p.action == "run"]
            width = max((len(p.node) for p in stale), default=0)
            for p in stale:
                self.say(f"plan  {p.node:<{width}}  {'; '.join(p.reasons)}")
            if not stale:
                self.say("plan  nothing to run: every node is cached")
            if self.page is not None:
                self.page.update(status="rendering", error="", message=f"{len(stale)} nodes to run")
            summary = run(recipe, self.cache, reporter=self.reporter)
        except PipelineError as exc:
            if exc.exit_code == EXIT_INTERRUPTED:
                raise
            self._failed(exc)
            return False
        self.reporter.summary(summary)
        self.renders += 1
        if self.page is not None:
            self.page.rendered(video, captions, summary.ran)
        self.say(f"rendered {video}")
        return True

    def _relevant(self, change: Any, path: str) -> bool:
        return Path(path).resolve() in self.files

    def watch(self) -> None:
        """Render, then render again after every change, until Ctrl-C (KeyboardInterrupt)."""
        self.render()
        try:
            self._watch_files()
        except OSError as exc:  # the OS refused to watch (inotify's limit on watches, a folder gone)
            raise AuthorError(f"cannot watch the recipe's files: {exc}",
                              hint="on Linux raise fs.inotify.max_user_watches, or render with pipeline run"
                              ) from None

    def _watch_files(self) -> None:
        import watchfiles

        while True:
            folders = sorted({f.parent for f in self.files if f.parent.is_dir()})
            announced = False
            # An empty set every half second while nothing changes: the first one says the watch is on.
            for changes in watchfiles.watch(*folders, watch_filter=self._relevant, debounce=400, rust_timeout=500,
                                            yield_on_timeout=True, raise_interrupt=True):
                if not changes:
                    if not announced:
                        self.say(f"watching {len(self.files)} files for changes (Ctrl-C stops)")
                        announced = True
                    continue
                names = sorted({Path(path).name for _, path in changes})
                self.say(f"changed: {', '.join(names)}")
                self.render()
                announced = False
                if sorted({f.parent for f in self.files if f.parent.is_dir()}) != folders:
                    break  # the recipe now reads files in another folder: watch that too

    def close(self) -> None:
        self.cache.close()


def watch(recipe: Path, *, cache_dir: str | None = None, preview: bool = False,
          variables: dict[str, str] | None = None, log_format: LogFormat = "text",
          preview_page: PreviewPage | None = None, open_page: bool = False) -> None:
    """The ``pipeline watch`` command: the page (when given), then the watch loop."""
    try:
        watcher = Watcher(recipe, cache_dir=cache_dir, preview=preview, variables=variables,
                          log_format=log_format, page=preview_page)
    except BaseException:
        if preview_page is not None:
            preview_page.close()
        raise
    try:
        if preview_page is not None:
            preview_page.start()
            watcher.say(f"page: {preview_page.url}")
            if open_page:
                threading.Thread(target=webbrowser.open, args=(preview_page.url,), daemon=True).start()
        watcher.watch()
    finally:
        watcher.close()
        if preview_page is not None:
            preview_page.close()

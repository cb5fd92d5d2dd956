"""The server's own paths taken out of everything it answers: one ASGI middleware over every JSON body.

Errors and job records carry messages from the engine, the nodes and ffmpeg, and those name files by
their absolute paths: the storage root, a job's folder, the engine's cache, the install (bundled fonts),
Python, temporary folders, the home folder. A client must see none of them (they map the machine for an
attacker; the original server leaked them). A file in a job's folder is named relative to it, as the
client named it in the recipe (``out/a.wav``; another file of the storage as ``../../x.wav`` from the
job folder the same message names); the other places become ``<storage>``, ``<cache>``, ``<install>``,
``<python>``, ``<tmp>``, ``~``. Cleaning the answer, not each message where it is made, covers every
route and every message a later change adds. The server's log keeps the full paths.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

import nodes
from pipeline.apps.serve.rewrite import Headers, headers_of, rewriting, without

# the rest of a path after its root; it ends at a backslash too, which in a JSON body starts an escape
# (the "\n" before "fix:" was taken into the job folder's name, and lost with it)
_TAIL = r"(?P<tail>/[^\s'\",;:()\[\]{}<>\\]*)?"
_BOUNDARY = r"(?<![\w.~/-])"  # a root counts only where a path starts, not inside another word or path


class Redactor:
    def __init__(self, storage: Path, cache: Path | None = None) -> None:
        roots: dict[str, str] = {}  # path -> what the client sees instead

        def add(path: Path | None, shown: str) -> None:
            if path is None:
                return
            for form in {str(path.absolute()), str(path.resolve())}:
                if form != "/":
                    roots.setdefault(form.rstrip("/"), shown)

        add(storage, "<storage>")
        add(cache, "<cache>")
        add(Path(nodes.__file__).parent.parent, "<install>")
        add(Path(sys.prefix), "<python>")
        add(Path(sys.base_prefix), "<python>")
        add(Path(tempfile.gettempdir()), "<tmp>")
        add(Path.home(), "~")
        self.storage = {form for form, shown in roots.items() if shown == "<storage>"}
        self.roots = roots
        ordered = sorted(roots, key=len, reverse=True)  # the most specific root wins
        self._pattern = re.compile(_BOUNDARY + "(?P<root>" + "|".join(re.escape(r) for r in ordered) + ")"
                                   + r"(?![\w.-])" + _TAIL)
        self._job = re.compile(r"^/jobs/[^/]+")

    def __call__(self, message: str) -> str:
        jobs = [m.group("root") + job.group() for m in self._pattern.finditer(message)
                if m.group("root") in self.storage and (job := self._job.match(m.group("tail") or ""))]
        job_folder = jobs[0] if jobs else None
        return self._pattern.sub(lambda m: self._shown(m.group("root"), m.group("tail") or "", job_folder),
                                 message)

    def _shown(self, root: str, tail: str, job_folder: str | None) -> str:
        if root in self.storage:
            job = self._job.match(tail)
            if job:
                return tail[job.end():].removeprefix("/") or "."
            if job_folder is not None:
                return os.path.relpath(root + tail, job_folder)
        return self.roots[root] + tail


class Redact:
    """Rewrites every ``application/json`` response body through the server's Redactor (files, a JSON
    output of a job included, and pages pass as they are)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = getattr(scope["app"].state, "server", None) if scope["type"] == "http" else None
        if server is None:  # not HTTP, or the server is not open yet (its routes cannot answer either)
            await self.app(scope, receive, send)
            return
        redactor: Redactor = server.redact

        def wanted(start: Message) -> bool:
            # a file sent as it is (a job's output, a stored file) is the client's data: never rewritten
            named = headers_of(start)
            return named.get(b"content-type", b"").startswith(b"application/json") \
                and b"content-disposition" not in named

        def cleaned(start: Message, body: bytes) -> tuple[Headers, bytes]:
            return without(start), redactor(body.decode("utf-8", errors="replace")).encode("utf-8")

        await self.app(scope, receive, rewriting(send, wanted, cleaned))

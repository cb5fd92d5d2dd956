"""The native job API: any recipe (YAML or JSON) with its assets, per-node progress, outputs by name, cancel.

    POST   /api/v1/jobs                      recipe (file or text) + assets (files) -> {"job_id", "plan"}
    GET    /api/v1/jobs/{job_id}             state, error, per-node state/progress/reasons, outputs
    GET    /api/v1/jobs/{job_id}/outputs/{name}   one output file, once the job is ready
    POST   /api/v1/jobs/{job_id}/cancel      stop it (waiting or running)

Recipes run in their own folder with their assets; paths cannot leave it (``allow_outside_paths`` is
refused), so a recipe cannot read or write the server's other files.
"""

from __future__ import annotations

import mimetypes
import re
import shutil
import uuid
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

import anyio
import yaml
from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse

from pipeline import RecipeError, load, plan
from pipeline.apps.serve.policy import outside_reach
from pipeline.apps.serve.server import Server
from pipeline.apps.serve.storage import TooLarge

router = APIRouter(prefix="/api/v1/jobs", tags=["native jobs"])
RECIPE = "recipe.yaml"  # the recipe's name in the job folder
_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _asset_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or not path.parts or len(path.parts) > 8 or not all(_PART.match(p) for p in path.parts):
        raise HTTPException(400, f"assets: {name!r} is not a plain relative file name (letters, digits, . _ -, "
                                 "folders with /)")
    return path


def _clash(path: PurePosixPath, taken: set[PurePosixPath]) -> PurePosixPath | None:
    """A file already in the job folder that ``path`` cannot sit beside: the same name, a file where
    ``path`` needs a folder (``a`` then ``a/b``), or ``path`` where files need a folder (``a/b`` then ``a``)."""
    for other in sorted(taken):
        if other == path or other in path.parents or path in other.parents:
            return other
    return None


async def _write_assets(folder: Path, assets: list[UploadFile], max_bytes: int) -> None:
    """Each asset into the job folder under its relative name; a clash or a file that cannot be written
    is the client's 400, naming the asset."""
    taken = {PurePosixPath(RECIPE)}
    for upload in assets:
        if not upload.filename:
            continue
        name = _asset_path(upload.filename)
        clash = _clash(name, taken)
        if clash is not None:
            what = "the recipe" if str(clash) == RECIPE else f"the asset {str(clash)!r}"
            raise HTTPException(400, f"assets: {str(name)!r} clashes with {what} (the same name, or one is the "
                                     "other's folder); rename one of them")
        taken.add(name)
        target = folder / name
        size = 0
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            async with await anyio.open_file(target, "wb") as out:
                while chunk := await upload.read(1 << 20):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"assets: {upload.filename} is larger than the upload limit")
                    await out.write(chunk)
        except OSError as exc:
            why = exc.strerror or type(exc).__name__  # never the message: it holds the server's path
            raise HTTPException(400, f"assets: {str(name)!r} could not be stored ({why}); rename it") from None


# The engine's fixes that a server refuses, in the server's terms: a recipe sent here cannot reach outside
# its job (allow_outside_paths is refused) and there is no command line (--var).
_SERVER_HINTS = (
    ("allow_outside_paths", "send the file with the job as an asset (the `assets` field) and name it by its "
                            "path relative to the recipe; a job here reads no file outside its own folder"),
    ("--var", "define it under `vars:` in the recipe (this server takes no --var); write $${ for a literal ${"),
)


def in_server_terms(exc: RecipeError) -> str:
    """The recipe's problems with each fix the server would refuse replaced by one it accepts."""
    problems = [replace(p, hint=next((hint for key, hint in _SERVER_HINTS if key in p.hint), p.hint))
                for p in exc.problems]
    return str(RecipeError(problems))


def _job_id(job_id: str) -> str:
    if not re.fullmatch(r"job_[0-9a-f-]{36}", job_id):
        raise HTTPException(404, f"no job {job_id!r}")
    return job_id


@router.post("")
async def submit(request: Request, recipe: Annotated[UploadFile | None, File()] = None,
                 recipe_text: Annotated[str | None, Form()] = None,
                 assets: Annotated[list[UploadFile] | None, File()] = None) -> dict[str, Any]:
    server: Server = request.app.state.server
    server.check_capacity()
    if recipe is not None and recipe.filename and recipe_text:  # the file silently won
        raise HTTPException(400, "recipe: both a file (`recipe`) and text (`recipe_text`) were sent; send one")
    if recipe is not None and recipe.filename:
        raw = await recipe.read()
        try:  # strictly: a replaced byte turned into 'version: Input should be 1 (got '1\ufffd')'
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HTTPException(400, f"recipe: the recipe is not UTF-8 text (byte 0x{raw[exc.start]:02x} at "
                                     f"offset {exc.start}); save the file as UTF-8 and send it again") from None
    elif recipe_text:
        text = recipe_text
    else:
        raise HTTPException(400, "recipe: send the recipe as a file (`recipe`) or as text (`recipe_text`)")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None  # the engine's loader reports the syntax error with its line below
    if isinstance(data, dict) and data.get("allow_outside_paths"):
        raise HTTPException(400, "recipe: allow_outside_paths is not allowed on a server; send the files as assets")
    job_id = f"job_{uuid.uuid4()}"
    folder = server.storage.work_dir(job_id)
    folder.mkdir(parents=True)
    try:
        await _write_assets(folder, assets or [], server.settings.max_upload_bytes)
        (folder / RECIPE).write_text(text, encoding="utf-8")
        pipeline = load(folder / RECIPE)
        if isinstance(pipeline.source.data, dict) and pipeline.source.data.get("allow_outside_paths"):
            raise HTTPException(400, "recipe: allow_outside_paths is not allowed on a server")  # after ${vars}
        reaching = outside_reach(pipeline)
        if reaching:
            raise HTTPException(400, "\n".join(reaching))
        plans = plan(pipeline, server.worker.cache)
    except BaseException as exc:  # nothing of a refused job stays behind
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, RecipeError):
            raise HTTPException(400, in_server_terms(exc)) from None
        if isinstance(exc, TooLarge):
            raise HTTPException(413, str(exc)) from None
        raise
    reasons = {p.node: list(p.reasons) for p in plans}
    server.enqueue(job_id, "recipe", pipeline, folder, None, None, reasons=reasons)
    return {"job_id": job_id, "plan": [{"node": p.node, "action": p.action, "reasons": list(p.reasons)}
                                       for p in plans]}


@router.get("/{job_id}")
def job_status(request: Request, job_id: str) -> dict[str, Any]:
    server: Server = request.app.state.server
    job = server.store.get(_job_id(job_id))
    if job is None:
        raise HTTPException(404, f"no job {job_id!r} (never submitted, or expired)")
    return job.model_dump(exclude={"file_id"})


@router.get("/{job_id}/outputs/{name:path}", response_model=None)
def job_output(request: Request, job_id: str, name: str) -> FileResponse:
    server: Server = request.app.state.server
    job = server.store.get(_job_id(job_id))
    if job is None:
        raise HTTPException(404, f"no job {job_id!r}")
    if job.state != "ready":
        raise HTTPException(409, f"job {job_id} is {job.state}; outputs are served once it is ready")
    if name not in job.outputs:
        raise HTTPException(404, f"no output {name!r}; outputs are: {', '.join(job.outputs)}")
    path = server.storage.work_dir(job_id) / Path(name)
    if not path.is_file():
        raise HTTPException(404, f"output {name!r} has expired")
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=kind, filename=path.name)


@router.post("/{job_id}/cancel")
def cancel(request: Request, job_id: str) -> dict[str, Any]:
    server: Server = request.app.state.server
    job = server.store.get(_job_id(job_id))
    if job is None:
        raise HTTPException(404, f"no job {job_id!r}")
    return {"job_id": job_id, "cancelling": server.worker.cancel(job_id), "state": job.state}

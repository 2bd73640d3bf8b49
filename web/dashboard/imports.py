"""CSV imports from the dashboard: upload, a dry run that lists the rows accepted and the rows
rejected (line and reason), then the import itself; a progress bar while a file is read.

The upload is streamed to the data directory (never to the database) and kept there until it is
imported or discarded. It may be up to MAX_UPLOAD (a municipality's whole list), while every other
route keeps the app's small request limit (web/app.py): this route alone reads its body as a
stream (`login_required_streamed`), checks the CSRF token before it keeps a byte, and stops at
the limit with an explanation to the coordinator.

Each check or import runs as a background task (`mentoring.importing.import_csv`, the same code
as `mentorbot import`) that reports its progress; the page showing it reloads itself every
second (no script: the dashboard's policy allows none) until it is done.

The job (what the file holds, whose it is, how far it got and the check's result) is written
beside the file (`<token>.json`) at every change of phase, so a restart does not lose an upload:
the page finds it again; a check cut short runs again (it saves nothing). A check or import that
fails on an error we did not foresee saves nothing either: the page says so and offers to
discard the file instead of showing a progress bar for ever. An import cut short is
checked again too, and the coordinator is told: its one transaction either saved nothing or
(if the process died just after it) every good row, and the new check shows which, since a row
already there is skipped; importing again adds only what is missing, never a row twice.
The line reached is not written, only kept in memory: it is only worth anything while the task
runs. Once imported or discarded, the file and its job are deleted (personal data); one left
alone is deleted by the retention job after `mentoring.importing.UPLOAD_RETENTION`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

from aiohttp import BodyPartReader, web

from mentoring.errors import DomainError
from mentoring.importing import REQUIRED, ImportResult, import_csv
from web.auth import check_csrf_token, login_required, login_required_streamed
from web.dashboard.common import error_text, me, redirect_with, render
from web.keys import RUNTIME

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
KINDS = tuple(REQUIRED)  # youths, mentors, pairs, outcomes, companies, openings
MAX_UPLOAD_MB = 20
MAX_UPLOAD = MAX_UPLOAD_MB * 1024**2  # the file itself; the form around it adds a few hundred bytes
MAX_FIELD = 1024  # the CSRF token and the kind
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass
class Job:
    token: str
    kind: str
    path: Path
    owner: int
    name: str
    phase: str = "checking"  # checking, checked, importing, imported, failed
    line: int = 0
    lines: int = 1
    result: ImportResult | None = None
    interrupted: bool = False  # an import cut short by a restart (checked again since)
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.phase in ("checking", "importing")

    def save(self) -> None:
        """The job beside its file, for after a restart (the line reached is not kept)."""
        result = asdict(self.result) if self.result is not None else None
        state = {"kind": self.kind, "owner": self.owner, "name": self.name}
        state |= {"phase": self.phase, "result": result, "interrupted": self.interrupted}
        _state_path(self.path).write_text(json.dumps(state), encoding="utf-8")
        _state_path(self.path).chmod(0o600)

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)
        _state_path(self.path).unlink(missing_ok=True)


def _state_path(path: Path) -> Path:
    return path.with_suffix(".json")


def _load(folder: Path, token: str) -> Job | None:
    """A job written before a restart, or None."""
    path = folder / f"{token}.csv"
    try:
        state = json.loads(_state_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    raw = state.get("result")
    result = None
    if isinstance(raw, dict):
        rejected = [(int(line), str(reason)) for line, reason in raw.get("rejected", [])]
        result = ImportResult(int(raw["imported"]), int(raw["skipped"]), rejected)
    job = Job(token, str(state["kind"]), path, int(state["owner"]), str(state["name"]))
    job.phase, job.result = str(state["phase"]), result
    job.interrupted = bool(state.get("interrupted"))
    return job


JOBS = web.AppKey("import_jobs", dict)


def prepare(app: web.Application) -> None:
    app[JOBS] = {}


def _folder(request: web.Request) -> Path:
    folder = request.app[RUNTIME].settings.imports_dir
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _job(request: web.Request) -> Job:
    token = request.match_info["token"]
    jobs = request.app[JOBS]
    job = jobs.get(token)
    if isinstance(job, Job) and job.phase == "checked" and not job.path.exists():
        del jobs[token]  # deleted meanwhile (the retention job, or another process)
        job = None
    if job is None and _TOKEN.fullmatch(token):
        job = _load(_folder(request), token)
        if job is not None and job.owner == me(request).id:
            jobs[token] = job
            _after_restart(request, job)
    if not isinstance(job, Job) or job.owner != me(request).id:
        raise web.HTTPNotFound()
    return job


def _after_restart(request: web.Request, job: Job) -> None:
    """A job found on disk has no task. A check cut short runs again (it saves nothing). So does
    an import cut short: its one transaction saved nothing, or every good row if the process
    died after it, and the new check counts those as already there; the page says what
    happened and importing again adds only the rest."""
    if job.phase in ("checking", "importing"):
        _run(request, job, dry_run=True, interrupted=job.interrupted or job.phase == "importing")


def _run(request: web.Request, job: Job, *, dry_run: bool, interrupted: bool = False) -> None:
    runtime = request.app[RUNTIME]
    actor = me(request).actor

    def progress(line: int, lines: int) -> None:
        job.line, job.lines = line, max(lines, 1)

    async def work() -> None:
        try:
            result = await import_csv(
                runtime, job.kind, job.path, dry_run=dry_run, progress=progress, actor=actor
            )
        except Exception:  # the file's one transaction rolled back: nothing of it was saved
            log.exception("import failed", extra={"kind": job.kind, "dry_run": dry_run})
            job.phase = "failed"
            job.save()
            return
        job.result = result
        if not dry_run:
            job.phase = "imported"
            job.forget()  # personal data: not kept once imported
            return
        job.phase = "checked"
        job.save()

    job.phase, job.line = ("checking" if dry_run else "importing"), 0
    job.interrupted = interrupted
    job.save()
    job.task = asyncio.get_running_loop().create_task(work())


@routes.get("/imports")
@login_required
async def imports_page(request: web.Request) -> web.StreamResponse:
    return render(request, "web/imports.html", kinds=KINDS, required=REQUIRED, max_mb=MAX_UPLOAD_MB)


def _too_large(request: web.Request) -> web.HTTPSeeOther:
    error = DomainError("import_too_large", limit=MAX_UPLOAD_MB)
    return redirect_with("/imports", "error", error_text(request, error))


async def _field(part: BodyPartReader) -> str:
    value = await part.read_chunk(MAX_FIELD)
    return value.decode("utf-8", errors="replace")


def _new_file(path: Path) -> BinaryIO:
    """A new file only its owner can read, from the first byte."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


async def _save(part: BodyPartReader, path: Path) -> bool:
    """Stream the file to `path`; False (and nothing kept) once it is over MAX_UPLOAD."""
    size = 0
    with _new_file(path) as out:
        while chunk := await part.read_chunk(256 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD:
                break
            out.write(chunk)
    if size > MAX_UPLOAD:
        _drop(path)
        return False
    return True


def _drop(path: Path) -> None:
    path.unlink(missing_ok=True)


@routes.post("/imports")
@login_required_streamed
async def upload(request: web.Request) -> web.StreamResponse:
    """The form's fields come in the page's order: the CSRF token, the kind, then the file."""
    if (request.content_length or 0) > MAX_UPLOAD + 64 * 1024:
        raise _too_large(request)  # said before reading it (the rest is read and dropped)
    if request.content_type != "multipart/form-data":
        raise web.HTTPBadRequest(text="Send the file as a form upload.")
    token = secrets.token_urlsafe(16)
    path = _folder(request) / f"{token}.csv"
    fields: dict[str, str] = {}
    name: str | None = None
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "file" and part.filename and name is None:
            check_csrf_token(request, fields.get("csrf"))  # before a byte is kept
            if not await _save(part, path):
                raise _too_large(request)
            name = part.filename
        elif part.name in ("csrf", "kind"):
            fields[part.name] = await _field(part)
    check_csrf_token(request, fields.get("csrf"))
    kind = fields.get("kind")
    if kind not in KINDS or name is None:
        _drop(path)
        error = DomainError("dashboard_field_missing", field="file")
        raise redirect_with("/imports", "error", error_text(request, error))
    job = Job(token, kind, path, me(request).id, name)
    request.app[JOBS][token] = job
    _run(request, job, dry_run=True)
    raise web.HTTPSeeOther(f"/imports/{token}")


@routes.get("/imports/{token}")
@login_required
async def job_page(request: web.Request) -> web.StreamResponse:
    job = _job(request)
    return render(request, "web/import_job.html", job=job)


@routes.get("/imports/{token}/status")
@login_required
async def job_status(request: web.Request) -> web.StreamResponse:
    """How far the check or import is, for anything that polls (a script, a test)."""
    job = _job(request)
    return web.json_response(
        {"phase": job.phase, "line": job.line, "lines": job.lines, "running": job.running}
    )


@routes.post("/imports/{token}/commit")
@login_required
async def commit(request: web.Request) -> web.StreamResponse:
    job = _job(request)
    if job.phase != "checked":
        raise web.HTTPConflict(text="Only a checked file is imported.")
    _run(request, job, dry_run=False)
    raise web.HTTPSeeOther(f"/imports/{job.token}")


@routes.post("/imports/{token}/discard")
@login_required
async def discard(request: web.Request) -> web.StreamResponse:
    job = _job(request)
    if job.running:
        raise web.HTTPConflict(text="Wait until the file has been read.")
    job.forget()
    del request.app[JOBS][job.token]
    raise web.HTTPSeeOther("/imports")

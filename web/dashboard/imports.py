"""CSV imports from the dashboard: upload, a dry run that lists the rows accepted and the rows
rejected (line and reason), then the import itself; a progress bar while a file is read.

The upload is kept in the data directory (never in the database) until it is imported or
discarded. Each check or import runs as a background task (`mentoring.importing.import_csv`,
the same code as `mentorbot import`) that reports its progress; the page showing it reloads
itself every second (no script: the dashboard's policy allows none) until it is done.
Jobs live in this process's memory: a restart forgets them and the file is uploaded again.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from mentoring.audit import record
from mentoring.errors import DomainError
from mentoring.importing import REQUIRED, ImportResult, import_csv
from web.auth import check_csrf, login_required
from web.dashboard.common import error_text, me, redirect_with, render
from web.keys import RUNTIME

routes = web.RouteTableDef()
KINDS = tuple(REQUIRED)  # youths, mentors, pairs, outcomes, companies, openings


@dataclass
class Job:
    token: str
    kind: str
    path: Path
    owner: int
    name: str
    phase: str = "checking"  # checking, checked, importing, imported
    line: int = 0
    lines: int = 1
    result: ImportResult | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.phase in ("checking", "importing")


JOBS = web.AppKey("import_jobs", dict)


def prepare(app: web.Application) -> None:
    app[JOBS] = {}


def _folder(request: web.Request) -> Path:
    folder = request.app[RUNTIME].settings.data_dir / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _job(request: web.Request) -> Job:
    job = request.app[JOBS].get(request.match_info["token"])
    if not isinstance(job, Job) or job.owner != me(request).id:
        raise web.HTTPNotFound()
    return job


def _run(request: web.Request, job: Job, *, dry_run: bool) -> None:
    runtime = request.app[RUNTIME]
    actor = me(request).actor

    def progress(line: int, lines: int) -> None:
        job.line, job.lines = line, max(lines, 1)

    async def work() -> None:
        job.result = await import_csv(
            runtime, job.kind, job.path, dry_run=dry_run, progress=progress
        )
        if not dry_run:
            async with runtime.transaction() as db:
                await record(
                    db, actor, "import_committed", "import", None, kind=job.kind,
                    imported=job.result.imported, skipped=job.result.skipped,
                    rejected=len(job.result.rejected),
                )  # fmt: skip
            job.path.unlink(missing_ok=True)  # personal data: not kept once imported
        job.phase = "checked" if dry_run else "imported"

    job.phase, job.line = ("checking" if dry_run else "importing"), 0
    job.task = asyncio.get_running_loop().create_task(work())


@routes.get("/imports")
@login_required
async def imports_page(request: web.Request) -> web.StreamResponse:
    return render(request, "web/imports.html", kinds=KINDS, required=REQUIRED)


@routes.post("/imports")
@login_required
async def upload(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    posted = await request.post()
    kind, upload = posted.get("kind"), posted.get("file")
    if kind not in KINDS or not isinstance(upload, web.FileField):
        error = DomainError("dashboard_field_missing", field="file")
        raise redirect_with("/imports", "error", error_text(request, error))
    token = secrets.token_urlsafe(16)
    path = _folder(request) / f"{token}.csv"
    path.write_bytes(upload.file.read())
    path.chmod(0o600)
    job = Job(token, str(kind), path, me(request).id, upload.filename or "")
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
    await check_csrf(request)
    job = _job(request)
    if job.phase != "checked":
        raise web.HTTPConflict(text="Only a checked file is imported.")
    _run(request, job, dry_run=False)
    raise web.HTTPSeeOther(f"/imports/{job.token}")


@routes.post("/imports/{token}/discard")
@login_required
async def discard(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    job = _job(request)
    if job.running:
        raise web.HTTPConflict(text="Wait until the file has been read.")
    job.path.unlink(missing_ok=True)
    del request.app[JOBS][job.token]
    raise web.HTTPSeeOther("/imports")

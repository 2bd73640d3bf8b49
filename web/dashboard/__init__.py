"""The coordinator dashboard under `/`: login, overview, matching, pairs, mentors, companies,
job openings, events, the Task Force and steering group, outcomes, inbox and the digest preview.
`setup(app)` registers every route."""

from __future__ import annotations

from aiohttp import web

from templates import TEMPLATE_DIR
from web.dashboard import (
    audit_log,
    calls,
    companies,
    digest,
    events,
    groups,
    imports,
    inbox,
    login,
    mentors,
    openings,
    outcomes,
    outreach,
    overview,
    pair_page,
    pairs,
    people,
    privacy,
    search,
    settings,
    youth_new,
    youths,
)

STYLESHEET = TEMPLATE_DIR / "web" / "dashboard.css"


async def stylesheet(request: web.Request) -> web.StreamResponse:
    response = web.FileResponse(STYLESHEET, headers={"Cache-Control": "max-age=3600"})
    response.content_type = "text/css"
    return response


def setup(app: web.Application) -> None:
    for module in (
        login,
        overview,
        calls,
        youths,
        pair_page,
        pairs,
        people,
        mentors,
        companies,
        events,
        groups,
        openings,
        outreach,
        outcomes,
        digest,
        privacy,
        settings,
        search,
        audit_log,
        inbox,
        youth_new,
        imports,
    ):
        app.add_routes(module.routes)
    imports.prepare(app)
    app.router.add_get("/dashboard.css", stylesheet)

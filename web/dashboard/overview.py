"""The overview: each programme target with its progress, and what needs attention today,
all as of now (mentoring.today), never the digest's last complete week."""

from __future__ import annotations

from aiohttp import web

from mentoring.today import overview_now
from web.auth import login_required
from web.dashboard.common import now_and_today, programme_of, render
from web.keys import RUNTIME

routes = web.RouteTableDef()


@routes.get("/")
@login_required
async def overview(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    now, today = now_and_today(request)
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
    digest = await overview_now(runtime, programme, now)
    oldest = digest.waiting_since
    return render(
        request,
        "web/overview.html",
        digest=digest,
        today=today,
        programme=programme,
        longest_wait=(today - runtime.renderer.local(oldest).date()).days if oldest else 0,
    )

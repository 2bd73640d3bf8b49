"""The overview: each programme target with its progress, and what needs attention today."""

from __future__ import annotations

from aiohttp import web

from mentoring.digest import load_digest
from mentoring.digest_model import default_week
from mentoring.matching import available_mentors, waiting_youths
from web.auth import login_required
from web.dashboard.common import now_and_today, programme_of, render
from web.keys import RUNTIME

routes = web.RouteTableDef()


@routes.get("/")
@login_required
async def overview(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    now, today = now_and_today(request)
    tz = runtime.settings.tz
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        digest = await load_digest(db, programme.id, default_week(now, tz), now, tz)
        waiting = await waiting_youths(db, programme.id)
        mentors = await available_mentors(db, programme.id)
    since = [runtime.renderer.local(y.waiting_since).date() for y in waiting if y.waiting_since]
    return render(
        request,
        "web/overview.html",
        digest=digest,
        today=today,
        programme=programme,
        waiting=len(waiting),
        longest_wait=(today - min(since)).days if since else 0,
        mentors_free=len(mentors),
    )

"""The search box on every page: a person by name, phone number or e-mail address.

One hit goes straight to the person's page; several are listed (at most `mentoring.search.LIMIT`).
"""

from __future__ import annotations

from aiohttp import web

from mentoring.search import LIMIT, find_people
from web.auth import login_required
from web.dashboard.common import programme_of, render
from web.keys import RUNTIME

routes = web.RouteTableDef()


@routes.get("/search")
@login_required
async def search(request: web.Request) -> web.StreamResponse:
    query = request.query.get("q", "").strip()
    async with request.app[RUNTIME].sessions() as db:
        programme = await programme_of(request, db)
        found = await find_people(db, programme.id, query)
    if len(found) == 1 and found[0].matched_on != "name":
        raise web.HTTPSeeOther(f"/people/{found[0].person_id}")
    return render(request, "web/search.html", query=query, found=found, limit=LIMIT)

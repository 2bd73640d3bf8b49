"""A person's rights from the dashboard: the page with the JSON export (art. 15) and erasure,
and lifting the pause a parent or guardian's objection put on a youth (mentoring/pair_hold.py).

Both are scoped to the current programme (another programme's person is "not found"), need a
signed-in coordinator, and are written to the audit log; erasure is a POST with the CSRF token
and an explicit confirmation box.
"""

from __future__ import annotations

import json

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.audit import record
from mentoring.pair_hold import lift
from mentoring.people import Person, person_by_id, youth_by_id
from mentoring.privacy import erase_person, export_person
from web.auth import check_csrf, language_of, login_required
from web.dashboard.common import SECURITY_HEADERS, me, programme_of, redirect_with, route_id
from web.keys import RUNTIME

routes = web.RouteTableDef()


async def _person(request: web.Request, db: AsyncSession) -> Person:
    person = await person_by_id(db, route_id(request))
    programme = await programme_of(request, db)
    if person is None or person.programme_id != programme.id:
        raise web.HTTPNotFound()
    return person


def _notice(request: web.Request, key: str) -> str:
    renderer = request.app[RUNTIME].renderer
    return renderer.render("web/privacy_notice.j2", language_of(request), key=key).strip()


@routes.get("/people/{id}/export.json")
@login_required
async def export(request: web.Request) -> web.StreamResponse:
    async with request.app[RUNTIME].transaction() as db:
        person = await _person(request, db)
        data = await export_person(db, person.id)
        await record(db, me(request).actor, "person.exported", "person", person.id)
    response = web.Response(
        text=json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json",
    )
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Disposition"] = f'attachment; filename="person-{person.id}.json"'
    return response


@routes.post("/people/{id}/erase")
@login_required
async def erase(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)
    back = f"/people/{route_id(request)}"
    if form.get("confirm") != "yes":
        raise redirect_with(back, "error", _notice(request, "confirm_erase"))
    runtime = request.app[RUNTIME]
    async with runtime.transaction() as db:
        person = await _person(request, db)
        if person.erased_at is None:
            await erase_person(db, person.id, actor=me(request).actor, now=runtime.clock())
    raise redirect_with(back, "ok", _notice(request, "person_erased"))


@routes.post("/people/{id}/lift-objection")
@login_required
async def lift_objection(request: web.Request) -> web.StreamResponse:
    """The coordinator has cleared things up with the family: the youth and the pair go on."""
    await check_csrf(request)
    back = f"/people/{route_id(request)}"
    runtime = request.app[RUNTIME]
    async with runtime.transaction() as db:
        person = await _person(request, db)
        youth = await youth_by_id(db, person.id)
        lifted = youth is not None and await lift(
            db,
            runtime.renderer,
            youth,
            now=runtime.clock(),
            tz=runtime.settings.tz,
            actor=me(request).actor,
        )
    raise redirect_with(
        back, "ok", _notice(request, "objection_lifted" if lifted else "no_objection")
    )

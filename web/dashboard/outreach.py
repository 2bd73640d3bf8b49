"""Outreach: sign-up codes and links per source (caseworker, school, event, Task Force member,
poster) with how many youths and mentors came through each, the caseworker's referral form
(the youth gets an SMS invitation), and the coordinator's edit of a youth's one-year answer."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.audit import record
from mentoring.outreach import (
    AUDIENCES,
    KINDS,
    create_source,
    refer_youth,
    set_one_year,
    sources_of,
    where_they_come_from,
)
from web.auth import SignedIn, check_csrf, login_required
from web.dashboard.common import (
    act,
    int_field,
    now_and_today,
    programme_of,
    render,
    route_id,
    text_field,
)
from web.dashboard.mentors import invitation_link
from web.keys import RUNTIME, TELEGRAM_USERNAME

routes = web.RouteTableDef()


@routes.get("/outreach")
@login_required
async def outreach(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    now, _ = now_and_today(request)
    bot = request.app.get(TELEGRAM_USERNAME)
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        sources = await sources_of(db, programme.id)
        figures = await where_they_come_from(db, programme.id, now)
    return render(
        request,
        "web/outreach.html",
        sources=[{"source": s, "link": invitation_link(bot, s.code)} for s in sources],
        caseworkers=[s for s in sources if s.kind == "caseworker"],
        figures=figures,
        kinds=KINDS,
        audiences=AUDIENCES,
        sms_number=runtime.settings.twilio_from_number,
    )


@routes.post("/outreach/sources")
@login_required
async def add_source(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        programme = await programme_of(request, db)
        source = await create_source(
            db,
            programme.id,
            text_field(form, "kind"),
            text_field(form, "name"),
            audience=form.get("audience") or "youth",
            code=form.get("code", "").strip() or None,
            created_by=who.id,
        )
        await record(db, who.actor, "outreach_source_created", "outreach_source", source.id)
        return "source_created", {"code": source.code}

    return await act(request, "/outreach", action)


@routes.post("/outreach/referral")
@login_required
async def referral(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)
    now, _ = now_and_today(request)
    runtime = request.app[RUNTIME]

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        programme = await programme_of(request, db)
        person = await refer_youth(
            db,
            runtime.renderer,
            programme.id,
            int_field(form, "source_id"),
            text_field(form, "first_name"),
            text_field(form, "phone"),
            now=now,
        )
        await record(db, who.actor, "youth_referred", "person", person.id,
                     source_id=person.source_id)  # fmt: skip
        return "youth_referred", {"first_name": person.first_name}

    return await act(request, "/outreach", action)


@routes.post("/youths/{id}/one-year")
@login_required
async def one_year(request: web.Request) -> web.StreamResponse:
    youth_id = route_id(request)
    form = await check_csrf(request)
    answer = {"yes": True, "no": False}.get(form.get("unemployed_over_year", ""))

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        programme = await programme_of(request, db)
        await set_one_year(db, programme.id, youth_id, answer)
        await record(db, who.actor, "youth_one_year_set", "person", youth_id, value=answer)
        return "one_year_saved", {}

    return await act(request, f"/people/{youth_id}", action)

"""Adding a youth by hand: the sign-up's rules, then an SMS asking the youth to confirm."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.added_by_hand import add_youth_by_hand
from mentoring.audit import record
from mentoring.lookups import lookup
from mentoring.people import YouthForm
from web.auth import SignedIn, check_csrf, login_required
from web.dashboard.common import act, int_field, now_and_today, programme_of, render, text_field
from web.keys import RUNTIME

routes = web.RouteTableDef()
LANGUAGES = ("da", "en")
RELATIONS = ("mother", "father", "stepmother", "stepfather", "guardian", "grandparent", "sibling")


@routes.get("/youths/new")
@login_required
async def new_youth(request: web.Request) -> web.StreamResponse:
    _, today = now_and_today(request)
    async with request.app[RUNTIME].sessions() as db:
        situations = list(await lookup(db, "situation"))
        groups = list(await lookup(db, "target_group"))
        interests = list(await lookup(db, "interest"))
    return render(
        request,
        "web/youth_new.html",
        situations=situations,
        groups=groups,
        interests=interests,
        languages=LANGUAGES,
        relations=RELATIONS,
        year=today.year,
    )


@routes.post("/youths/new")
@login_required
async def add_youth(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    posted = await request.post()
    form = {k: v for k, v in posted.items() if isinstance(v, str)}
    chosen = [i for i in posted.getall("interest", []) if isinstance(i, str)]
    runtime = request.app[RUNTIME]
    now, _ = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        programme = await programme_of(request, db)
        youth = YouthForm(
            first_name=text_field(form, "first_name"),
            birth_year=int_field(form, "birth_year"),
            situation=text_field(form, "situation"),
            target_group=form.get("target_group") or None,
            interests=chosen,
            postcode=form.get("postcode", "").strip() or None,
            phone=text_field(form, "phone"),
            email=form.get("email", "").strip() or None,
            language=form["language"] if form.get("language") in LANGUAGES else "da",
            guardian_name=form.get("guardian_name", "").strip() or None,
            guardian_relation=form.get("guardian_relation")
            if form.get("guardian_relation") in RELATIONS
            else None,
            guardian_phone=form.get("guardian_phone", "").strip() or None,
            guardian_email=form.get("guardian_email", "").strip() or None,
        )
        person = await add_youth_by_hand(
            db,
            runtime.renderer,
            runtime.settings,
            programme.id,
            youth,
            coordinator=who.name,
            now=now,
        )
        await record(db, who.actor, "youth_added_by_hand", "person", person.id)
        return "youth_added", {"who": person.first_name}

    return await act(request, "/youths/new", action)

"""A person's page a coordinator can work from: contact points (masked; "show" reveals one and
audits it), guardian, consent, target group and situation (editable by the sign-up's rules),
their pairs, messages in and out, notes and the follow-ups' timeline."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.audit import record
from mentoring.casework import change_situation, person_view, reveal_contact
from mentoring.errors import NotFound
from mentoring.lookups import lookup
from mentoring.notes import add_note
from mentoring.people import Person, person_by_id
from web.auth import SignedIn, check_csrf, login_required
from web.dashboard.common import act, me, now_and_today, programme_of, render, route_id, text_field
from web.keys import RUNTIME

routes = web.RouteTableDef()


async def _person(request: web.Request, db: AsyncSession) -> Person:
    person = await person_by_id(db, route_id(request))
    programme = await programme_of(request, db)
    if person is None or person.programme_id != programme.id:
        raise web.HTTPNotFound()
    return person


async def _page(request: web.Request, revealed: int | None = None) -> web.Response:
    runtime = request.app[RUNTIME]
    now, _ = now_and_today(request)
    async with runtime.transaction() as db:
        person = await _person(request, db)
        if revealed is not None:
            try:
                revealed = await reveal_contact(db, person.id, revealed, actor=me(request).actor)
            except NotFound:
                raise web.HTTPNotFound() from None
        view = await person_view(db, person.id, now=now, revealed=revealed)
        situations = list(await lookup(db, "situation"))
        groups = list(await lookup(db, "target_group"))
    objected = view.youth.guardian_objected_at if view.youth is not None else None
    return render(
        request,
        "web/person.html",
        person=person,
        objected_at=objected,
        work=view,
        situations=situations,
        groups=groups,
    )


@routes.get("/people/{id}")
@login_required
async def person_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@routes.post("/people/{id}/contacts/{contact}/show")
@login_required
async def show_contact(request: web.Request) -> web.StreamResponse:
    """The page with one contact point in full; the audit log records who saw it."""
    await check_csrf(request)
    return await _page(request, revealed=route_id(request, "contact"))


@routes.post("/people/{id}/notes")
@login_required
async def add_person_note(request: web.Request) -> web.StreamResponse:
    person_id = route_id(request)
    form = await check_csrf(request)
    now, _ = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        await _person(request, db)
        note = await add_note(
            db, text_field(form, "note"), author_id=who.id, now=now, person_id=person_id
        )
        await record(db, who.actor, "note.added", "person", person_id, note=note.id)
        return "note_added", {}

    return await act(request, f"/people/{person_id}#notes", action)


@routes.post("/people/{id}/situation")
@login_required
async def situation(request: web.Request) -> web.StreamResponse:
    person_id = route_id(request)
    form = await check_csrf(request)
    _, today = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        await _person(request, db)
        await change_situation(
            db,
            person_id,
            text_field(form, "situation"),
            form.get("target_group", "").strip() or None,
            today=today,
            actor=who.actor,
        )
        return "person_situation_saved", {}

    return await act(request, f"/people/{person_id}#situation", action)

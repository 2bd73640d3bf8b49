"""A pair's page: both people, meetings, hours by month, check-in answers, calls (log one),
notes (add one), the follow-ups' timeline, and the pair's actions."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import OPEN
from mentoring import pair_actions
from mentoring.audit import record
from mentoring.casework import pair_view
from mentoring.errors import NotFound
from mentoring.lookups import lookup
from mentoring.notes import add_note
from mentoring.outreach_figures import code_of_care_answers
from mentoring.pair_talk import talk_by_pair
from web.auth import SignedIn, check_csrf, login_required
from web.dashboard.common import act, now_and_today, programme_of, render, route_id, text_field
from web.keys import RUNTIME

routes = web.RouteTableDef()


@routes.get("/pairs/{id}")
@login_required
async def pair_page(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    _, today = now_and_today(request)
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        try:
            view = await pair_view(db, route_id(request))
        except NotFound:
            raise web.HTTPNotFound() from None
        if view.match.programme_id != programme.id:
            raise web.HTTPNotFound()
        reasons = list(await lookup(db, "end_reason"))
        talk = (await talk_by_pair(db, [view.match.id]))[view.match.id]
        coc = await code_of_care_answers(db, [view.match.id])
    return render(
        request,
        "web/pair.html",
        talk=talk,
        coc=coc,
        pair=view,
        open=view.match.status in OPEN,
        reasons=reasons,
        today=today,
        monthly_hours=programme.monthly_hours,
    )


@routes.post("/pairs/{id}/notes")
@login_required
async def add_pair_note(request: web.Request) -> web.StreamResponse:
    match_id = route_id(request)
    form = await check_csrf(request)
    now, _ = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        note = await add_note(
            db, text_field(form, "note"), author_id=who.id, now=now, match_id=match_id
        )
        await record(db, who.actor, "note.added", "match", match_id, note=note.id)
        return "note_added", {}

    return await act(request, f"/pairs/{match_id}#notes", action)


@routes.post("/pairs/{id}/pause")
@login_required
async def pause(request: web.Request) -> web.StreamResponse:
    match_id = route_id(request)
    await check_csrf(request)
    now, _ = now_and_today(request)
    renderer = request.app[RUNTIME].renderer

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        await pair_actions.pause(db, renderer, match_id, now=now, actor=who.actor)
        return "pair_paused", {}

    return await act(request, f"/pairs/{match_id}", action)


@routes.post("/pairs/{id}/resume")
@login_required
async def resume(request: web.Request) -> web.StreamResponse:
    match_id = route_id(request)
    await check_csrf(request)
    now, _ = now_and_today(request)
    runtime = request.app[RUNTIME]

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        await pair_actions.resume(
            db, runtime.renderer, match_id, now=now, tz=runtime.settings.tz, actor=who.actor
        )
        return "pair_resumed", {}

    return await act(request, f"/pairs/{match_id}", action)


@routes.post("/pairs/{id}/rematch")
@login_required
async def rematch(request: web.Request) -> web.StreamResponse:
    """After an early end: the youth waits again, and the matching page for them opens."""
    match_id = route_id(request)
    await check_csrf(request)
    now, _ = now_and_today(request)
    youth: list[int] = []

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        youth.append(await pair_actions.rematch(db, match_id, now=now, actor=who.actor))
        return "pair_rematch", {}

    try:
        return await act(request, f"/pairs/{match_id}", action)
    except web.HTTPSeeOther as done:
        if youth:  # done: on to choosing the youth's new mentor
            done.headers["Location"] = f"/youths/{youth[0]}/match"
        raise

"""Waiting youths with suggested mentors, the batch proposal, and making a match.

A match made here is proposed to the mentor: `mentoring.introductions.introduce` queues the
introduction messages in the outbox in the same transaction.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.audit import record
from mentoring.introductions import introduce
from mentoring.lookups import lookup
from mentoring.matches import create_match
from mentoring.matching import (
    available_mentors,
    batch,
    match_options,
    mentor_pool,
    suggest_all,
    waiting_page,
)
from mentoring.people import consented, person_by_id, youths_by_id
from mentoring.today import today_figures
from web.auth import SignedIn, check_csrf, login_required
from web.dashboard.common import act, int_field, now_and_today, programme_of, render, route_id
from web.dashboard.paging import PAGE_SIZE, filters_of, pager, paging_of
from web.keys import RUNTIME

routes = web.RouteTableDef()


@routes.get("/youths")
@login_required
async def waiting(request: web.Request) -> web.StreamResponse:
    """One page of the waiting youths (longest waiting first), narrowed by target group and
    area, each with the three best mentors with room."""
    runtime = request.app[RUNTIME]
    now, today = now_and_today(request)
    paging = paging_of(request)
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        groups = list(await lookup(db, "target_group"))
        filters = filters_of(request, {"target_group": groups, "area": None})
        figures = await today_figures(db, programme, now, runtime.settings.tz)
        youths, total = await waiting_page(
            db, programme.id, **filters, offset=paging.offset, limit=paging.size
        )
        pool = await mentor_pool(db, programme.id, per_kind=3)
        ids = [y.person_id for y in youths]
        details = await youths_by_id(db, ids)
        share = await consented(db, ids)
    suggestions = suggest_all(youths, pool.mentors, limit=3)
    rows = [
        {
            "youth": y,
            "details": details[y.person_id],
            "consent": y.person_id in share,
            "days": (today - runtime.renderer.local(y.waiting_since).date()).days
            if y.waiting_since
            else 0,
            "suggestions": suggestions[i],
        }
        for i, y in enumerate(youths)
    ]
    return render(
        request,
        "web/youths.html",
        rows=rows,
        today=today,
        free_places=pool.places,
        figures=figures,
        programme=programme,
        total=total,
        groups=groups,
        filters=filters,
        pager=pager(request, paging, total, filters),
    )


@routes.get("/batch")
@login_required
async def batch_page(request: web.Request) -> web.StreamResponse:
    """The best overall plan for the longest-waiting youths (the first page of /youths), so the
    assignment stays quick however many wait; confirmed pairs make room for the next ones."""
    runtime = request.app[RUNTIME]
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        youths, waiting = await waiting_page(db, programme.id, limit=PAGE_SIZE)
        mentors = await available_mentors(db, programme.id, per_kind=len(youths))
    proposals = batch(youths, mentors)
    total = sum(p.score for p in proposals)
    return render(
        request,
        "web/batch.html",
        proposals=proposals,
        total=total,
        waiting=waiting,
        considered=len(youths),
    )


async def _make_match(
    request: web.Request, db: AsyncSession, who: SignedIn, youth_id: int, mentor_id: int, via: str
) -> tuple[str, dict[str, Any]]:
    runtime = request.app[RUNTIME]
    now, _ = now_and_today(request)
    match = await create_match(
        db, youth_id, mentor_id, now=now, coordinator_id=who.id, tz=runtime.settings.tz
    )
    await introduce(db, runtime.renderer, match.id, now=now)
    await record(
        db,
        who.actor,
        "match_created",
        "match",
        match.id,
        youth_id=youth_id,
        mentor_id=mentor_id,
        via=via,
    )
    return "match_made", {"match_id": match.id}


@routes.get("/youths/{id}/match")
@login_required
async def match_page(request: web.Request) -> web.StreamResponse:
    """Every approved mentor with a free place for one youth, a page at a time, best score
    first; the chosen one (`?mentor=`) with its score and reasons, and the button that
    proposes the match."""
    youth_id = route_id(request)
    runtime = request.app[RUNTIME]
    paging = paging_of(request)
    wanted = request.query.get("mentor", "")
    mentor_id = int(wanted) if wanted.isdigit() and len(wanted) < 10 else None
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        person = await person_by_id(db, youth_id)
        details = (await youths_by_id(db, [youth_id])).get(youth_id)
        if person is None or details is None or person.programme_id != programme.id:
            raise web.HTTPNotFound()
        found = await match_options(
            db, youth_id, offset=paging.offset, limit=paging.size, mentor_id=mentor_id
        )
    kept = {"mentor": str(mentor_id)} if found.chosen else {}
    return render(
        request,
        "web/match.html",
        youth=person,
        details=details,
        options=found.options,
        total=found.total,
        page=paging.number,
        chosen=found.chosen or (found.options[0] if found.options else None),
        pager=pager(request, paging, found.total, kept),
    )


@routes.post("/youths/{id}/match")
@login_required
async def make_match(request: web.Request) -> web.StreamResponse:
    youth_id = route_id(request)
    form = await check_csrf(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        via = "chosen" if form.get("via") == "chosen" else "suggestion"
        return await _make_match(request, db, who, youth_id, int_field(form, "mentor_id"), via)

    return await act(request, "/youths", action)


@routes.post("/batch/confirm")
@login_required
async def confirm_proposal(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        youth_id, mentor_id = int_field(form, "youth_id"), int_field(form, "mentor_id")
        return await _make_match(request, db, who, youth_id, mentor_id, "batch")

    return await act(request, "/batch", action)

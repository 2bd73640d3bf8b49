"""Outcomes: register or correct where a youth stands."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.audit import record
from mentoring.lookups import lookup
from mentoring.outcomes import outcome_rows, register_outcome, youths_to_register
from mentoring.programmes import Programme
from mentoring.search import LIMIT
from web.auth import SignedIn, check_csrf, login_required
from web.dashboard.common import (
    act,
    date_field,
    int_field,
    now_and_today,
    programme_page,
    text_field,
)

routes = web.RouteTableDef()


@routes.get("/outcomes")
@login_required
async def outcomes(request: web.Request) -> web.StreamResponse:
    # The youth is found with the person search ("find") or named by id ("youth", a link from
    # the overview or the youth's page): a short list to pick from, never every matched youth.
    chosen = request.query.get("youth", "")
    find = request.query.get("find", "").strip()

    async def load(db: AsyncSession, programme: Programme) -> dict[str, Any]:
        rows = await outcome_rows(db, programme.id)
        latest: dict[int | None, int] = {}
        for outcome, _ in rows:
            latest.setdefault(outcome.youth_id, outcome.id)
        return {
            "outcomes": [
                {"outcome": o, "name": n, "current": latest.get(o.youth_id) == o.id}
                for o, n in rows
            ],
            "find": find,
            "searched": bool(find or chosen.isdigit()),
            "youths": await youths_to_register(
                db, programme.id, find, int(chosen) if chosen.isdigit() else None
            )
            if find or chosen.isdigit()
            else [],
            "limit": LIMIT,
            "categories": list(await lookup(db, "outcome")),
        }

    return await programme_page(request, "web/outcomes.html", load)


@routes.post("/outcomes")
@login_required
async def add_outcome(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)
    _, today = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        outcome = await register_outcome(
            db,
            int_field(form, "youth_id"),
            text_field(form, "category"),
            date_field(form, "observed_on", today),
            source="coordinator",
            coordinator_id=who.id,
        )
        await record(
            db, who.actor, "outcome_registered", "outcome", outcome.id, category=outcome.category
        )
        return "outcome_registered", {}

    return await act(request, "/outcomes", action)

"""Job openings: registering one (company, kind, origin, the mentor or partner company who
brought it), and its life: a mentor's lead confirmed or turned down, an opening filled by a
youth or withdrawn."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.audit import record
from mentoring.companies import companies_by_name
from mentoring.lookups import lookup
from mentoring.openings import (
    ORIGINS,
    confirm_job_opening,
    fill_job_opening,
    mentors_of_programme,
    opening_rows,
    register_job_opening,
    withdraw_job_opening,
    youths_to_fill,
)
from mentoring.programmes import Programme
from mentoring.search import LIMIT
from web.auth import SignedIn, check_csrf, login_required
from web.dashboard.common import (
    act,
    date_field,
    int_field,
    now_and_today,
    programme_page,
    route_id,
    text_field,
)

routes = web.RouteTableDef()


@routes.get("/openings")
@login_required
async def openings(request: web.Request) -> web.StreamResponse:
    # "Filled by": the youth is found with the person search, for one open opening at a time
    # ("fill" its id, "find" the search): a short list to pick from, never every youth.
    fill = request.query.get("fill", "")
    find = request.query.get("find", "").strip()

    async def load(db: AsyncSession, programme: Programme) -> dict[str, Any]:
        rows = await opening_rows(db, programme.id)
        companies = await companies_by_name(db, programme.id)
        # Only what the page shows: the mentors for the form (shown with a company to pick),
        # the youths found for the opening being filled.
        return {
            "openings": [
                {"opening": o, "company": c, "filled_by": y, "mentor": m, "partner": p}
                for o, c, y, m, p in rows
            ],
            "companies": companies,
            "partners": [c for c in companies if c.partner_kind is not None],
            "fill": int(fill) if fill.isdigit() else None,
            "find": find,
            "youths": await youths_to_fill(db, programme.id, find)
            if find and fill.isdigit()
            else [],
            "limit": LIMIT,
            "mentors": await mentors_of_programme(db, programme.id) if companies else [],
            "kinds": list(await lookup(db, "job_kind")),
            "origins": ORIGINS,
        }

    return await programme_page(request, "web/openings.html", load)


@routes.post("/openings")
@login_required
async def add_opening(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)
    _, today = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        opening = await register_job_opening(
            db,
            int_field(form, "company_id"),
            text_field(form, "kind"),
            date_field(form, "created_on", today),
            origin=form.get("origin") or None,
            mentor_id=int_field(form, "mentor_id") if form.get("mentor_id") else None,
            partner_id=int_field(form, "partner_id") if form.get("partner_id") else None,
            title=form.get("title") or None,
        )
        await record(db, who.actor, "job_opening_registered", "job_opening", opening.id)
        return "opening_registered", {}

    return await act(request, "/openings", action)


@routes.post("/openings/{id}/{step:(fill|confirm|withdraw)}")
@login_required
async def opening_step(request: web.Request) -> web.StreamResponse:
    opening_id = route_id(request)
    step = request.match_info["step"]
    form = await check_csrf(request)
    _, today = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        if step == "fill":
            youth_id = int_field(form, "youth_id")
            await fill_job_opening(db, opening_id, youth_id, date_field(form, "filled_on", today),
                                   coordinator_id=who.id)  # fmt: skip
            await record(db, who.actor, "job_opening_filled", "job_opening", opening_id,
                         youth_id=youth_id)  # fmt: skip
            return "opening_filled", {}
        if step == "confirm":
            await confirm_job_opening(db, opening_id, today)
            await record(db, who.actor, "job_opening_confirmed", "job_opening", opening_id)
            return "opening_confirmed", {}
        await withdraw_job_opening(db, opening_id)
        await record(db, who.actor, "job_opening_withdrawn", "job_opening", opening_id)
        return "opening_withdrawn", {}

    return await act(request, "/openings", action)

"""Companies (contacted, outside the partnership agreements, CVR) and their job openings."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.audit import record
from mentoring.lookups import lookup
from mentoring.outcomes import (
    active_youths,
    companies_of,
    fill_job_opening,
    opening_rows,
    register_company,
    register_job_opening,
)
from web.auth import SignedIn, check_csrf, login_required
from web.dashboard.common import (
    act,
    date_field,
    int_field,
    now_and_today,
    programme_of,
    render,
    route_id,
    text_field,
)
from web.keys import RUNTIME

routes = web.RouteTableDef()
SOURCES = ("outreach", "event", "mentor", "partner")
ORIGINS = ("mentor", "event", "outreach")


@routes.get("/companies")
@login_required
async def companies(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    _, today = now_and_today(request)
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        rows = await companies_of(db, programme.id, by_first_contact=True)
        industries = list(await lookup(db, "interest"))
    return render(
        request,
        "web/companies.html",
        companies=rows,
        industries=industries,
        sources=SOURCES,
        today=today,
    )


@routes.post("/companies")
@login_required
async def add_company(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)
    _, today = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        programme = await programme_of(request, db)
        company = await register_company(
            db,
            programme.id,
            text_field(form, "name"),
            cvr=form.get("cvr", "").strip() or None,
            industry=form.get("industry") or None,
            outside_partnership=form.get("partner") != "yes",
            source=form.get("source") if form.get("source") in SOURCES else None,
            first_contact_on=date_field(form, "first_contact_on", today),
        )
        await record(db, who.actor, "company_registered", "company", company.id)
        return "company_registered", {}

    return await act(request, "/companies", action)


@routes.get("/openings")
@login_required
async def openings(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    _, today = now_and_today(request)
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        rows = await opening_rows(db, programme.id)
        companies = await companies_of(db, programme.id)
        youths = await active_youths(db, programme.id)
        kinds = list(await lookup(db, "job_kind"))
    return render(
        request,
        "web/openings.html",
        openings=[{"opening": o, "company": c, "filled_by": y} for o, c, y in rows],
        companies=companies,
        youths=youths,
        kinds=kinds,
        origins=ORIGINS,
        today=today,
    )


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
            origin=form.get("origin") if form.get("origin") in ORIGINS else None,
        )
        await record(db, who.actor, "job_opening_registered", "job_opening", opening.id)
        return "opening_registered", {}

    return await act(request, "/openings", action)


@routes.post("/openings/{id}/fill")
@login_required
async def fill_opening(request: web.Request) -> web.StreamResponse:
    opening_id = route_id(request)
    form = await check_csrf(request)
    _, today = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        youth_id = int_field(form, "youth_id")
        await fill_job_opening(db, opening_id, youth_id, date_field(form, "filled_on", today))
        await record(
            db, who.actor, "job_opening_filled", "job_opening", opening_id, youth_id=youth_id
        )
        return "opening_filled", {}

    return await act(request, "/openings", action)

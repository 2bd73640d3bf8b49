"""The companies' ledger: the list (with the "no contact for 60 days" and "contacted, no mentor
or opening yet" filters), registering a company, and a company's page (name, CVR, partnership,
contact persons, contact log, merging a duplicate into it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.audit import record
from mentoring.companies import (
    CHANNELS,
    FILTERS,
    QUIET_DAYS,
    add_contact_person,
    companies_by_name,
    company_of,
    company_rows,
    contact_log,
    contact_persons,
    days_of,
    log_contact,
    merge_companies,
    register_company,
    update_company,
)
from mentoring.errors import NotFound
from mentoring.lookups import lookup
from web.auth import SignedIn, check_csrf, login_required
from web.dashboard.common import (
    act,
    date_field,
    int_field,
    me,
    now_and_today,
    programme_of,
    render,
    route_id,
    text_field,
)
from web.dashboard.paging import filters_of, pager, paging_of
from web.keys import RUNTIME

routes = web.RouteTableDef()
SOURCES = ("outreach", "event", "mentor", "partner")
PARTNER_KINDS = ("code_of_care", "other")
PARTNER = ("yes", "no")  # the list's filter: with a partnership agreement or without


def _optional_date(form: dict[str, str], name: str) -> date | None:
    return date_field(form, name) if form.get(name, "").strip() else None


@routes.get("/companies")
@login_required
async def companies(request: web.Request) -> web.StreamResponse:
    """A page of the companies, latest contact first, narrowed by the filters in the query."""
    runtime = request.app[RUNTIME]
    _, today = now_and_today(request)
    paging = paging_of(request)
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        industries = list(await lookup(db, "interest"))
        filters = filters_of(
            request,
            {"show": FILTERS, "partner": PARTNER, "industry": industries, "source": SOURCES,
             "name": None},
        )  # fmt: skip
        rows = await company_rows(db, programme.id, today, runtime.settings.tz, **filters)
    return render(
        request,
        "web/companies.html",
        rows=rows[paging.offset : paging.offset + paging.size],
        total=len(rows),
        show=filters.get("show"),
        chosen=filters,
        filters=FILTERS,
        quiet_days=QUIET_DAYS,
        industries=industries,
        sources=SOURCES,
        partner_kinds=PARTNER_KINDS,
        today=today,
        pager=pager(request, paging, len(rows), filters),
    )


@routes.post("/companies")
@login_required
async def add_company(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        programme = await programme_of(request, db)
        company = await register_company(
            db,
            programme.id,
            text_field(form, "name"),
            cvr=form.get("cvr", "").strip() or None,
            industry=form.get("industry") or None,
            partner_kind=form.get("partner_kind") or None,
            partner_from=_optional_date(form, "partner_from"),
            source=form.get("source") if form.get("source") in SOURCES else None,
            first_contact_on=_optional_date(form, "first_contact_on"),
        )
        await record(db, who.actor, "company_registered", "company", company.id)
        return "company_registered", {}

    return await act(request, "/companies", action)


@routes.get("/companies/{id}")
@login_required
async def company_page(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    company_id = route_id(request)
    _, today = now_and_today(request)
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        try:
            company = await company_of(db, programme.id, company_id)
        except NotFound:
            raise web.HTTPNotFound() from None
        days = await days_of(db, company, runtime.settings.tz)
        others = [c for c in await companies_by_name(db, programme.id) if c.id != company.id]
        page: dict[str, Any] = {
            "company": company,
            "days": days,
            "contacts": await contact_persons(db, company.id),
            "log": await contact_log(db, company.id),
            "others": others,
            "industries": list(await lookup(db, "interest")),
        }
    return render(
        request,
        "web/company.html",
        **page,
        partner_kinds=PARTNER_KINDS,
        channels=CHANNELS,
        today=today,
        me_name=me(request).name or me(request).email,
    )


def _company_action(request: web.Request, form: dict[str, str], kind: str) -> Any:
    """The action behind one of the company page's forms."""
    company_id = route_id(request)
    _, today = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        programme = await programme_of(request, db)
        company = await company_of(db, programme.id, company_id)
        if kind == "edit":
            changed = await update_company(
                db,
                company,
                name=text_field(form, "name"),
                cvr=form.get("cvr", "").strip() or None,
                industry=form.get("industry") or None,
                partner_kind=form.get("partner_kind") or None,
                partner_from=_optional_date(form, "partner_from"),
                partner_to=_optional_date(form, "partner_to"),
            )
            await record(db, who.actor, "company_changed", "company", company.id, fields=changed)
            return "company_changed", {}
        if kind == "contact":
            contact = await add_contact_person(
                db,
                company,
                text_field(form, "contact_name"),
                role_title=form.get("role_title") or None,
                phone=form.get("phone", "").strip() or None,
                email=form.get("email", "").strip() or None,
            )
            await record(db, who.actor, "company_contact_added", "company", company.id,
                         contact_id=contact.id)  # fmt: skip
            return "company_contact_added", {}
        if kind == "log":
            entry = await log_contact(
                db,
                company,
                date_field(form, "contacted_on", today),
                by_name=form.get("by_name", "").strip() or who.name or who.email,
                channel=text_field(form, "channel"),
                outcome=form.get("outcome"),
                next_step=form.get("next_step"),
                next_step_on=_optional_date(form, "next_step_on"),
                coordinator_id=who.id,
            )
            await record(db, who.actor, "company_contact_logged", "company", company.id,
                         entry_id=entry.id)  # fmt: skip
            return "company_contact_logged", {}
        duplicate = await company_of(db, programme.id, int_field(form, "duplicate_id"))
        name = duplicate.name
        merged = await merge_companies(db, company, duplicate)
        await record(db, who.actor, "company_merged", "company", company.id,
                     removed=merged.removed, mentors=merged.mentors, openings=merged.openings,
                     contacts=merged.contacts, log=merged.log)  # fmt: skip
        return "company_merged", {"company": name}

    return action


@routes.post("/companies/{id}/{form:(edit|contact|log|merge)}")
@login_required
async def company_post(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)
    back = f"/companies/{route_id(request)}"
    return await act(request, back, _company_action(request, form, request.match_info["form"]))

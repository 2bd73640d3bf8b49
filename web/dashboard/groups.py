"""The Task Force and the steering group: members, a meeting's minutes and actions, the action
list across meetings, and the targets page they may see (figures only, no contact details)."""

from __future__ import annotations

import re

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring import groups
from mentoring.companies import companies_by_name
from web.auth import SignedIn, login_required
from web.dashboard.common import (
    Done,
    Posted,
    audited,
    date_field,
    form_action,
    int_field,
    now_and_today,
    programme_of,
    render,
    text_field,
)
from web.keys import RUNTIME

routes = web.RouteTableDef()


def _optional_int(form: dict[str, str], name: str) -> int | None:
    return int_field(form, name) if form.get(name, "").strip() else None


@routes.get("/groups")
@login_required
async def members(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        rows = await groups.members_of(db, programme.id)
        companies = await companies_by_name(db, programme.id)
    return render(
        request, "web/groups.html", members=rows, companies=companies, groups=groups.GROUPS
    )


@routes.post("/groups")
@login_required
@form_action("/groups")
async def add_member(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    programme = await p.programme(db)
    member = await groups.add_member(
        db,
        programme.id,
        groups.MemberFields(
            group=p.form.get("group", ""),
            name=text_field(p.form, "name"),
            role=p.form.get("role"),
            company_id=_optional_int(p.form, "company_id"),
            email=p.form.get("email", "").strip() or None,
            phone=p.form.get("phone"),
        ),
    )
    return audited("group_member_added", "group_member", member.id)


@routes.post("/groups/{id}/active")
@login_required
@form_action("/groups")
async def set_active(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    active = p.form.get("active") == "yes"
    await groups.set_active(db, p.id, active)
    return audited("group_member_active", "group_member", p.id, active=active).tell("saved")


def _event_page(p: Posted) -> str:
    return f"/events/{p.id}"


@routes.post("/events/{id}/minutes")
@login_required
@form_action(_event_page)
async def minutes(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    await groups.write_minutes(db, p.id, p.form.get("minutes", ""))
    return audited("event_minutes", "event", p.id).tell("saved")


@routes.post("/events/{id}/actions")
@login_required
@form_action(_event_page)
async def add_action(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    due = date_field(p.form, "due_on") if p.form.get("due_on", "").strip() else None
    row = await groups.add_action(
        db,
        p.id,
        text_field(p.form, "text"),
        p.form.get("owner", ""),
        due_on=due,
        member_id=_optional_int(p.form, "member_id"),
    )
    return audited("event_action_added", "event_action", row.id, event=p.id).tell("saved")


def _action_back(p: Posted) -> str:
    """Back to the meeting's page the action was ticked on, else to the action list."""
    back = p.form.get("back", "")
    return back if re.fullmatch(r"/events/\d{1,10}", back) else "/actions"


@routes.post("/actions/{id}/done")
@login_required
@form_action(_action_back)
async def action_done(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    done = p.form.get("done") == "yes"
    await groups.mark_done(db, p.id, p.today if done else None)
    return audited("event_action_done", "event_action", p.id, done=done).tell("saved")


@routes.get("/actions")
@login_required
async def action_list(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    _, today = now_and_today(request)
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        rows = await groups.actions_of(db, programme_id=programme.id)
    return render(request, "web/actions.html", rows=rows, today=today)


@routes.get("/group-targets")
@login_required
async def group_targets(request: web.Request) -> web.StreamResponse:
    """Read only, for the Task Force and the steering group: the targets, no people."""
    runtime = request.app[RUNTIME]
    now, today = now_and_today(request)
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        rows = await groups.targets_for_groups(db, programme, now, today, runtime.settings.tz)
    return render(request, "web/group_targets.html", targets=rows, programme=programme, today=today)

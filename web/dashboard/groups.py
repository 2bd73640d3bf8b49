"""The Task Force and the steering group: members, a meeting's minutes and actions, the action
list across meetings, and the targets page they may see (figures only, no contact details)."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring import groups
from mentoring.audit import record
from mentoring.companies import companies_by_name
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
async def add_member(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        programme = await programme_of(request, db)
        member = await groups.add_member(
            db,
            programme.id,
            groups.MemberFields(
                group=form.get("group", ""),
                name=text_field(form, "name"),
                role=form.get("role"),
                company_id=_optional_int(form, "company_id"),
                email=form.get("email", "").strip() or None,
                phone=form.get("phone"),
            ),
        )
        await record(db, who.actor, "group_member_added", "group_member", member.id)
        return "group_member_added", {}

    return await act(request, "/groups", action)


@routes.post("/groups/{id}/active")
@login_required
async def set_active(request: web.Request) -> web.StreamResponse:
    member_id = route_id(request)
    form = await check_csrf(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        active = form.get("active") == "yes"
        await groups.set_active(db, member_id, active)
        await record(db, who.actor, "group_member_active", "group_member", member_id, active=active)
        return "saved", {}

    return await act(request, "/groups", action)


@routes.post("/events/{id}/minutes")
@login_required
async def minutes(request: web.Request) -> web.StreamResponse:
    event_id = route_id(request)
    form = await check_csrf(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        await groups.write_minutes(db, event_id, form.get("minutes", ""))
        await record(db, who.actor, "event_minutes", "event", event_id)
        return "saved", {}

    return await act(request, f"/events/{event_id}", action)


@routes.post("/events/{id}/actions")
@login_required
async def add_action(request: web.Request) -> web.StreamResponse:
    event_id = route_id(request)
    form = await check_csrf(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        due = date_field(form, "due_on") if form.get("due_on", "").strip() else None
        row = await groups.add_action(
            db,
            event_id,
            text_field(form, "text"),
            form.get("owner", ""),
            due_on=due,
            member_id=_optional_int(form, "member_id"),
        )
        await record(db, who.actor, "event_action_added", "event_action", row.id, event=event_id)
        return "saved", {}

    return await act(request, f"/events/{event_id}", action)


@routes.post("/actions/{id}/done")
@login_required
async def action_done(request: web.Request) -> web.StreamResponse:
    action_id = route_id(request)
    form = await check_csrf(request)
    _, today = now_and_today(request)
    back = form.get("back", "")
    if not re.fullmatch(r"/events/\d{1,10}", back):
        back = "/actions"

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        done = form.get("done") == "yes"
        await groups.mark_done(db, action_id, today if done else None)
        await record(db, who.actor, "event_action_done", "event_action", action_id, done=done)
        return "saved", {}

    return await act(request, back, action)


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

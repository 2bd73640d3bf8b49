"""The inbox as a work queue: each item's kind in words, its reason, the person and pair it is
about; reply through the person's own channel, assign, snooze to a day, done (all audited)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.audit import record
from mentoring.inbox_queue import REPLY_MAX, View, assign, coordinators, done, queue, reply, snooze
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


def _back(form: dict[str, str]) -> str:
    view = form.get("view", "")
    return f"/inbox?view={view}" if view in tuple(View) else "/inbox"


@routes.get("/inbox")
@login_required
async def inbox(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    _, today = now_and_today(request)
    paging = paging_of(request)
    filters = filters_of(request, {"view": tuple(View)})
    view = View(filters.get("view", View.OPEN))
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        rows, total = await queue(
            db,
            programme.id,
            view,
            today=today,
            coordinator_id=me(request).id,
            offset=paging.offset,
            limit=paging.size,
        )
        team = await coordinators(db)
    return render(
        request,
        "web/inbox.html",
        items=[{"item": i, "name": n, "role": r, "assignee": a} for i, n, r, a in rows],
        view=view,
        views=tuple(View),
        team=team,
        today=today,
        reply_max=REPLY_MAX,
        pager=pager(request, paging, total, filters),
    )


@routes.post("/inbox/{id}/handled")
@login_required
async def handled(request: web.Request) -> web.StreamResponse:
    item_id = route_id(request)
    form = await check_csrf(request)
    now, _ = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        programme = await programme_of(request, db)
        item = await done(db, item_id, programme.id, now=now)
        await record(db, who.actor, "inbox_handled", "inbox_item", item_id, kind=item.kind)
        return "inbox_handled", {}

    return await act(request, _back(form), action)


@routes.post("/inbox/{id}/assign")
@login_required
async def assign_item(request: web.Request) -> web.StreamResponse:
    item_id = route_id(request)
    form = await check_csrf(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        programme = await programme_of(request, db)
        to = int_field(form, "coordinator_id") if form.get("coordinator_id") else None
        await assign(db, item_id, programme.id, to)
        await record(db, who.actor, "inbox_assigned", "inbox_item", item_id, to=to)
        return "inbox_assigned", {}

    return await act(request, _back(form), action)


@routes.post("/inbox/{id}/snooze")
@login_required
async def snooze_item(request: web.Request) -> web.StreamResponse:
    item_id = route_id(request)
    form = await check_csrf(request)
    _, today = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        programme = await programme_of(request, db)
        until = date_field(form, "until")
        await snooze(db, item_id, programme.id, until, today=today)
        await record(db, who.actor, "inbox_snoozed", "inbox_item", item_id, until=str(until))
        return "inbox_snoozed", {"day": until.strftime("%d.%m.%Y")}

    return await act(request, _back(form), action)


@routes.post("/inbox/{id}/reply")
@login_required
async def reply_item(request: web.Request) -> web.StreamResponse:
    """The answer goes to the person through the outbox; with "done" ticked the item is done."""
    item_id = route_id(request)
    form = await check_csrf(request)
    runtime = request.app[RUNTIME]
    now, _ = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        programme = await programme_of(request, db)
        sent = await reply(
            db,
            runtime.renderer,
            item_id,
            programme.id,
            text_field(form, "text"),
            coordinator_name=who.name,
        )
        await record(db, who.actor, "inbox_replied", "inbox_item", item_id, channel=sent.channel)
        if form.get("done") == "yes":
            await done(db, item_id, programme.id, now=now)
        return "inbox_replied", {}

    return await act(request, _back(form), action)

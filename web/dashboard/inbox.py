"""The inbox as a work queue: each item's kind in words, its reason, the person and pair it is
about; reply through the person's own channel, assign, snooze to a day, done (all audited)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.inbox_queue import REPLY_MAX, View, assign, coordinators, done, queue, reply, snooze
from web.auth import SignedIn, login_required
from web.dashboard.common import (
    Done,
    Posted,
    audited,
    date_field,
    form_action,
    int_field,
    me,
    now_and_today,
    programme_of,
    render,
    text_field,
)
from web.dashboard.paging import filters_of, pager, paging_of
from web.keys import RUNTIME

routes = web.RouteTableDef()


def _back(p: Posted) -> str:
    view = p.form.get("view", "")
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
@form_action(_back)
async def handled(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    programme = await p.programme(db)
    item = await done(db, p.id, programme.id, now=p.now)
    return audited("inbox_handled", "inbox_item", p.id, kind=item.kind)


@routes.post("/inbox/{id}/assign")
@login_required
@form_action(_back)
async def assign_item(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    programme = await p.programme(db)
    to = int_field(p.form, "coordinator_id") if p.form.get("coordinator_id") else None
    await assign(db, p.id, programme.id, to)
    return audited("inbox_assigned", "inbox_item", p.id, to=to)


@routes.post("/inbox/{id}/snooze")
@login_required
@form_action(_back)
async def snooze_item(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    programme = await p.programme(db)
    until = date_field(p.form, "until")
    await snooze(db, p.id, programme.id, until, today=p.today)
    done = audited("inbox_snoozed", "inbox_item", p.id, until=str(until))
    return done.tell("inbox_snoozed", day=until.strftime("%d.%m.%Y"))


@routes.post("/inbox/{id}/reply")
@login_required
@form_action(_back)
async def reply_item(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    """The answer goes to the person through the outbox; with "done" ticked the item is done."""
    programme = await p.programme(db)
    text = text_field(p.form, "text")
    sent = await reply(db, p.runtime.renderer, p.id, programme.id, text, coordinator_name=who.name)
    if p.form.get("done") == "yes":
        await done(db, p.id, programme.id, now=p.now)
    return audited("inbox_replied", "inbox_item", p.id, channel=sent.channel)

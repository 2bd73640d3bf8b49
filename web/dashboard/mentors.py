"""Mentors: approval after screening (what was checked, when, by whom), capacity, invitations.

An invitation is a random code stored as an `Invitation`; the mentor signs up on Telegram with
`/start <code>`, or through a t.me deep link once the bot's username is known (getMe at start-up).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import Approval
from mentoring.audit import record
from mentoring.invitations import create_invitation, recent_invitations
from mentoring.mentor_list import mentor_page, screenings_of
from mentoring.mentor_rejection import reject_mentor
from mentoring.onboarding import welcome
from mentoring.people import approve_mentor, mentor_by_id, set_capacity
from mentoring.rules import MENTOR_CAPACITY
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
from web.dashboard.paging import filters_of, pager, paging_of
from web.keys import RUNTIME, TELEGRAM_USERNAME

routes = web.RouteTableDef()
CHECKS = ("straffeattest", "boerneattest", "interview", "references", "code_of_conduct")


def invitation_link(bot_username: str | None, code: str) -> str | None:
    return f"https://t.me/{bot_username}?start={code}" if bot_username else None


@routes.get("/mentors")
@login_required
async def mentors(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    _, today = now_and_today(request)
    paging = paging_of(request)
    filters = filters_of(request, {"approval": tuple(Approval), "area": None})
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        rows, total = await mentor_page(
            db, programme.id, **filters, offset=paging.offset, limit=paging.size
        )
        checked = await screenings_of(db, [p.id for p, *_ in rows])
        invitations = await recent_invitations(db, programme.id)
    bot = request.app.get(TELEGRAM_USERNAME)
    return render(
        request,
        "web/mentors.html",
        mentors=[
            {
                "person": p,
                "mentor": m,
                "company": c,
                "open": int(n),
                "checks": checked.get(p.id, []),
            }
            for p, m, c, n in rows
        ],
        invitations=[{"invitation": i, "link": invitation_link(bot, i.code)} for i in invitations],
        capacity=MENTOR_CAPACITY,
        checks=CHECKS,
        today=today,
        now=runtime.clock(),
        has_bot=bool(bot),
        filters=filters,
        approvals=tuple(Approval),
        pager=pager(request, paging, total, filters),
    )


async def screening_form(request: web.Request) -> tuple[list[str], dict[str, str]]:
    """The ticked screening checks and the rest of the approval or invitation form (its date is
    read inside the action, so a bad one is answered like any other form error)."""
    await check_csrf(request)
    posted = await request.post()
    kinds = [k for k in posted.getall("check", []) if isinstance(k, str) and k in CHECKS]
    return kinds, {k: v for k, v in posted.items() if isinstance(v, str)}


@routes.post("/mentors/{id}/approve")
@login_required
async def approve(request: web.Request) -> web.StreamResponse:
    mentor_id = route_id(request)
    now, today = now_and_today(request)
    kinds, form = await screening_form(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        checked_on = date_field(form, "checked_on", today)
        before = await mentor_by_id(db, mentor_id)
        newly = before is not None and before.approval != Approval.APPROVED
        await approve_mentor(db, mentor_id, who.id, [(k, checked_on) for k in kinds], now=now)
        if newly:  # told what happens next, and the role's introduction by e-mail
            runtime = request.app[RUNTIME]
            await welcome(db, runtime.renderer, runtime.settings, mentor_id, now=now)
        await record(
            db, who.actor, "mentor_approved", "mentor", mentor_id, checks=kinds, on=str(checked_on)
        )
        return "mentor_approved", {}

    return await act(request, "/mentors", action)


@routes.post("/mentors/{id}/capacity")
@login_required
async def capacity(request: web.Request) -> web.StreamResponse:
    mentor_id = route_id(request)
    form = await check_csrf(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        value = int_field(form, "capacity")
        before = await set_capacity(db, mentor_id, value)
        await record(db, who.actor, "mentor_capacity", "mentor", mentor_id, old=before, new=value)
        return "capacity_changed", {}

    return await act(request, "/mentors", action)


@routes.post("/mentors/invitations")
@login_required
async def invite(request: web.Request) -> web.StreamResponse:
    now, today = now_and_today(request)
    kinds, form = await screening_form(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        checked_on = date_field(form, "checked_on", today)
        programme = await programme_of(request, db)
        invitation = await create_invitation(db, programme.id, who.id, kinds, checked_on, now=now)
        await record(db, who.actor, "invitation_created", "invitation", invitation.id, checks=kinds)
        return "invitation_created", {}

    return await act(request, "/mentors#invitations", action)


@routes.post("/mentors/{id}/reject")
@login_required
async def reject(request: web.Request) -> web.StreamResponse:
    """Not approved after screening: the reason is kept in the audit log, the mentor is told
    politely (without the reason)."""
    mentor_id = route_id(request)
    form = await check_csrf(request)
    runtime = request.app[RUNTIME]
    now, _ = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        reason = text_field(form, "reason")
        await reject_mentor(db, runtime.renderer, mentor_id, reason, coordinator=who.name, now=now)
        await record(db, who.actor, "mentor_rejected", "mentor", mentor_id, reason=reason)
        return "mentor_rejected", {}

    return await act(request, "/mentors", action)

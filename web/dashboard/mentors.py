"""Mentors: approval after screening (what was checked, when, by whom), capacity, invitations.

An invitation is a random code stored as an `Invitation`; the mentor signs up on Telegram with
`/start <code>`, or through a t.me deep link once the bot's username is known (getMe at start-up).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import OPEN, PersonStatus
from mentoring.audit import record
from mentoring.errors import NotFound
from mentoring.people import approve_mentor
from mentoring.rules import MENTOR_CAPACITY, check_capacity
from storage.models import Company, Coordinator, Invitation, Match, Mentor, Person, Screening
from web.auth import SignedIn, check_csrf, login_required
from web.dashboard.common import (
    act,
    date_field,
    int_field,
    now_and_today,
    programme_of,
    render,
    route_id,
)
from web.keys import RUNTIME, TELEGRAM_USERNAME

routes = web.RouteTableDef()
CHECKS = ("straffeattest", "boerneattest", "interview", "references", "code_of_conduct")
INVITATION_DAYS = 30


def invitation_link(bot_username: str | None, code: str) -> str | None:
    return f"https://t.me/{bot_username}?start={code}" if bot_username else None


@routes.get("/mentors")
@login_required
async def mentors(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    _, today = now_and_today(request)
    open_count = (
        select(func.count())
        .select_from(Match)
        .where(Match.mentor_id == Mentor.person_id, Match.status.in_(OPEN))
        .scalar_subquery()
    )
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        rows = (
            await db.execute(
                select(Person, Mentor, Company.name, open_count)
                .join(Mentor, Mentor.person_id == Person.id)
                .outerjoin(Company, Company.id == Mentor.company_id)
                .where(Person.programme_id == programme.id, Person.status != PersonStatus.ERASED)
                .order_by(Mentor.approval.desc(), Person.first_name, Person.id)
            )
        ).all()
        screenings = (
            await db.execute(
                select(Screening, Coordinator.name, Coordinator.email)
                .outerjoin(Coordinator, Coordinator.id == Screening.checked_by)
                .order_by(Screening.checked_on)
            )
        ).all()
        invitations = (
            await db.scalars(
                select(Invitation)
                .where(Invitation.programme_id == programme.id)
                .order_by(Invitation.created_at.desc(), Invitation.id.desc())
                .limit(10)
            )
        ).all()
    checked: dict[int, list[dict[str, Any]]] = {}
    for s, name, email in screenings:
        checked.setdefault(s.mentor_id, []).append(
            {"kind": s.check_kind, "on": s.checked_on, "by": name or email}
        )
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
        await approve_mentor(db, mentor_id, who.id, [(k, checked_on) for k in kinds], now=now)
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
        check_capacity(value)
        mentor = await db.get(Mentor, mentor_id)
        if mentor is None:
            raise NotFound("mentor", mentor_id)
        before = mentor.capacity
        mentor.capacity = value
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
        invitation = Invitation(
            programme_id=programme.id,
            code=secrets.token_urlsafe(12),
            created_by=who.id,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
            checks=kinds,
            checked_on=checked_on if kinds else None,
        )
        db.add(invitation)
        await db.flush()
        await record(db, who.actor, "invitation_created", "invitation", invitation.id, checks=kinds)
        return "invitation_created", {}

    return await act(request, "/mentors#invitations", action)

"""What the follow-ups will do, for people to read (`mentorbot followups`): when, to whom (first
name and role), what (the first line of the message, in the programme's language) and why.

A question is rendered exactly as it would be asked now (`questions.question_for`); a nudge is
rendered with what the row knows, blanks for what it will only know when it goes (a meeting's
place); a rule that only raises something for the coordinator says so instead of a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import Role
from mentoring.followups.context import Ctx
from mentoring.followups.questions import question_for
from mentoring.followups.rows import due_within
from messaging.render import Renderer
from storage.models import FollowUp, Match, Person

QUESTIONS = frozenset(
    {"match_offer", "accept_reminder", "meeting_held", "checkin", "closure", "outcome_survey",
     "contact_later"}
)  # fmt: skip
REPEATS = frozenset({"ladder", "sms_resend"})  # a question asked again: payload["question"]
REMINDERS = REPEATS | {"accept_reminder"}  # asked with "A reminder: ..." first
NUDGES = {
    "meeting_reminder": "followup_meeting_reminder",
    "no_meeting": "followup_no_meeting",
    "hours": "followup_hours",
    "event_reminder": "event_reminder",
}
FLAGS = frozenset({"accept_flag", "at_risk", "outcome_coordinator"})  # for the coordinator


@dataclass(frozen=True)
class Planned:
    due_at: datetime
    overdue: bool
    kind: str
    key: str
    who: str | None  # first name
    role: str  # youth, mentor, coordinator, unknown
    what: str  # the message's first line, or what the coordinator is told
    why: str


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _lenient(renderer: Renderer, template: str, language: str, context: dict[str, Any]) -> str:
    """A nudge rendered with blanks where it knows nothing yet."""
    env = renderer.env(language).overlay(undefined=jinja2.ChainableUndefined)
    try:
        return env.get_template(f"messages/{template}.j2").render(
            channel="sms", choices=[], **context
        )
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError):
        return template


async def _recipient(session: AsyncSession, fu: FollowUp) -> int | None:
    if fu.kind in ("match_offer", "accept_reminder") and fu.match_id is not None:
        match = await session.get(Match, fu.match_id)
        return match.mentor_id if match else None
    return fu.person_id


async def _what(ctx: Ctx, fu: FollowUp, language: str) -> str:
    renderer, words = ctx.renderer, ctx.renderer.render
    base = fu
    if fu.kind in REPEATS:
        key = fu.payload.get("question")
        found = await ctx.session.scalar(select(FollowUp).where(FollowUp.key == key))
        if found is None:
            return words("cli/followups.j2", language, part="what", kind="gone")
        base = found
    if fu.kind in FLAGS or fu.payload.get("rung") == "flag":
        return words("cli/followups.j2", language, part="what", kind="flag")
    if base.kind in QUESTIONS:
        question = await question_for(ctx, base)
        if question is None:
            return words("cli/followups.j2", language, part="what", kind="gone")
        return _first_line(
            renderer.message(
                question.template,
                language,
                "sms",
                **{"reminder": fu.kind in REMINDERS, "choices": [], **question.context},
            )
        )
    template = NUDGES.get(fu.kind)
    if template is None:
        return fu.kind
    return _first_line(_lenient(renderer, template, language, {"days": 14}))


async def planned(
    session: AsyncSession,
    renderer: Renderer,
    *,
    now: datetime,
    until: datetime,
    tz: ZoneInfo,
    language: str,
    limit: int = 10_000,
) -> list[Planned]:
    """The pending follow-ups due before `until` (overdue first), in words."""
    ctx = Ctx(session, renderer, now, tz)
    found: list[Planned] = []
    for fu in await due_within(session, now, until, limit=limit):
        person_id = await _recipient(session, fu)
        person = await session.get(Person, person_id) if person_id else None
        coordinator = fu.kind in FLAGS
        found.append(
            Planned(
                due_at=fu.due_at,
                overdue=fu.due_at <= now,
                kind=fu.kind,
                key=fu.key,
                who=None if coordinator or person is None else person.first_name,
                role="coordinator" if coordinator else str(person.role if person else Role.UNKNOWN),
                what=await _what(ctx, fu, language),
                why=renderer.render(
                    "cli/followups.j2", language, part="why", kind=fu.kind, payload=fu.payload
                ),
            )
        )
    return found

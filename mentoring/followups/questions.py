"""The questions follow-ups ask, rebuilt from the database whenever they are asked (again, or
by SMS), so a question already answered or no longer relevant is not asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import (
    MATCHED,
    OPEN,
    PLANNED,
    ConsentKind,
    MatchStatus,
    MeetingStatus,
    PersonStatus,
    Role,
)
from mentoring import outbound
from mentoring.followups.context import Ctx
from mentoring.pairs import partner_name
from mentoring.topics import known
from storage.models import (
    CheckinAnswer,
    Consent,
    FollowUp,
    HoursReport,
    Match,
    Meeting,
    MeetingAnswer,
    Outcome,
    Person,
    Youth,
)

# A meeting whose "was it held?" can still be answered: ahead, or answered by one side so far.
ANSWERABLE = (*PLANNED, MeetingStatus.NO_SHOW)

# Options as (key, label template, context); rendered into {"key", "label"} for the outbox.
OptionSpec = tuple[str, str, dict[str, Any]]


YES_NO: list[OptionSpec] = [("yes", "followup_option_yes", {}), ("no", "followup_option_no", {})]


SCORES: list[OptionSpec] = [(str(n), "followup_option_score", {"score": n}) for n in range(1, 6)]


@dataclass
class Question:
    person_id: int
    flow: str
    data: dict[str, Any]
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    options: list[OptionSpec] = field(default_factory=list)

    def choices(self) -> tuple[outbound.Option, ...]:
        return tuple(outbound.Option(key, label, context) for key, label, context in self.options)


async def person_of(session: AsyncSession, person_id: int | None) -> Person | None:
    return await session.get(Person, person_id) if person_id is not None else None


async def running_match(ctx: Ctx, fu: FollowUp) -> Match | None:
    """The row's pair if it is still running (a nudge to a pair that ended makes no sense)."""
    match = await ctx.session.get(Match, fu.match_id) if fu.match_id is not None else None
    return match if match is not None and match.status == MatchStatus.ACTIVE else None


async def question_for(ctx: Ctx, fu: FollowUp) -> Question | None:
    """The question a row asks, or None when it has been answered or no longer applies."""
    session = ctx.session
    if fu.kind in ("match_offer", "accept_reminder"):
        match = await session.get(Match, fu.match_id)
        if match is None or match.status != MatchStatus.PROPOSED:
            return None
        youth = await session.get(Youth, match.youth_id)
        person = await person_of(session, match.youth_id)
        return Question(
            match.mentor_id,
            "accept_match",
            {"match_id": match.id},
            "followup_match_offer",
            {
                "youth_name": (person.first_name if person else None) or "",
                "age": ctx.today.year - youth.birth_year if youth else None,
                "interests": (youth.interests_text if youth else None) or "",
                "area": (youth.area if youth else None) or "",
                "topics": known(youth.topics or []) if youth else [],
                "topics_text": youth.topics_text if youth else None,
            },
            YES_NO,
        )
    if fu.kind == "meeting_held":
        # Each side is asked until they answered, even when the other side has (either answer
        # counts, a disagreement goes to the coordinator: mentoring/meeting_answers.py).
        meeting = await session.get(Meeting, fu.meeting_id)
        if meeting is None or meeting.status not in ANSWERABLE or fu.person_id is None:
            return None
        answered = await session.scalar(
            select(
                exists().where(
                    MeetingAnswer.meeting_id == meeting.id,
                    MeetingAnswer.person_id == fu.person_id,
                )
            )
        )
        reported = await session.scalar(
            select(
                exists().where(
                    HoursReport.meeting_id == meeting.id,
                    HoursReport.reported_by == fu.person_id,
                )
            )
        )
        if answered or reported:
            return None
        return Question(
            fu.person_id,
            "meeting_held",
            {"meeting_id": meeting.id},
            "followup_meeting_held",
            {"starts_at": meeting.starts_at},
            YES_NO,
        )
    if fu.kind in ("checkin", "closure"):
        match = await running_match(ctx, fu)
        if match is None or fu.person_id is None:
            return None
        answered = await session.scalar(
            select(
                exists().where(
                    CheckinAnswer.match_id == match.id,
                    CheckinAnswer.person_id == fu.person_id,
                    CheckinAnswer.kind == fu.kind,
                )
            )
        )
        if answered:
            return None
        partner = await partner_name(ctx.session, match, fu.person_id)
        return Question(
            fu.person_id,
            fu.kind,
            {"match_id": match.id},
            f"followup_{fu.kind}",
            {"partner_name": partner},
            SCORES,
        )
    if fu.kind == "outcome_survey":
        if fu.person_id is None or await has_outcome(ctx, fu):
            return None
        unmatched = fu.match_id is None
        if unmatched and not await may_survey_unmatched(session, fu.person_id):
            return None
        return Question(
            fu.person_id,
            "outcome_survey",
            {"youth_id": fu.person_id},
            "followup_outcome_survey",
            {"unmatched": unmatched},
        )
    if fu.kind == "contact_later":
        if fu.person_id is None or not await may_ask_contact_later(session, fu.person_id):
            return None
        return Question(fu.person_id, "contact_later", {}, "followup_contact_later", {}, YES_NO)
    return None


async def has_outcome(ctx: Ctx, fu: FollowUp) -> bool:
    """An observation inside the survey's window already answers it. One from before the
    window (at closure, or a month after the end) does not count for the targets, so it does
    not cancel the survey either (README, "The seven targets")."""
    start = fu.payload.get("window_from") or fu.payload.get("ended_on")
    since = date.fromisoformat(start) if start else date.min
    if fu.person_id is None:
        return False
    if ctx.latest_outcome is not None:  # loaded for the whole batch by the sweep
        latest = ctx.latest_outcome.get(fu.person_id)
        return latest is not None and latest >= since
    found = await ctx.session.scalar(
        select(
            exists().where(
                Outcome.youth_id == fu.person_id,
                Outcome.observed_on >= since,
                Outcome.at_closure.is_(False),
            )
        )
    )
    return bool(found)


async def _has_pair(session: AsyncSession, youth_id: int, statuses: tuple[str, ...]) -> bool:
    found = await session.scalar(
        select(exists().where(Match.youth_id == youth_id, Match.status.in_(statuses)))
    )
    return bool(found)


async def may_ask_contact_later(session: AsyncSession, youth_id: int) -> bool:
    """Ask only an active youth still waiting (no pair proposed or running), and only once."""
    person = await session.get(Person, youth_id)
    if person is None or person.role != Role.YOUTH or person.status != PersonStatus.ACTIVE:
        return False
    if await _has_pair(session, youth_id, (*OPEN, *MATCHED)):
        return False
    asked = await session.scalar(
        select(
            exists().where(Consent.person_id == youth_id, Consent.kind == ConsentKind.CONTACT_LATER)
        )
    )
    return not asked


async def may_survey_unmatched(session: AsyncSession, youth_id: int) -> bool:
    """The unmatched survey needs the live consent; a youth matched since has the pair's own
    survey instead."""
    if await _has_pair(session, youth_id, MATCHED):
        return False
    given = await session.scalar(
        select(
            exists().where(
                Consent.person_id == youth_id,
                Consent.kind == ConsentKind.CONTACT_LATER,
                Consent.withdrawn_at.is_(None),
            )
        )
    )
    return bool(given)

"""One pair from the match to the outcome survey, about six months of programme time, in seconds.

The clock steps on an hourly grid, skipping hours in which nothing is due; each step runs the
scripted actions of the people (answers go through the domain services, as the conversation
flows would), then the sweep, then delivery through a recording "web" sender. Every message must
appear exactly once, in order, at the right local time (the survey comes after the clocks
changed to summer time).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from mentoring.delivery_news import NEWS
from mentoring.hours import report_hours
from mentoring.matches import accept_match, close_match
from mentoring.meetings import confirm_meeting, mark_held, propose_meeting
from mentoring.outcomes import register_outcome
from mentoring.sweep import sweep
from messaging.delivery import send_due_once
from storage.db import unit_of_work
from storage.models import CheckinAnswer, FollowUp, InboxItem, Meeting, OutboxMessage
from tests.conftest import COPENHAGEN
from tests.runtime import FakeClock, make_runtime
from tests.test_followups import Recorder, make_pair

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # Thursday 10:00 local
MEETINGS = [date(2026, 12, 2) + timedelta(days=14 * n) for n in range(7)]  # Wednesdays
Action = Callable[[AsyncSession, datetime], Awaitable[None]]


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=COPENHAGEN)


def stamp(moment: datetime) -> str:
    return moment.astimezone(COPENHAGEN).strftime("%Y-%m-%d %H:%M")


async def simulate(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    until: datetime,
    mentor_silent: bool = False,
) -> tuple[list[tuple[str, str, str]], int, int]:
    clock = FakeClock(START)
    youth, mentor, match_id = await make_pair(sessions, START, accept=False)
    who = {youth: "youth", mentor: "mentor"}
    script: dict[datetime, list[Action]] = {}

    def at(moment: datetime, action: Action) -> None:
        script.setdefault(moment.astimezone(UTC), []).append(action)

    async def accept(s: AsyncSession, now: datetime) -> None:
        await accept_match(
            s, match_id, now=now, today=now.astimezone(COPENHAGEN).date(), tz=COPENHAGEN
        )

    at(START + timedelta(hours=2), accept)
    for n, day in enumerate(MEETINGS):
        starts = local(day, 15)

        async def plan(s: AsyncSession, now: datetime, starts: datetime = starts) -> None:
            meeting = await propose_meeting(
                s, match_id, youth, starts, "Café Ung", now=now, tz=COPENHAGEN
            )
            await confirm_meeting(s, meeting.id, mentor, now=now, tz=COPENHAGEN)

        async def held(s: AsyncSession, now: datetime, starts: datetime = starts) -> None:
            meeting = await s.scalar(select(Meeting).where(Meeting.starts_at == starts))
            assert meeting is not None
            await mark_held(s, meeting.id, True, now=now, tz=COPENHAGEN)
            today = now.astimezone(COPENHAGEN).date()
            await report_hours(
                s, match_id, 120, reported_by=youth, today=today, now=now, meeting_id=meeting.id
            )

        at(local(date(2026, 11, 26), 13) if n == 0 else local(day - timedelta(days=7), 16), plan)
        at(local(day, 19), held)

    def answer(person: int, kind: str, day: date) -> None:
        async def act(s: AsyncSession, now: datetime) -> None:
            s.add(
                CheckinAnswer(
                    match_id=match_id, person_id=person, kind=kind, score=4, answered_at=now
                )
            )

        at(local(day, 11), act)

    answer(youth, "checkin", date(2027, 1, 7))
    if not mentor_silent:
        answer(mentor, "checkin", date(2027, 1, 7))
    answer(youth, "closure", date(2027, 2, 26))
    answer(mentor, "closure", date(2027, 2, 26))

    async def close(s: AsyncSession, now: datetime) -> None:
        await close_match(s, match_id, "completed", now=now, today=date(2027, 2, 26), tz=COPENHAGEN)

    async def outcome(s: AsyncSession, now: datetime) -> None:
        await register_outcome(s, youth, "education", date(2027, 5, 26), source="survey")

    at(local(date(2027, 2, 26), 12), close)
    at(local(date(2027, 5, 26), 11), outcome)

    runtime = make_runtime(engine, clock)
    recorder = Recorder(clock)
    while clock.now <= until:
        for action in script.get(clock.now, []):
            async with unit_of_work(sessions) as s:
                await action(s, clock.now)
        await sweep(runtime)
        await send_due_once(sessions, {"web": recorder}, clock.now, NEWS)
        clock.now = await next_step(sessions, clock.now, script)
    sent = [(stamp(when), who[p or 0], template) for when, p, template in recorder.sent]
    return sent, youth, mentor


async def next_step(
    sessions: async_sessionmaker[AsyncSession], now: datetime, script: dict[datetime, list[Action]]
) -> datetime:
    """The next hour on the grid when something can happen; idle hours are skipped."""
    async with sessions() as s:
        due = await s.scalar(select(func.min(FollowUp.due_at)).where(FollowUp.state == "pending"))
        out = await s.scalar(
            select(func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.status == "pending")
        )
    candidates = [m for m in (due, out, *script) if m is not None and m > now]
    if not candidates:
        return now + timedelta(days=365)
    soonest = min(candidates)
    hours = -(-(soonest - now) // timedelta(hours=1))  # round up to the hourly grid
    return now + timedelta(hours=max(hours, 1))


def both(moment: datetime, template: str) -> list[tuple[str, str, str]]:
    return [(stamp(moment), "youth", template), (stamp(moment), "mentor", template)]


def expected_messages() -> list[tuple[str, str, str]]:
    expected = [(stamp(START), "mentor", "followup_match_offer")]
    events: list[tuple[datetime, list[tuple[str, str, str]]]] = []
    for day in MEETINGS:
        starts = local(day, 15)
        events.append((starts - timedelta(hours=24), both(starts - timedelta(hours=24), "r")))
        events.append((starts - timedelta(hours=2), both(starts - timedelta(hours=2), "r")))
        events.append((starts + timedelta(hours=3), both(local(day, 18), "held")))  # both asked
    for day, template in [
        (date(2027, 1, 7), "followup_checkin"),
        (date(2027, 1, 20), "followup_hours"),  # one 2-hour meeting by the 20th: below 3
        (date(2027, 2, 20), "followup_hours"),  # a Saturday: allowed
        (date(2027, 2, 26), "followup_closure"),
    ]:
        events.append((local(day, 10), both(local(day, 10), template)))
    events.sort(key=lambda e: e[0])
    names = {"r": "followup_meeting_reminder", "held": "followup_meeting_held"}
    for _, messages in events:
        expected += [(when, p, names.get(t, t)) for when, p, t in messages]
    # Three months after the end, at 10:00 local summer time (08:00 UTC).
    expected.append(("2027-05-26 10:00", "youth", "followup_outcome_survey"))
    return expected


async def test_simulation_one_pair_from_match_to_outcome_survey(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    until = datetime(2027, 6, 4, 12, 0, tzinfo=UTC)
    sent, _, _ = await simulate(engine, sessions, until)
    assert sent == expected_messages()
    async with sessions() as s:
        assert list(await s.scalars(select(InboxItem))) == []  # nothing for the coordinator


async def test_simulation_silent_mentor_climbs_the_ladder_to_the_coordinator(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    until = datetime(2027, 1, 19, 12, 0, tzinfo=UTC)
    sent, _, mentor = await simulate(engine, sessions, until, mentor_silent=True)
    checkins = [(when, p) for when, p, t in sent if t == "followup_checkin"]
    assert checkins == [
        ("2027-01-07 10:00", "youth"),
        ("2027-01-07 10:00", "mentor"),
        ("2027-01-11 08:00", "mentor"),  # 3 days later is a Sunday: Monday morning
        ("2027-01-13 10:00", "mentor"),
    ]
    async with sessions() as s:
        flags = [
            (i.kind, i.person_id, stamp(i.created_at)) for i in await s.scalars(select(InboxItem))
        ]
    assert flags == [("silent_partner", mentor, "2027-01-16 10:00")]

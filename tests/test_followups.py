"""Follow-up rules and the sweep, on SQLite and PostgreSQL, with an injected clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from mentoring.delivery_news import NEWS
from mentoring.matches import accept_match, create_match
from mentoring.meetings import cancel_meeting, confirm_meeting, propose_meeting, reschedule_meeting
from mentoring.people import add_contact
from mentoring.sweep import sweep
from messaging.delivery import send_due_once
from messaging.senders import Sent
from storage.db import create_engine, unit_of_work
from storage.models import FollowUp, InboxItem, OutboxMessage
from tests import factories
from tests.conftest import COPENHAGEN, NOW
from tests.runtime import FakeClock, make_runtime


@dataclass
class Recorder:
    """A sender for the "web" channel that records what went out, and when."""

    clock: FakeClock
    channel: str = "web"
    sent: list[tuple[datetime, int | None, str]] = field(default_factory=list)

    async def send(self, message: OutboxMessage) -> Sent:
        self.sent.append((self.clock(), message.person_id, message.template))
        return Sent(f"web-{message.id}")


async def make_pair(
    sessions: async_sessionmaker[AsyncSession], now: datetime, accept: bool = True, n: int = 0
) -> tuple[int, int, int]:
    """A youth and a mentor reachable on the web channel, matched (and accepted) at `now`."""
    async with unit_of_work(sessions) as s:
        youth = await factories.youth(s, now, first_name="Sara")
        mentor = await factories.mentor(s, first_name="Henrik", company_name=f"Firma {n} ApS")
        for person in (youth, mentor):
            await add_contact(s, person, "web", f"sim-{person.id}", verified=True)
        match = await create_match(s, youth.id, mentor.id, now=now, tz=COPENHAGEN)
        if accept:
            await accept_match(
                s, match.id, now=now, today=now.astimezone(COPENHAGEN).date(), tz=COPENHAGEN
            )
        return youth.id, mentor.id, match.id


async def plan_meeting(
    sessions: async_sessionmaker[AsyncSession],
    pair: tuple[int, int, int],
    starts: datetime,
    now: datetime,
) -> None:
    """The youth proposes a meeting and the mentor confirms it: reminders for both are planned."""
    youth_id, mentor_id, match_id = pair
    async with unit_of_work(sessions) as s:
        meeting = await propose_meeting(
            s, match_id, youth_id, starts, "Café", now=now, tz=COPENHAGEN
        )
        await confirm_meeting(s, meeting.id, mentor_id, now=now, tz=COPENHAGEN)


async def outbox(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as s:
        return list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def followups(sessions: async_sessionmaker[AsyncSession], kind: str) -> list[FollowUp]:
    async with sessions() as s:
        rows = await s.scalars(select(FollowUp).where(FollowUp.kind == kind).order_by(FollowUp.id))
        return list(rows)


async def test_followups_sweep_sends_each_due_followup_exactly_once(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock = FakeClock(NOW)
    runtime = make_runtime(engine, clock)
    _, mentor_id, _ = await make_pair(sessions, NOW, accept=False)
    first = await sweep(runtime)
    again = await sweep(runtime)
    assert (first.done, again.claimed) == (1, 0)
    messages = await outbox(sessions)
    assert [(m.person_id, m.template, m.awaiting_reply) for m in messages] == [
        (mentor_id, "followup_match_offer", True)
    ]
    assert [o["key"] for o in messages[0].options] == ["yes", "no"]
    assert "Sara" in (messages[0].body or "") and "Vil du være mentor?" in (messages[0].body or "")


async def test_followups_mentor_who_does_not_accept_is_reminded_then_coordinator_flagged(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock = FakeClock(NOW)
    runtime = make_runtime(engine, clock)
    _, mentor_id, match_id = await make_pair(sessions, NOW, accept=False)
    await sweep(runtime)
    await sweep(runtime, NOW + timedelta(hours=72))
    await sweep(runtime, NOW + timedelta(hours=120))
    bodies = [m.body or "" for m in await outbox(sessions)]
    assert len(bodies) == 2 and bodies[1].startswith("Husk lige")
    async with sessions() as s:
        flags = list(await s.scalars(select(InboxItem)))
    assert [(f.kind, f.match_id, f.person_id) for f in flags] == [
        ("accept_overdue", match_id, mentor_id)
    ]


async def test_followups_accepted_match_stops_accept_reminders_and_nudges_both_without_meeting(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runtime = make_runtime(engine, FakeClock(NOW))
    youth_id, mentor_id, _ = await make_pair(sessions, NOW)
    # Two weeks on, the accept reminder (due after 72 h) never went out; the pair that has not
    # met yet is nudged, both sides.
    await sweep(runtime, NOW + timedelta(days=14))
    sent = [(m.person_id, m.template) for m in await outbox(sessions)]
    assert sorted(sent) == sorted(
        [(youth_id, "followup_no_meeting"), (mentor_id, "followup_no_meeting")]
    )
    assert {f.state for f in await followups(sessions, "accept_reminder")} == {"dropped"}


async def test_followups_rescheduled_meeting_moves_reminders_and_cancelled_drops_them(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    youth_id, mentor_id, match_id = await make_pair(sessions, NOW)
    first = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # Thursday 15:00 local
    later = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    async with unit_of_work(sessions) as s:
        meeting = await propose_meeting(
            s, match_id, youth_id, first, "Café", now=NOW, tz=COPENHAGEN
        )
        await confirm_meeting(s, meeting.id, mentor_id, now=NOW, tz=COPENHAGEN)
    reminders = await followups(sessions, "meeting_reminder")
    assert sorted({r.due_at for r in reminders}) == [
        first - timedelta(hours=24),
        first - timedelta(hours=2),
    ]
    async with unit_of_work(sessions) as s:
        await reschedule_meeting(s, meeting.id, mentor_id, later, None, now=NOW, tz=COPENHAGEN)
    reminders = await followups(sessions, "meeting_reminder")
    assert len(reminders) == 4
    assert sorted({r.due_at for r in reminders}) == [
        later - timedelta(hours=24),
        later - timedelta(hours=2),
    ]
    async with unit_of_work(sessions) as s:
        await cancel_meeting(s, meeting.id, youth_id, now=NOW, tz=COPENHAGEN)
    runtime = make_runtime(engine, FakeClock(NOW))
    await sweep(runtime, later)
    assert {r.state for r in await followups(sessions, "meeting_reminder")} == {"dropped"}
    assert await outbox(sessions) == []


async def test_followups_downtime_sends_late_reminder_but_drops_one_for_a_past_meeting(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    youth_id, mentor_id, match_id = await make_pair(sessions, NOW)
    starts = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    async with unit_of_work(sessions) as s:
        meeting = await propose_meeting(
            s, match_id, youth_id, starts, "Café", now=NOW, tz=COPENHAGEN
        )
        await confirm_meeting(s, meeting.id, mentor_id, now=NOW, tz=COPENHAGEN)
    runtime = make_runtime(engine, FakeClock(NOW))
    await sweep(runtime, NOW)
    # Down from 23 hours before until an hour before the meeting: the 24-hour reminder is
    # superseded and dropped, the 2-hour one still goes out, an hour late.
    await sweep(runtime, starts - timedelta(hours=1))
    sent = [(m.person_id, (m.options, m.template)) for m in await outbox(sessions)]
    assert sorted(p for p, _ in sent) == sorted([youth_id, mentor_id])
    body = [m.body for m in await outbox(sessions)][-1] or ""
    assert body.startswith("Snart: dit møde med") and "15.00" in body
    states = {(r.payload["label"], r.state) for r in await followups(sessions, "meeting_reminder")}
    assert states == {("24h", "dropped"), ("2h", "done")}


async def test_followups_reminder_for_passed_meeting_is_dropped_after_long_downtime(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    youth_id, mentor_id, match_id = await make_pair(sessions, NOW)
    starts = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    async with unit_of_work(sessions) as s:
        meeting = await propose_meeting(s, match_id, youth_id, starts, None, now=NOW, tz=COPENHAGEN)
        await confirm_meeting(s, meeting.id, mentor_id, now=NOW, tz=COPENHAGEN)
    runtime = make_runtime(engine, FakeClock(NOW))
    await sweep(runtime, NOW)
    result = await sweep(runtime, starts + timedelta(minutes=30))
    assert result.dropped == 4
    assert await outbox(sessions) == []


async def test_followups_nudge_due_on_sunday_waits_for_monday_morning(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    saturday_night = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
    pair = await make_pair(sessions, saturday_night)
    # Monday 18:00 local: the 24-hour reminders fall due on Sunday 18:00.
    await plan_meeting(sessions, pair, datetime(2026, 11, 30, 17, 0, tzinfo=UTC), saturday_night)
    clock = FakeClock(saturday_night)
    runtime = make_runtime(engine, clock)
    recorder = Recorder(clock)
    for hours in range(0, 40):
        clock.now = saturday_night + timedelta(hours=hours)
        await sweep(runtime)
        await send_due_once(runtime.sessions, {"web": recorder}, clock.now, NEWS)
    local_times = {when.astimezone(COPENHAGEN).strftime("%a %H:%M") for when, _, _ in recorder.sent}
    assert local_times == {"Mon 08:00"} and len(recorder.sent) == 2


async def test_followups_two_processes_sweeping_at_once_send_everything_exactly_once(
    db_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    pairs = [await make_pair(sessions, NOW, n=n) for n in range(12)]
    for pair in pairs:  # each side's 2-hour reminder falls due an hour from now
        await plan_meeting(sessions, pair, NOW + timedelta(hours=3), NOW)
    later = NOW + timedelta(hours=1)
    engines = [create_engine(db_url), create_engine(db_url)]
    try:
        runtimes = [make_runtime(e, FakeClock(later)) for e in engines]
        results = await asyncio.gather(*(sweep(r, later, batch=5) for r in runtimes))
    finally:
        for e in engines:
            await e.dispose()
    assert sum(r.done for r in results) == 24
    sent = [(m.person_id, m.template) for m in await outbox(sessions)]
    expected = {(p, "followup_meeting_reminder") for y, m, _ in pairs for p in (y, m)}
    assert len(sent) == 24 and set(sent) == expected


async def test_followups_one_failing_row_is_retried_alone_while_the_rest_of_the_batch_goes_out(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock = FakeClock(NOW)
    runtime = make_runtime(engine, clock)
    youth_id, _, match_id = await make_pair(sessions, NOW)
    async with unit_of_work(sessions) as s:
        await s.execute(delete(FollowUp))  # only the two rows below are due
        for key, ended_on in (("good", "2026-01-01"), ("broken", "not a date")):
            s.add(
                FollowUp(
                    programme_id=1,
                    key=f"outcome_coordinator:{key}",
                    kind="outcome_coordinator",
                    due_at=NOW - timedelta(minutes=1),
                    match_id=match_id,
                    person_id=youth_id,
                    state="pending",
                    payload={"ended_on": ended_on},
                )
            )
    first = await sweep(runtime)
    assert (first.done, first.failed) == (1, 1)
    async with sessions() as s:
        flags = [(f.kind, f.person_id) for f in await s.scalars(select(InboxItem))]
        broken = await s.scalar(select(FollowUp).where(FollowUp.key.endswith("broken")))
    assert flags == [("outcome_missing", youth_id)]  # the good row's work was committed
    assert broken is not None and broken.state == "pending" and broken.due_at > NOW
    for attempt in range(2, 6):
        await sweep(runtime, NOW + timedelta(minutes=11 * attempt))
    async with sessions() as s:
        broken = await s.scalar(select(FollowUp).where(FollowUp.key.endswith("broken")))
    assert broken is not None and broken.state == "dropped" and broken.payload["failures"] == 5

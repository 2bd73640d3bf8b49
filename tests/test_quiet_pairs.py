"""The "no meeting for two weeks" rule, worked out for every active pair at once (the overview
and the weekly digest), at its edges: a meeting just before or just after the fortnight's start,
a future meeting that does not count yet, a meeting before a pair's official start."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.digest import load_digest, load_period
from mentoring.digest_model import Digest, parse_week
from storage.models import Match, Meeting, Mentor, Person, Youth
from tests.digest_dataset import CPH, NOW, WEEK, build_programme, local, utc

# As of Thursday 26 November: the fortnight runs from local midnight of Friday 13 November, and
# a pair that started on or before 12 November with no meeting since is quiet.


async def _pair(session: AsyncSession, programme_id: int, name: str, starts: date) -> int:
    youth = Person(programme_id=programme_id, role="youth", first_name=name, status="active")
    mentor = Person(
        programme_id=programme_id, role="mentor", first_name=f"M-{name}", status="active"
    )
    session.add_all([youth, mentor])
    await session.flush()
    session.add(
        Youth(person_id=youth.id, birth_year=2005, target_group="g1", situation="unemployed")
    )
    session.add(Mentor(person_id=mentor.id, capacity=1, approval="approved"))
    await session.flush()
    accepted = datetime.combine(starts, datetime.min.time(), tzinfo=CPH)
    pair = Match(
        programme_id=programme_id, youth_id=youth.id, mentor_id=mentor.id, status="active",
        proposed_at=accepted - timedelta(days=2), accepted_at=accepted, starts_on=starts,
        ends_on=starts + timedelta(days=92),
    )  # fmt: skip
    session.add(pair)
    await session.flush()
    return pair.id


def _meeting(session: AsyncSession, pair: int, at: datetime, status: str) -> None:
    session.add(
        Meeting(
            match_id=pair, starts_at=at, status=status,
            proposed_at=at - timedelta(days=3), updated_at=at - timedelta(days=3),
        )
    )  # fmt: skip


def _quiet(digest: Digest) -> dict[str, int]:
    return {
        r.pair.youth_name: reason.days
        for r in digest.at_risk
        for reason in r.reasons
        if reason.code == "no_meeting"
    }


async def test_quiet_pairs_at_the_edges_of_the_fortnight(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        programme = (await build_programme(session)).programme_id
        # Started 20 November, but met on 10 November before the official start: quiet for 16
        # days (the last meeting counts, even before the start).
        vera = await _pair(session, programme, "Vera", date(2026, 11, 20))
        _meeting(session, vera, local(2026, 11, 10, 10), "held")
        # Started 20 November and not met yet: too new to be quiet.
        await _pair(session, programme, "Bo", date(2026, 11, 20))
        # Confirmed for 12 November at 23:30 local, half an hour before the fortnight: quiet
        # (the 1 December meeting is ahead, so it does not count yet).
        eva = await _pair(session, programme, "Eva", date(2026, 10, 1))
        _meeting(session, eva, local(2026, 11, 12, 23) + timedelta(minutes=30), "confirmed")
        _meeting(session, eva, local(2026, 12, 1, 10), "confirmed")
        # Confirmed for 13 November at 00:00 local, the fortnight's first moment: not quiet.
        tor = await _pair(session, programme, "Tor", date(2026, 10, 1))
        _meeting(session, tor, local(2026, 11, 13, 0), "confirmed")
        # Only a cancelled meeting since 1 October: quiet since its start.
        ulla = await _pair(session, programme, "Ulla", date(2026, 10, 1))
        _meeting(session, ulla, utc(2026, 11, 20), "cancelled")
        await session.commit()

    async with sessions() as session:
        fast = await load_digest(session, programme, WEEK, NOW, CPH)
    monday = parse_week(WEEK)
    async with sessions() as session:
        _, full = await load_period(session, programme, monday, monday + timedelta(6), NOW, CPH)

    quiet = _quiet(fast)
    assert {name: quiet.get(name) for name in ("Vera", "Bo", "Eva", "Tor", "Ulla")} == {
        "Vera": 16,
        "Bo": None,
        "Eva": 14,
        "Tor": None,
        "Ulla": 56,
    }
    # The committee report's full lists read the same pairs as quiet, for the same days.
    assert _quiet(full) == quiet

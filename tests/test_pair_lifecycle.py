"""A pair's life after its end date: completed only from the end date, early ends kept apart,
the daily rule that closes pairs 14 days past their end, and extensions keeping the term."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.clock import add_months
from core.runtime import Runtime
from mentoring.digest import load_digest
from mentoring.digest_model import iso_week
from mentoring.errors import DomainError
from mentoring.matches import accept_match, close_match, create_match, extend_match
from mentoring.pair_closing import close_pairs_past_end
from messaging.render import Renderer
from settings import Settings
from storage.db import session_factory, unit_of_work
from storage.models import HoursReport, InboxItem, Match, Meeting
from tests import factories
from tests.conftest import COPENHAGEN, NOW
from tests.test_dashboard import Dashboard, dash  # noqa: F401 (dash is the fixture)

STARTED = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)  # a Monday; the pair runs 3 Aug - 3 Nov


def _runtime(engine: AsyncEngine, now: datetime) -> Runtime:
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    return Runtime(settings, engine, session_factory(engine), Renderer(tz=COPENHAGEN), lambda: now)


async def _pair(session: AsyncSession, youth: str = "Sara", mentor: str = "Henrik") -> Match:
    y = await factories.youth(session, STARTED, first_name=youth)
    m = await factories.mentor(session, first_name=mentor, company_name=f"{mentor} ApS")
    match = await create_match(session, y.id, m.id, now=STARTED, tz=COPENHAGEN)
    await accept_match(session, match.id, now=STARTED, today=STARTED.date(), tz=COPENHAGEN)
    return match


def _held(match: Match, *days: date) -> list[Meeting]:
    return [
        Meeting(match_id=match.id, starts_at=datetime(d.year, d.month, d.day, 14, tzinfo=UTC),
                status="held")
        for d in days
    ]  # fmt: skip


async def test_completed_cannot_be_chosen_before_the_end_date(session: AsyncSession) -> None:
    match = await _pair(session)
    assert match.ends_on == date(2026, 11, 3)
    before = datetime(2026, 10, 20, 9, tzinfo=UTC)
    with pytest.raises(DomainError) as refused:
        await close_match(
            session, match.id, "completed", now=before, today=before.date(), tz=COPENHAGEN
        )
    assert refused.value.key == "completed_before_end"
    # A job before the end date is an early end, the good kind.
    closed = await close_match(
        session, match.id, "youth_job_or_education", now=before, today=before.date(), tz=COPENHAGEN
    )
    assert (closed.status, closed.end_reason) == ("ended_early", "youth_job_or_education")


async def test_daily_rule_closes_an_active_pair_and_asks_about_a_silent_one(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    async with unit_of_work(sessions) as session:
        busy = await _pair(session, "Sara", "Henrik")
        quiet = await _pair(session, "Omar", "Mette")
        # Sara and Henrik met in each month of the term (3 Aug-3 Sep, -3 Oct, -3 Nov); Omar and
        # Mette met in the first two only.
        session.add_all(_held(busy, date(2026, 8, 10), date(2026, 9, 15)))
        session.add(HoursReport(match_id=busy.id, minutes=120, month=date(2026, 10, 1),
                                reported_at=datetime(2026, 10, 20, 9, tzinfo=UTC)))  # fmt: skip
        session.add_all(_held(quiet, date(2026, 8, 10), date(2026, 9, 15)))
        busy_id, quiet_id = busy.id, quiet.id

    # 13 days after the end date nothing happens yet; on day 14 the rule acts.
    early = await close_pairs_past_end(_runtime(engine, datetime(2026, 11, 16, 3, tzinfo=UTC)))
    assert (early.completed, early.to_decide) == (0, 0)
    day14 = datetime(2026, 11, 17, 3, 45, tzinfo=UTC)
    done = await close_pairs_past_end(_runtime(engine, day14))
    assert (done.completed, done.to_decide) == (1, 1)
    again = await close_pairs_past_end(_runtime(engine, day14 + timedelta(days=1)))
    assert (again.completed, again.to_decide) == (0, 0)  # one inbox item, not one a day

    async with sessions() as session:
        assert (await session.get(Match, busy_id)).status == "completed"  # type: ignore[union-attr]
        assert (await session.get(Match, quiet_id)).status == "active"  # type: ignore[union-attr]
        items = (await session.scalars(select(InboxItem))).all()
        assert [(i.kind, i.match_id) for i in items] == [("pair_past_end", quiet_id)]
        programme = await factories.programme(session)
        digest = await load_digest(session, programme.id, iso_week(day14.date()), day14, COPENHAGEN)
    assert [d.pair.youth_name for d in digest.past_end] == ["Omar"]
    kept = digest.target("kept_3_months")  # Sara's pair kept; Omar's past its term, not closed
    assert (kept.numerator, kept.denominator, kept.unknown) == (1, 2, 1)


async def test_extension_keeps_the_original_term_for_the_target(session: AsyncSession) -> None:
    match = await _pair(session)
    extended = await extend_match(session, match.id, tz=COPENHAGEN)
    assert (extended.ends_on, extended.original_ends_on) == (date(2026, 12, 3), date(2026, 11, 3))
    again = await extend_match(session, match.id, tz=COPENHAGEN)
    assert (again.ends_on, again.original_ends_on) == (date(2027, 1, 3), date(2026, 11, 3))
    # Closed as completed at its extended end: the original term ran in full.
    end = datetime(2027, 1, 3, 12, tzinfo=UTC)
    closed = await close_match(
        session, match.id, "completed", now=end, today=end.date(), tz=COPENHAGEN
    )
    assert closed.status == "completed"


async def test_dashboard_extends_a_pair_from_the_pairs_page(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    async with unit_of_work(dash.runtime.sessions) as db:
        pair = await create_match(db, dash.data.sara, dash.data.henrik, now=NOW, tz=COPENHAGEN)
        await accept_match(db, pair.id, now=NOW, today=NOW.date(), tz=COPENHAGEN)
        assert pair.ends_on is not None
        ends_on = pair.ends_on
    page = await (await dash.client.get("/pairs")).text()
    assert f'action="/pairs/{pair.id}/extend"' in page
    after = await dash.post(f"/pairs/{pair.id}/extend", {}, page="/pairs")
    assert "Parret er forlænget til" in after
    async with dash.runtime.sessions() as db:
        extended = await db.get(Match, pair.id)
        assert extended is not None
        assert (extended.original_ends_on, extended.ends_on) == (ends_on, add_months(ends_on, 1))

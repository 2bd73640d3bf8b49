"""The digest's figures on a hand-built programme, and its fixed number of SQL statements."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from mentoring.digest import load_digest, load_period
from mentoring.digest_model import Digest, Shown, default_week, parse_week
from mentoring.errors import DomainError
from storage.digest_sql import SHOWN
from tests.digest_dataset import CPH, NOW, WEEK, build_programme, bulk_programme

MONDAY, SUNDAY = parse_week(WEEK), parse_week(WEEK) + timedelta(days=6)


async def _digest(sessions: async_sessionmaker[AsyncSession]) -> tuple[Digest, dict[str, int]]:
    async with sessions() as session:
        built = await build_programme(session)
    async with sessions() as session:
        return await load_digest(session, built.programme_id, WEEK, NOW, CPH), built.ids


async def _full(sessions: async_sessionmaker[AsyncSession], programme_id: int) -> Digest:
    """The same week's figures from the full lists the committee report reads."""
    async with sessions() as session:
        _, digest = await load_period(session, programme_id, MONDAY, SUNDAY, NOW, CPH)
    return digest


async def test_digest_targets_match_hand_computed_values(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    digest, ids = await _digest(sessions)
    # 100 of 200 days gone: half of each count target is expected by now.
    matches = digest.target("matched")
    assert (matches.value, matches.expected, matches.behind) == (8, 20, 12)
    # The e-mail shows the figures; the committee report names the youths behind them.
    named = {t.key: t for t in (await _full(sessions, digest.programme_id)).targets}
    names = {"Sara", "Ali", "Emma", "Noah", "Freja", "Omar", "Ida", "Karl"}
    assert set(named["matched"].ids) == {ids[n] for n in names}
    # Freja (ended 20 Nov, her end date) and Ida (18 Nov, hers) completed; Omar ended early on
    # 25 Aug for a reason that is no job or education (a negative early end).
    full = digest.target("kept_3_months")
    assert (full.numerator, full.denominator, full.unknown, full.behind) == (2, 3, 0, 9)
    assert full.value == pytest.approx(200 / 3)
    assert (digest.positive_early, digest.negative_early) == (0, 1)
    assert set(named["kept_3_months"].ids) == {ids["m:Freja"], ids["m:Ida"]}
    # The outcomes recorded at Freja's and Ida's closure are no +3-month observations: nobody's
    # window (end + 3 months - 14 days .. + 45 days: from 4 Feb 2027) has closed on 26 November.
    for key in ("self_supporting", "students_in_education", "praktik_subsidy_smalljob"):
        target = digest.target(key)
        assert (target.measured, target.numerator, target.denominator, target.unknown) == (
            False, 0, 0, 0,
        )  # fmt: skip
    companies = digest.target("companies_outside")  # Brugsen is a partner
    assert (companies.value, companies.expected, companies.behind) == (3, 5, 2)
    openings = digest.target("job_openings")  # the 30 November opening is not there yet
    assert (openings.value, openings.expected, openings.behind) == (3, 2, 0)
    assert digest.savings.youths == 0
    assert digest.savings.total_dkk == 0
    assert [g for g in digest.by_group] == ["g0", "g1", "g2", "student"]


async def test_digest_compares_this_week_with_last_week(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    digest, _ = await _digest(sessions)
    got = {c.key: (c.this_week, c.last_week) for c in digest.compare}
    assert got == {
        "new_matches": (1, 0),
        "meetings_held": (1, 2),
        "hours": (3.0, pytest.approx(200 / 60)),
        "signups": (1, 1),
        "companies": (1, 0),
        "job_openings": (1, 1),
    }


async def test_digest_names_pairs_at_risk_and_why(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    digest, _ = await _digest(sessions)
    risk = {r.pair.youth_name: r.reasons for r in digest.at_risk}
    assert list(risk) == ["Ali", "Emma"]
    ali = {r.code: r for r in risk["Ali"]}
    assert set(ali) == {"no_meeting", "hours_behind", "unsure"}
    assert (ali["no_meeting"].days, ali["no_meeting"].severe) == (24, True)
    assert ali["hours_behind"].amount == 1.0
    emma = {r.code: r for r in risk["Emma"]}
    assert (emma["no_meeting"].days, emma["no_meeting"].severe) == (16, False)
    assert emma["unanswered"].amount == 1


async def test_digest_lists_what_is_waiting(sessions: async_sessionmaker[AsyncSession]) -> None:
    digest, _ = await _digest(sessions)
    assert [(u.pair.youth_name, u.waiting_days) for u in digest.unconfirmed] == [("Ali", 6)]
    assert [(w.first_name, w.days) for w in digest.waiting] == [("Jonas", 21), ("Anna", 1)]
    assert [(m.first_name, m.amount) for m in digest.mentors_free] == [("Henrik", 1), ("Jens", 1)]
    assert [(u.first_name, u.detail) for u in digest.unreachable] == [
        ("Ali", "sms:invalid"),
        ("Kirsten", "telegram:blocked"),
    ]
    assert [(e.pair.youth_name, e.days) for e in digest.ending_soon] == [("Noah", 9)]
    assert [(s.pair.youth_name, s.detail, s.days) for s in digest.surveys] == [("Omar", "due", 1)]
    assert [(c.pair.youth_name, c.detail) for c in digest.calls_due] == [
        ("Ali", "both"),
        ("Emma", "mentor"),
    ]
    assert [(i.first_name, i.detail) for i in digest.inbox] == [
        ("Ali", "unsure"),
        ("Lars", "message"),
    ]
    hours = {p.youth_name: h for p, h in digest.hours_this_month}
    assert hours == {
        "Sara": 3.0,
        "Ali": 1.0,
        "Emma": 0.0,
        "Noah": pytest.approx(200 / 60),
        "Karl": 0.0,
    }
    assert digest.matches_over_time[0][1] == 1  # Ida, accepted on the programme's first day
    assert digest.matches_over_time[-1][1] == 8


async def test_digest_past_week_counts_as_of_its_end(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        built = await build_programme(session)
    async with sessions() as session:
        digest = await load_digest(session, built.programme_id, "2026-W47", NOW, CPH)
    assert digest.as_of.astimezone(CPH).date().isoformat() == "2026-11-23"
    assert digest.target("matched").value == 7  # Karl was matched on 24 November
    assert digest.compared("meetings_held").this_week == 2


def test_digest_week_parsing_and_default() -> None:
    assert parse_week("2026-W48").isoformat() == "2026-11-23"
    assert default_week(NOW, CPH) == "2026-W47"
    with pytest.raises(DomainError):
        parse_week("week 48")


async def _statements(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], pairs: int
) -> int:
    async with sessions() as session:
        programme_id = await bulk_programme(session, pairs)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with sessions() as session:
            digest = await load_digest(session, programme_id, WEEK, NOW, CPH)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert digest.hours_this_month.total == pairs
    assert digest.unreachable.total == len(range(0, pairs, 7))
    return len([s for s in statements if not s.startswith("BEGIN")])


async def test_digest_queries_do_not_grow_with_programme_size(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    small = await _statements(engine, sessions, 10)
    large = await _statements(engine, sessions, 1000)
    assert small == large
    # 20 for the pairs, people and targets; 3 for the business side (openings per origin,
    # sign-ups per source, the Code of Care pairs' one-year condition).
    assert small <= 23


def _same_lists(summary: Digest, full: Digest) -> None:
    """The summarised digest names the first rows of each list and counts them all."""
    for name in ("at_risk", "unconfirmed", "waiting", "mentors_free", "unreachable",
                 "ending_soon", "surveys", "calls_due", "inbox", "pairs"):  # fmt: skip
        shown: Shown[Any] = getattr(summary, name)
        every: Shown[Any] = getattr(full, name)
        assert shown.total == len(every), name
        assert list(shown) == list(every)[:SHOWN], name
        assert shown.more == max(len(every) - SHOWN, 0), name
    assert summary.hours_this_month.total == len(full.hours_this_month)
    assert sorted(summary.hours_this_month, key=lambda h: (-h[1], h[0].match_id)) == sorted(
        full.hours_this_month, key=lambda h: (-h[1], h[0].match_id)
    )
    assert summary.below_hours == full.below_hours
    figures = ("key", "unit", "value", "target", "expected", "behind", "measured", "numerator",
               "denominator")  # fmt: skip
    assert [[getattr(t, f) for f in figures] for t in summary.targets] == [
        [getattr(t, f) for f in figures] for t in full.targets
    ]
    assert summary.compare == full.compare
    assert summary.savings == full.savings
    assert summary.matches_over_time == full.matches_over_time


async def test_digest_counts_what_the_full_lists_count(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    digest, _ = await _digest(sessions)
    _same_lists(digest, await _full(sessions, digest.programme_id))


async def test_digest_names_the_first_rows_and_counts_the_rest(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        programme_id = await bulk_programme(session, SHOWN + 15)
    async with sessions() as session:
        digest = await load_digest(session, programme_id, WEEK, NOW, CPH)
    assert (len(digest.at_risk), digest.at_risk.total, digest.at_risk.more) == (SHOWN, 35, 15)
    assert (len(digest.mentors_free), digest.mentors_free.total) == (SHOWN, 35)
    _same_lists(digest, await _full(sessions, programme_id))

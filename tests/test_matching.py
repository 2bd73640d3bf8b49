"""Match suggestions and batch matching: scores with reasons, optimal beats greedy."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.matches import accept_match, create_match
from mentoring.matching import (
    MentorProfile,
    YouthProfile,
    assign_greedy,
    assign_optimal,
    available_mentors,
    batch,
    batch_proposals,
    mentor_pool,
    suggest,
    suggest_all,
    suggestions_for,
    waiting_youths,
)
from mentoring.postcodes import distance_km, load_table
from tests import factories
from tests.conftest import COPENHAGEN, NOW


def youth(
    pid: int = 1, interests: tuple[str, ...] = ("it",), postcode: str = "2200"
) -> YouthProfile:
    return YouthProfile(person_id=pid, interests=interests, postcode=postcode, language="da")


def mentor(
    pid: int,
    industry: str = "it",
    postcode: str = "2100",
    languages: tuple[str, ...] = ("da",),
    capacity: int = 1,
    open_matches: int = 0,
    availability: str | None = None,
) -> MentorProfile:
    return MentorProfile(
        person_id=pid,
        industry=industry,
        postcode=postcode,
        languages=languages,
        availability=availability,
        capacity=capacity,
        open_matches=open_matches,
    )


def test_postcodes_distance_between_danish_towns_is_about_right() -> None:
    table = load_table()
    assert distance_km(table, "8000", "2100") == pytest.approx(156, abs=10)  # Aarhus-København
    assert distance_km(table, "2200", "2100") == pytest.approx(3, abs=2)
    assert distance_km(table, "3900", "2100") is None  # Greenland: unknown
    assert distance_km(table, None, "2100") is None


def test_suggest_prefers_same_industry_nearby_and_says_why() -> None:
    near_it = mentor(10, "it", "2100", availability="tirsdage efter 16")
    far_it = mentor(11, "it", "9000")
    near_retail = mentor(12, "retail", "2200")
    best, second, third = suggest(youth(), [far_it, near_retail, near_it])
    assert [s.mentor.person_id for s in (best, second, third)] == [10, 11, 12]
    codes = {r.code: r.params for r in best.reasons}
    assert codes["same_industry"] == {"industry": "it"}
    assert codes["distance"] == {"km": 3}
    assert codes["language"] == {"language": "da"}
    assert codes["availability"] == {"text": "tirsdage efter 16"}
    assert best.score == 100
    assert "other_industry" in {r.code for r in third.reasons}


def test_suggest_leaves_out_full_mentors_and_counts_language() -> None:
    full = mentor(10, capacity=1, open_matches=1)
    english_only = mentor(11, languages=("en",))
    danish = mentor(12)
    suggestions = suggest(youth(), [full, english_only, danish])
    assert [s.mentor.person_id for s in suggestions] == [12, 11]
    assert suggestions[0].score - suggestions[1].score == 20
    assert "no_shared_language" in {r.code for r in suggestions[1].reasons}


def test_assign_optimal_beats_greedy_on_a_hand_computed_case() -> None:
    # Greedy takes the 10 and is left with 0 (total 10); the optimum is 9 + 9 = 18.
    scores = np.array([[10.0, 9.0], [9.0, 0.0]])
    free = np.array([1, 1])
    g_rows, g_cols = assign_greedy(scores, free)
    o_rows, o_cols = assign_optimal(scores, free)
    assert scores[g_rows, g_cols].sum() == 10
    assert scores[o_rows, o_cols].sum() == 18
    assert sorted(zip(o_rows.tolist(), o_cols.tolist(), strict=True)) == [(0, 1), (1, 0)]


def test_assign_optimal_respects_capacities() -> None:
    # Mentor 0 has 2 places, mentor 1 one; three youths all prefer mentor 0.
    scores = np.array([[50.0, 40.0], [50.0, 10.0], [50.0, 45.0]])
    rows, cols = assign_optimal(scores, np.array([2, 1]))
    pairs = dict(zip(rows.tolist(), cols.tolist(), strict=True))
    assert pairs == {0: 0, 1: 0, 2: 1}  # 50 + 50 + 45 = 145, the best possible
    g_rows, g_cols = assign_greedy(scores, np.array([2, 1]))
    assert scores[g_rows, g_cols].sum() <= scores[rows, cols].sum() == 145


def test_batch_proposes_one_mentor_place_per_youth_best_first() -> None:
    youths = [youth(1, ("it",), "2200"), youth(2, ("retail",), "8000"), youth(3, ("it",), "2100")]
    mentors = [mentor(10, "it", "2100", capacity=2), mentor(11, "retail", "8000")]
    proposals = batch(youths, mentors)
    assert {(p.youth.person_id, p.mentor.person_id) for p in proposals} == {
        (1, 10),
        (2, 11),
        (3, 10),
    }
    assert [p.score for p in proposals] == sorted((p.score for p in proposals), reverse=True)


async def test_suggestions_for_reads_waiting_youths_and_free_mentors(session: AsyncSession) -> None:
    sara = await factories.youth(session, NOW, interests=["construction"], postcode="8000")
    omar = await factories.youth(session, NOW, first_name="Omar", interests=["it"], postcode="2100")
    henrik = await factories.mentor(session, postcode="8200")
    await factories.mentor(session, first_name="Lone", approved=False, company_name="Lone ApS")
    prog = await factories.programme(session)
    await session.commit()

    suggestions = await suggestions_for(session, sara.id)
    assert [s.mentor.person_id for s in suggestions] == [henrik.id]  # unapproved Lone is out
    assert {r.code for r in suggestions[0].reasons} >= {"same_industry", "distance"}

    match = await create_match(session, omar.id, henrik.id, now=NOW, tz=COPENHAGEN)
    await accept_match(session, match.id, now=NOW, today=NOW.date(), tz=COPENHAGEN)
    await session.commit()
    assert [y.person_id for y in await waiting_youths(session, prog.id)] == [sara.id]
    assert await suggestions_for(session, sara.id) == []  # Henrik's only place is taken
    assert await batch_proposals(session, prog.id) == []


def test_suggest_all_gives_each_youth_the_same_as_suggest() -> None:
    youths = [youth(1, ("it",), "2200"), youth(2, ("retail",), "8000")]
    mentors = [mentor(10, "it", "2100"), mentor(11, "retail", "8000"), mentor(12, "health", "5000")]
    together = suggest_all(youths, mentors, limit=2)
    assert together == [suggest(y, mentors, limit=2) for y in youths]
    assert [s.mentor.person_id for s in together[1]] == [11, 10]


async def test_mentors_of_one_kind_are_read_only_as_far_as_the_best_need(
    session: AsyncSession,
) -> None:
    """Four carpenters in 8200 with one place each score alike for everyone: the three best for
    Sara are the three with the lowest ids, and the fourth is never read for her; with capacity
    2 and one pair, Jens is of a kind of his own. The counts still cover every mentor with room."""
    sara = await factories.youth(session, NOW, interests=["construction"], postcode="8000")
    omar = await factories.youth(session, NOW, first_name="Omar", interests=["it"], postcode="2100")
    names = ("Henrik", "Karl", "Niels", "Poul")
    alike = [(await factories.mentor(session, name, postcode="8200")).id for name in names]
    jens = await factories.mentor(session, "Jens", capacity=2, postcode="8200")
    lone = await factories.mentor(session, "Lone", industry="it", postcode="2200")
    prog = await factories.programme(session)
    match = await create_match(session, omar.id, jens.id, now=NOW, tz=COPENHAGEN)
    await accept_match(session, match.id, now=NOW, today=NOW.date(), tz=COPENHAGEN)
    await session.commit()

    every = await available_mentors(session, prog.id)
    assert [m.person_id for m in every] == [*alike, jens.id, lone.id]
    one_each = await mentor_pool(session, prog.id, per_kind=1)
    assert [m.person_id for m in one_each.mentors] == [alike[0], jens.id, lone.id]
    assert (one_each.with_room, one_each.places) == (6, 6)  # Jens has one place left
    best = await suggestions_for(session, sara.id)
    assert [s.mentor.person_id for s in best] == alike[:3]
    assert best == suggest((await waiting_youths(session, prog.id))[0], every)
    assert await batch_proposals(session, prog.id) == batch(
        await waiting_youths(session, prog.id), every
    )

"""Match suggestions with their reasons, and the best overall assignment for everyone waiting.

The coordinator decides; this module only proposes. Each mentor-youth pair gets a score out of 100
from shared industry/interests, distance between postcodes, a shared language, whether the mentor
has said when they can meet, and free capacity. Reasons come back as structured data
(`Reason(code, params)`) that templates put into words, never as text.

Scores are computed for all pairs at once with numpy. Batch mode solves the assignment problem
exactly: each mentor appears once per free place (an expanded matrix) and
`scipy.optimize.linear_sum_assignment` maximises the total score, which greedy picking cannot
promise. Scores are never negative, so filling every place the solver can fill never lowers the
total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import OPEN, PersonStatus, Role
from mentoring.errors import NotFound
from mentoring.postcodes import PostcodeTable, distance_matrix, load_table
from storage.digest_sql import jit_off
from storage.mentor_room import TAKEN, mentors_with_room
from storage.models import Match, Mentor, Person, Youth

W_INDUSTRY = 40.0
W_DISTANCE = 30.0
W_LANGUAGE = 20.0
W_AVAILABILITY = 5.0
W_FREE = 5.0
NEAR_KM = 5.0  # full distance points up to here
FAR_KM = 60.0  # no distance points from here
UNKNOWN_DISTANCE = W_DISTANCE / 3  # neither rewarded nor ruled out

Matrix = npt.NDArray[np.float64]
Index = npt.NDArray[np.intp]


@dataclass(frozen=True)
class YouthProfile:
    person_id: int
    interests: tuple[str, ...]
    postcode: str | None
    language: str
    first_name: str | None = None
    waiting_since: datetime | None = None


@dataclass(frozen=True)
class MentorProfile:
    person_id: int
    industry: str | None
    postcode: str | None
    languages: tuple[str, ...]
    availability: str | None
    capacity: int
    open_matches: int = 0
    first_name: str | None = None

    @property
    def free(self) -> int:
        return max(self.capacity - self.open_matches, 0)


@dataclass(frozen=True)
class Reason:
    """Why a pair scores as it does; `code` names the wording in templates/web/_reasons.html."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    positive: bool = True


@dataclass(frozen=True)
class Suggestion:
    mentor: MentorProfile
    score: int
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Proposal:
    youth: YouthProfile
    mentor: MentorProfile
    score: int
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class ScoreParts:
    """The score's components for every youth (rows) and mentor (columns)."""

    industry: npt.NDArray[np.bool_]
    km: Matrix
    language: npt.NDArray[np.bool_]
    availability: npt.NDArray[np.bool_]  # per mentor
    free_share: Matrix  # per mentor: free places / capacity

    def distance_points(self) -> Matrix:
        share = np.clip((FAR_KM - self.km) / (FAR_KM - NEAR_KM), 0.0, 1.0)
        points: Matrix = np.where(np.isnan(self.km), UNKNOWN_DISTANCE, W_DISTANCE * share)
        return points

    def total(self) -> Matrix:
        total: Matrix = (
            W_INDUSTRY * self.industry
            + self.distance_points()
            + W_LANGUAGE * self.language
            + (W_AVAILABILITY * self.availability + W_FREE * self.free_share)[None, :]
        )
        return total


def score_parts(
    youths: list[YouthProfile], mentors: list[MentorProfile], table: PostcodeTable | None = None
) -> ScoreParts:
    table = table or load_table()
    interests = sorted({code for y in youths for code in y.interests})
    interest_index = {code: k for k, code in enumerate(interests)}
    wants = np.zeros((len(youths), len(interests) + 1), dtype=bool)  # last column: "none"
    for i, y in enumerate(youths):
        for code in y.interests:
            wants[i, interest_index[code]] = True
    none_column = len(interests)
    industry_col = np.array(
        [interest_index.get(m.industry or "", none_column) for m in mentors], dtype=np.intp
    )
    industry = wants[:, industry_col]

    languages = sorted(
        {y.language for y in youths} | {lang for m in mentors for lang in m.languages}
    )
    language_index = {code: k for k, code in enumerate(languages)}
    speaks = np.zeros((len(mentors), len(languages)), dtype=bool)
    for j, m in enumerate(mentors):
        for lang in m.languages:
            speaks[j, language_index[lang]] = True
    youth_language = np.array([language_index[y.language] for y in youths], dtype=np.intp)
    language = speaks[:, youth_language].T

    lat_y, lon_y = table.coordinate_arrays([y.postcode for y in youths])
    lat_m, lon_m = table.coordinate_arrays([m.postcode for m in mentors])
    km = distance_matrix(lat_y, lon_y, lat_m, lon_m)

    availability = np.array([bool(m.availability) for m in mentors], dtype=bool)
    capacity = np.array([max(m.capacity, 1) for m in mentors], dtype=np.float64)
    free = np.array([m.free for m in mentors], dtype=np.float64)
    return ScoreParts(industry, km, language, availability, free / capacity)


def reasons_for(
    parts: ScoreParts, i: int, j: int, youth: YouthProfile, mentor: MentorProfile
) -> tuple[Reason, ...]:
    reasons: list[Reason] = []
    if parts.industry[i, j]:
        reasons.append(Reason("same_industry", {"industry": mentor.industry}))
    elif mentor.industry:
        reasons.append(Reason("other_industry", {"industry": mentor.industry}, positive=False))
    km = parts.km[i, j]
    if np.isnan(km):
        reasons.append(Reason("distance_unknown", positive=False))
    else:
        reasons.append(Reason("distance", {"km": round(float(km))}, positive=km < FAR_KM))
    if parts.language[i, j]:
        reasons.append(Reason("language", {"language": youth.language}))
    else:
        reasons.append(Reason("no_shared_language", {"language": youth.language}, positive=False))
    if mentor.availability:
        reasons.append(Reason("availability", {"text": mentor.availability}))
    reasons.append(Reason("free_places", {"free": mentor.free, "capacity": mentor.capacity}))
    return tuple(reasons)


def suggest(
    youth: YouthProfile,
    mentors: list[MentorProfile],
    *,
    limit: int | None = 3,
    table: PostcodeTable | None = None,
) -> list[Suggestion]:
    """The best mentors with a free place for one youth, best first (ties: lower id first)."""
    open_mentors = [m for m in mentors if m.free > 0]
    if not open_mentors:
        return []
    parts = score_parts([youth], open_mentors, table)
    scores = parts.total()[0]
    order = np.lexsort((np.array([m.person_id for m in open_mentors]), -scores))[:limit]
    return [
        Suggestion(
            open_mentors[j],
            round(float(scores[j])),
            reasons_for(parts, 0, int(j), youth, open_mentors[j]),
        )
        for j in order
    ]


def suggest_all(
    youths: list[YouthProfile],
    mentors: list[MentorProfile],
    *,
    limit: int = 3,
    table: PostcodeTable | None = None,
) -> list[list[Suggestion]]:
    """`suggest` for many youths at once (one score matrix), in the order of `youths`."""
    open_mentors = [m for m in mentors if m.free > 0]
    if not youths or not open_mentors:
        return [[] for _ in youths]
    parts = score_parts(youths, open_mentors, table)
    scores = parts.total()
    ids = np.array([m.person_id for m in open_mentors])
    result = []
    for i, y in enumerate(youths):
        order = np.lexsort((ids, -scores[i]))[:limit]
        result.append(
            [
                Suggestion(
                    open_mentors[j],
                    round(float(scores[i, j])),
                    reasons_for(parts, i, int(j), y, open_mentors[j]),
                )
                for j in order
            ]
        )
    return result


def assign_optimal(scores: Matrix, free: npt.NDArray[np.int_]) -> tuple[Index, Index]:
    """Rows and mentor columns of the assignment with the highest total under the capacities."""
    slots = np.repeat(np.arange(scores.shape[1]), free)
    if scores.shape[0] == 0 or slots.size == 0:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    # Imported here: scipy.optimize costs ~45 MB of resident memory in every `serve` process,
    # and only a coordinator's batch matching needs it.
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(scores[:, slots], maximize=True)
    return rows.astype(np.intp), slots[cols].astype(np.intp)


def assign_greedy(scores: Matrix, free: npt.NDArray[np.int_]) -> tuple[Index, Index]:
    """The baseline: repeatedly take the best remaining pair. Fast, but not optimal."""
    left = np.array(free, dtype=np.int64)
    wanted = min(scores.shape[0], int(left.sum()))
    taken = np.zeros(scores.shape[0], dtype=bool)
    order = np.argsort(-scores, axis=None, kind="stable")
    all_rows, all_cols = np.unravel_index(order, scores.shape)
    rows: list[int] = []
    cols: list[int] = []
    for r, c in zip(all_rows.tolist(), all_cols.tolist(), strict=True):
        if len(rows) == wanted:
            break
        if taken[r] or left[c] == 0:
            continue
        taken[r] = True
        left[c] -= 1
        rows.append(r)
        cols.append(c)
    return np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp)


def batch(
    youths: list[YouthProfile], mentors: list[MentorProfile], table: PostcodeTable | None = None
) -> list[Proposal]:
    """The best overall assignment of waiting youths to free mentor places, best first."""
    mentors = [m for m in mentors if m.free > 0]
    if not youths or not mentors:
        return []
    parts = score_parts(youths, mentors, table)
    scores = parts.total()
    free = np.array([m.free for m in mentors])
    rows, cols = assign_optimal(scores, free)
    proposals = [
        Proposal(
            youths[i],
            mentors[j],
            round(float(scores[i, j])),
            reasons_for(parts, i, j, youths[i], mentors[j]),
        )
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True)
    ]
    proposals.sort(key=lambda p: (-p.score, p.youth.person_id))
    return proposals


def _waiting(
    programme_id: int, target_group: str | None = None, area: str | None = None
) -> list[ColumnElement[bool]]:
    """Active youths waiting (no open match, not finished), narrowed by target group and by
    area (a town, or the start of a postcode)."""
    open_match = select(Match.id).where(Match.youth_id == Youth.person_id, Match.status.in_(OPEN))
    where = [
        Person.programme_id == programme_id,
        Person.role == Role.YOUTH,
        Person.status == PersonStatus.ACTIVE,
        Youth.waiting_since.is_not(None),
        ~open_match.exists(),
    ]
    if target_group:
        where.append(Youth.target_group == target_group)
    if area:
        where.append(or_(func.lower(Youth.area) == area.lower(), Youth.postcode.startswith(area)))
    return where


async def waiting_youths(session: AsyncSession, programme_id: int) -> list[YouthProfile]:
    """Active youths waiting (no open match, not finished), longest waiting first."""
    return (await waiting_page(session, programme_id, limit=None))[0]


async def waiting_page(
    session: AsyncSession,
    programme_id: int,
    *,
    target_group: str | None = None,
    area: str | None = None,
    offset: int = 0,
    limit: int | None = 50,
) -> tuple[list[YouthProfile], int]:
    """One page of the waiting youths the filters let through, longest waiting first (the
    order a coordinator matches in), and how many they are in all (`limit=None`: every one,
    without counting)."""
    where = _waiting(programme_id, target_group, area)
    query = (
        select(Person, Youth)
        .join(Youth, Youth.person_id == Person.id)
        .where(*where)
        .order_by(Youth.waiting_since.asc().nulls_last(), Person.id)
    )
    if limit is None:
        found = [_youth_profile(p, y) for p, y in (await session.execute(query)).all()]
        return found, len(found)
    total = await session.scalar(select(func.count()).select_from(Person).join(Youth).where(*where))
    rows = await session.execute(query.offset(offset).limit(limit))
    return [_youth_profile(p, y) for p, y in rows.all()], int(total or 0)


async def waiting_summary(session: AsyncSession, programme_id: int) -> tuple[int, datetime | None]:
    """How many youths wait now and since when the longest has waited (None: nobody waits)."""
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(Youth.waiting_since))
            .select_from(Person)
            .join(Youth, Youth.person_id == Person.id)
            .where(*_waiting(programme_id))
        )
    ).one()
    return int(count or 0), oldest


def _youth_profile(person: Person, youth: Youth) -> YouthProfile:
    return YouthProfile(
        person_id=person.id,
        interests=tuple(str(i) for i in youth.interests or ()),
        postcode=youth.postcode,
        language=person.language,
        first_name=person.first_name,
        waiting_since=youth.waiting_since,
    )


@dataclass(frozen=True)
class MentorPool:
    """The mentors scoring reads, and the counts over every approved, active mentor with room
    now (whatever `per_kind` left out): how many they are and how many free places they have."""

    mentors: list[MentorProfile]
    with_room: int
    places: int


async def mentor_pool(
    session: AsyncSession,
    programme_id: int,
    *,
    per_kind: int | None = None,
    only: int | None = None,
) -> MentorPool:
    """Approved, active mentors with at least one free place, by id (only the columns scoring
    reads), in one statement.

    `per_kind`: only the first (lowest id) `per_kind` mentors of each kind, chosen in SQL. Two
    mentors of a kind (the same industry, postcode, languages, availability given or not,
    capacity and open pairs) score the same for every youth, and ties go to the lower id, so a
    youth's best `per_kind` are among them, and so is an optimal batch for `per_kind` youths:
    a youth placed with a later mentor of a kind can move to a free place among the first ones
    for the same score. At national scale that is a few rows instead of tens of thousands.
    `only`: that one mentor (if approved, active and with room), and the counts over them."""
    await jit_off(session)  # PostgreSQL's estimate for 50,000 mentors would compile the plan
    has_time = func.coalesce(func.length(Mentor.availability), 0) > 0
    approved = (
        mentors_with_room(
            programme_id,
            Person.id, Person.first_name, Mentor.industry, Mentor.postcode, Mentor.languages,
            Mentor.availability, Mentor.capacity, TAKEN.label("taken"), has_time.label("has_time"),
            only=only,
        )
        .cte("mentors_with_room")
        .prefix_with("MATERIALIZED")
    )  # fmt: skip
    a = approved.c
    kinds = (a.industry, a.postcode, a.languages, a.has_time, a.capacity, a.taken)
    ranked = select(
        approved,
        func.row_number().over(partition_by=kinds, order_by=a.id).label("rank"),
        func.count().over().label("with_room"),
        func.sum(a.capacity - a.taken).over().label("places"),
    ).subquery()
    r = ranked.c
    query = select(
        r.id, r.first_name, r.industry, r.postcode, r.languages, r.availability, r.capacity,
        r.taken, r.with_room, r.places,
    ).order_by(r.id)  # fmt: skip
    if per_kind is not None:
        query = query.where(r.rank <= per_kind)
    rows = (await session.execute(query)).all()
    mentors = [
        MentorProfile(
            person_id=pid,
            industry=industry,
            postcode=postcode,
            languages=tuple(str(lang) for lang in languages or ()),
            availability=availability,
            capacity=capacity,
            open_matches=int(n),
            first_name=first,
        )
        for pid, first, industry, postcode, languages, availability, capacity, n, _, _ in rows
    ]
    if not rows and per_kind == 0:  # no row carries the counts: count them on their own
        return MentorPool([], *await free_places(session, programme_id))
    head = rows[0] if rows else None
    return MentorPool(
        mentors, int(head.with_room) if head else 0, int(head.places or 0) if head else 0
    )


async def available_mentors(
    session: AsyncSession, programme_id: int, *, per_kind: int | None = None
) -> list[MentorProfile]:
    """`mentor_pool`'s mentors."""
    return (await mentor_pool(session, programme_id, per_kind=per_kind)).mentors


async def free_places(session: AsyncSession, programme_id: int) -> tuple[int, int]:
    """How many approved, active mentors have room now, and how many free places they have."""
    mentors, places = (
        await session.execute(
            mentors_with_room(programme_id, func.count(), func.sum(Mentor.capacity - TAKEN))
        )
    ).one()
    return int(mentors or 0), int(places or 0)


async def _youth_of(session: AsyncSession, youth_id: int) -> tuple[Person, YouthProfile]:
    row = (
        await session.execute(
            select(Person, Youth)
            .join(Youth, Youth.person_id == Person.id)
            .where(Person.id == youth_id)
        )
    ).first()
    if row is None:
        raise NotFound("youth", youth_id)
    return row[0], _youth_profile(row[0], row[1])


async def suggestions_for(
    session: AsyncSession, youth_id: int, *, limit: int | None = 3
) -> list[Suggestion]:
    """The youth's best mentors with room, best first; `limit=None`: every one of them."""
    person, youth = await _youth_of(session, youth_id)
    mentors = await available_mentors(session, person.programme_id, per_kind=limit)
    return suggest(youth, mentors, limit=limit)


@dataclass(frozen=True)
class MatchOptions:
    options: list[Suggestion]  # one page of the mentors with room, best first
    total: int  # every approved, active mentor with room now
    chosen: Suggestion | None  # the mentor asked for (if they have room), wherever they rank


async def match_options(
    session: AsyncSession,
    youth_id: int,
    *,
    offset: int = 0,
    limit: int = 50,
    mentor_id: int | None = None,
) -> MatchOptions:
    """The matching page, where the coordinator may pick any approved mentor with a free
    place: one page of them, best first (only as many mentors read as the pages up to this one
    need), and the chosen one's score and reasons (a mentor's score does not depend on the
    others)."""
    person, youth = await _youth_of(session, youth_id)
    pool = await mentor_pool(session, person.programme_id, per_kind=offset + limit)
    ranked = suggest(youth, pool.mentors, limit=offset + limit)
    chosen = next((o for o in ranked if o.mentor.person_id == mentor_id), None)
    if chosen is None and mentor_id is not None:
        one = await mentor_pool(session, person.programme_id, only=mentor_id)
        chosen = next(iter(suggest(youth, one.mentors, limit=1)), None)
    return MatchOptions(ranked[offset:], pool.with_room, chosen)


async def batch_proposals(session: AsyncSession, programme_id: int) -> list[Proposal]:
    youths = await waiting_youths(session, programme_id)
    mentors = await available_mentors(session, programme_id, per_kind=len(youths))
    return batch(youths, mentors)

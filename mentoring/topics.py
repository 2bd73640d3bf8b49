"""What a pair works on: the investment proposal's seven topics, asked at the youth's sign-up,
tagged by either side after a meeting, suggested between meetings, counted in the report.

The youth's wishes are `Youth.topics` (codes of TOPICS, in the order chosen) with "other" in
their own words in `Youth.topics_text`. A topic is *talked about* once either side has tagged it
for the pair (`PairTopic`); the youth's topics not yet talked about are the pair's *open* topics,
which the weekly suggestion draws from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import MatchStatus
from storage.models import Match, PairTopic, Youth

# The proposal's topics, in the order the sign-up question lists them (numbers 1-7 on SMS);
# OTHER is number 8 and means "in my own words". Their words: templates/messages/topic_label.j2.
TOPICS = (
    "job_search",
    "education_work",
    "job_openings",
    "own_life",
    "everyday",
    "work_identity",
    "social_skills",
)
OTHER = "other"
CHOICES = (*TOPICS, OTHER)


def known(codes: Iterable[str]) -> list[str]:
    """The codes that are topics, each once, in the order given (an unknown code is dropped)."""
    seen: list[str] = []
    for code in codes:
        if code in CHOICES and code not in seen:
            seen.append(code)
    return seen


async def talked_about(session: AsyncSession, match_id: int) -> list[str]:
    """The topics tagged for the pair so far, each once, first tagged first."""
    rows = await session.scalars(
        select(PairTopic.topic)
        .where(PairTopic.match_id == match_id)
        .order_by(PairTopic.tagged_at, PairTopic.id)
    )
    return known(rows)


async def open_topics(session: AsyncSession, match: Match) -> list[str]:
    """The youth's wished-for topics the pair has not tagged yet, in the youth's order."""
    youth = await session.get(Youth, match.youth_id)
    wished = known(youth.topics if youth is not None else [])
    done = set(await talked_about(session, match.id))
    return [t for t in wished if t not in done and t != OTHER]


async def tag(
    session: AsyncSession,
    match_id: int,
    topics: Iterable[str],
    *,
    by: int | None,
    now: datetime,
    meeting_id: int | None = None,
) -> list[str]:
    """Record that the pair talked about `topics` (at `meeting_id`, if any); a topic already
    tagged for the same meeting is not counted twice (both sides may tag it). Returns the new
    tags."""
    already: set[str] = set()
    if meeting_id is not None:
        already = set(
            await session.scalars(
                select(PairTopic.topic).where(
                    PairTopic.match_id == match_id, PairTopic.meeting_id == meeting_id
                )
            )
        )
    added = [t for t in known(topics) if t not in already]
    for topic in added:
        session.add(
            PairTopic(
                match_id=match_id, meeting_id=meeting_id, topic=topic, tagged_by=by, tagged_at=now
            )
        )
    await session.flush()
    return added


async def wishes(session: AsyncSession, youth_id: int) -> tuple[list[str], str | None]:
    """The youth's topics and their own words for "other"."""
    youth = await session.get(Youth, youth_id)
    if youth is None:
        return [], None
    return known(youth.topics), youth.topics_text


async def pair_topics(
    session: AsyncSession, match_ids: Iterable[int]
) -> dict[int, dict[str, list[str]]]:
    """For each pair: the youth's `wished` topics and the topics `talked` about (dashboard)."""
    ids = list(match_ids)
    if not ids:
        return {}
    found: dict[int, dict[str, list[str]]] = {}
    rows = await session.execute(
        select(Match.id, Youth.topics)
        .join(Youth, Youth.person_id == Match.youth_id)
        .where(Match.id.in_(ids))
    )
    for match_id, wished in rows.all():
        found[match_id] = {"wished": known(wished or []), "talked": []}
    tagged = await session.execute(
        select(PairTopic.match_id, PairTopic.topic)
        .where(PairTopic.match_id.in_(ids))
        .order_by(PairTopic.tagged_at, PairTopic.id)
    )
    for match_id, topic in tagged.all():
        talked = found.setdefault(match_id, {"wished": [], "talked": []})["talked"]
        if topic not in talked:
            talked.append(topic)
    return found


async def topic_counts(
    session: AsyncSession, programme_id: int, start: datetime, end: datetime
) -> tuple[dict[int, Counter[str]], Counter[str]]:
    """Topics talked about, tagged in [start, end): per pair, the times each topic was tagged
    (one per meeting: both sides tagging the same meeting count once), and overall, the number
    of pairs that talked about each topic. Pairs of the programme that were accepted."""
    rows = await session.execute(
        select(PairTopic.match_id, PairTopic.topic, func.count())
        .join(Match, Match.id == PairTopic.match_id)
        .where(
            Match.programme_id == programme_id,
            Match.status != MatchStatus.PROPOSED,
            PairTopic.tagged_at >= start,
            PairTopic.tagged_at < end,
        )
        .group_by(PairTopic.match_id, PairTopic.topic)
    )
    per_pair: dict[int, Counter[str]] = {}
    overall: Counter[str] = Counter()
    for match_id, topic, times in rows.all():
        per_pair.setdefault(match_id, Counter())[topic] = int(times)
        overall[topic] += 1
    return per_pair, overall

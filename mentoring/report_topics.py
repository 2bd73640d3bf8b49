"""The committee report's topic sheets: which of the proposal's topics the pairs worked on.

Figures, for the report's period (local days `start`..`end`, tags counted by when they were
made): per pair and topic, the meetings at which either side tagged it (both sides tagging the
same meeting count once); overall, per topic, the pairs that talked about it, the meetings it was
tagged at, and the youths of the programme who asked for help with it at sign-up (everyone not
erased, matched or not, as the report is made: an imported youth has no sign-up date here).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import Role
from mentoring.report_sheets import Sheet, WordsLike
from mentoring.topics import CHOICES, known, topic_counts
from storage.models import Person, Youth


@dataclass(frozen=True)
class TopicFigures:
    per_pair: dict[int, Counter[str]] = field(default_factory=dict)  # match -> topic -> meetings
    wished: Counter[str] = field(default_factory=Counter)  # topic -> youths who asked for it

    def pairs(self, topic: str) -> int:
        return sum(1 for counts in self.per_pair.values() if counts[topic])

    def meetings(self, topic: str) -> int:
        return sum(counts[topic] for counts in self.per_pair.values())


async def topic_figures(
    session: AsyncSession, programme_id: int, start: datetime, end: datetime
) -> TopicFigures:
    """Tags made in [start, end) and the wishes of the programme's youths now."""
    per_pair, _ = await topic_counts(session, programme_id, start, end)
    wishes = await session.scalars(
        select(Youth.topics)
        .join(Person, Person.id == Youth.person_id)
        .where(
            Person.programme_id == programme_id,
            Person.role == Role.YOUTH,
            Person.erased_at.is_(None),
        )
    )
    wished: Counter[str] = Counter()
    for topics in wishes:
        wished.update(known(topics or []))
    return TopicFigures(per_pair, wished)


def topic_sheets(
    figures: TopicFigures, names: dict[int, tuple[str, str]], w: WordsLike
) -> list[Sheet]:
    """Overall (a row per topic, all topics listed) and per pair (a row per pair and topic)."""
    overall = Sheet(
        "topics",
        [w(k) for k in ("tp_topic", "tp_pairs", "tp_meetings", "tp_wished")],
        [
            [w("tp_label", code=code), figures.pairs(code), figures.meetings(code),
             figures.wished[code]]
            for code in CHOICES
        ],
    )  # fmt: skip
    rows: list[list[str | int | None]] = []
    for match_id in sorted(figures.per_pair):
        youth, mentor = names.get(match_id, ("", ""))
        for code in CHOICES:
            if figures.per_pair[match_id][code]:
                rows.append(
                    [match_id, youth, mentor, w("tp_label", code=code),
                     figures.per_pair[match_id][code]]
                )  # fmt: skip
    per_pair = Sheet(
        "topics_pairs",
        [w(k) for k in ("match_id", "youth", "mentor", "tp_topic", "tp_meetings")],
        rows,  # type: ignore[arg-type]
    )
    return [overall, per_pair]

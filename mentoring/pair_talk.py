"""What the coordinator sees of a pair's conversation: the youth's topics, those talked about,
and how many messages the two passed to each other through BESKED (a count, never the text)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.relay import counts
from mentoring.topics import pair_topics


@dataclass(frozen=True)
class PairTalk:
    wished: list[str] = field(default_factory=list)  # the youth's topics, in their order
    talked: list[str] = field(default_factory=list)  # tagged by either side, first tagged first
    relayed: int = 0  # messages passed on either way over the pair's life, as of the query

    @property
    def open(self) -> list[str]:
        return [t for t in self.wished if t not in self.talked and t != "other"]


async def talk_by_pair(session: AsyncSession, match_ids: Iterable[int]) -> dict[int, PairTalk]:
    ids = list(match_ids)
    topics = await pair_topics(session, ids)
    relayed = await counts(session, ids)
    return {
        i: PairTalk(
            topics.get(i, {}).get("wished", []),
            topics.get(i, {}).get("talked", []),
            relayed.get(i, 0),
        )
        for i in ids
    }

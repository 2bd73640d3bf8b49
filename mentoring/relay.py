"""Messages between the two sides of a running pair, passed on by us (BESKED <text>).

The text goes to the other side through their own reachable channel with the sender's first name,
so neither side ever sees the other's number, chat id or e-mail. We keep no copy of the text: it
lives only in the outbox row that carries it, which the retention purge and an erasure blank like
every other message body; a `RelayedMessage` row records only that a message was passed on, so
the coordinator can see how much a pair writes (counts), never what. CPR numbers are refused
before any text reaches here (bot.engine, mentoring/cpr.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import MatchStatus
from mentoring import outbound
from messaging.render import Renderer
from storage.models import Match, Person, RelayedMessage

# Longer texts are asked to be shortened: the relayed text must fit two SMS segments with its
# "Besked fra <navn>:" and the how-to-answer line.
MAX_LENGTH = 240


async def running_pairs(session: AsyncSession, person_id: int) -> list[tuple[Match, str]]:
    """The person's running pairs, newest first, each with the other side's first name."""
    matches = list(
        await session.scalars(
            select(Match)
            .where(
                (Match.youth_id == person_id) | (Match.mentor_id == person_id),
                Match.status == MatchStatus.ACTIVE,
            )
            .order_by(Match.proposed_at.desc(), Match.id.desc())
        )
    )
    named: list[tuple[Match, str]] = []
    for match in matches:
        other = await session.get(Person, match.other(person_id))
        named.append((match, (other.first_name if other else None) or ""))
    return named


async def forward(
    session: AsyncSession,
    renderer: Renderer,
    match: Match,
    sender: Person,
    body: str,
    *,
    now: datetime,
) -> bool:
    """Pass `body` on to the other side of `match`; False when they cannot be reached now
    (no reachable channel, paused, erased), and then nothing is recorded."""
    if match.status != MatchStatus.ACTIVE or not match.has(sender.id):
        return False
    receiver = match.other(sender.id)
    queued = await outbound.say(
        session,
        renderer,
        receiver,
        "relay_message",
        {"sender_name": sender.first_name or "", "body": body},
        options=(outbound.Option(f"relay:{match.id}", "label_reply"),),
    )
    if queued is None:
        return False
    session.add(RelayedMessage(match_id=match.id, sender_id=sender.id, sent_at=now))
    return True


async def counts(session: AsyncSession, match_ids: Iterable[int]) -> dict[int, int]:
    """Messages passed on per pair, both directions, over the pair's whole life so far (as of
    the query): the coordinator's view of how much a pair writes between meetings."""
    ids = list(match_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(RelayedMessage.match_id, func.count())
        .where(RelayedMessage.match_id.in_(ids))
        .group_by(RelayedMessage.match_id)
    )
    return {match_id: int(n) for match_id, n in rows.all()}

"""Between meetings, one suggestion of what to talk about, drawn from the youth's open topics
(wished for at sign-up and not yet tagged by the pair: mentoring/topics.py).

At most one a week per pair: the rows form a chain (`topic_suggestion:<match>:<round>`), each
due 7 local days after the one before at the programme's sending time and moved out of quiet
hours; the first is due 7 days after the pair starts. A row acts only while the pair runs and
has an open topic, and is skipped (the chain moves on) when the pair meets within the next two
days anyway. The rounds cycle through the open topics, so an untouched one comes back later.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import UPCOMING
from mentoring import outbound
from mentoring.followups.context import DONE, Ctx, Result, dropped
from mentoring.followups.questions import running_match
from mentoring.followups.rows import on_day, schedule
from mentoring.pairs import partner_name
from mentoring.topics import open_topics
from storage.models import FollowUp, Match, Meeting

EVERY = timedelta(days=7)
MEETING_SOON = timedelta(days=2)


async def plan(session: AsyncSession, match: Match, day: date, tz: ZoneInfo, n: int = 1) -> None:
    """Plan round `n` for `day` (planning it again moves it while pending); nothing when the
    pair ends first or has no open topic left."""
    if match.ends_on is not None and day >= match.ends_on:
        return
    if not await open_topics(session, match):
        return
    await schedule(
        session,
        f"topic_suggestion:{match.id}:{n}",
        "topic_suggestion",
        on_day(day, tz),
        programme_id=match.programme_id,
        match_id=match.id,
        payload={"round": n},
    )


async def act(ctx: Ctx, fu: FollowUp) -> Result:
    match = await running_match(ctx, fu)
    if match is None:
        return dropped("match not active")
    n = int(fu.payload.get("round", 1))
    topics = await open_topics(ctx.session, match)
    if not topics:
        return dropped("no open topics")
    await plan(ctx.session, match, ctx.today + EVERY, ctx.tz, n + 1)
    soon = await ctx.session.scalar(
        select(
            exists().where(
                Meeting.match_id == match.id,
                Meeting.status.in_(UPCOMING),
                Meeting.starts_at > ctx.now,
                Meeting.starts_at <= ctx.now + MEETING_SOON,
            )
        )
    )
    if soon:
        return dropped("meeting within two days")
    topic = topics[(n - 1) % len(topics)]
    for person_id in (match.youth_id, match.mentor_id):
        partner = await partner_name(ctx.session, match, person_id)
        await outbound.say(
            ctx.session,
            ctx.renderer,
            person_id,
            "followup_topic_suggestion",
            {"topic": topic, "partner_name": partner, "for_youth": person_id == match.youth_id},
            not_before=ctx.send_at,
            dedupe_key=f"fu:{fu.key}:{person_id}"[:120],
        )
    return DONE

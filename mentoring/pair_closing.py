"""The pair lifecycle after the end date (README.md, "The seven targets").

Every day, an active pair 14 days past its end date is closed "completed" when every month of its
term had activity (a held meeting or reported hours); otherwise the coordinator gets one inbox
item to decide, and the pair stays on the "past its end date, not closed" list of the digest and
the pairs page until they close or extend it. Completed cannot be chosen before the end date
(`mentoring.matches.close_match`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import add_months, local_date
from core.runtime import Runtime
from core.statuses import MatchStatus, MeetingStatus
from mentoring import inbox
from mentoring.audit import record
from mentoring.matches import close_match
from mentoring.rules import RULES
from storage.db import unit_of_work
from storage.models import HoursReport, InboxItem, Match, Meeting, Person

log = logging.getLogger(__name__)


@dataclass
class ClosingResult:
    completed: int = 0
    to_decide: int = 0


def term_months(starts_on: date, ends_on: date) -> list[tuple[date, date]]:
    """The term's months as [first day, next month's same day) ranges, the last cut at the end."""
    months, start = [], starts_on
    while start < ends_on:
        end = min(add_months(start, 1), ends_on)
        months.append((start, end))
        start = end
    return months


async def _active_days(session: AsyncSession, match_id: int, runtime: Runtime) -> set[date]:
    tz = runtime.settings.tz
    held = await session.scalars(
        select(Meeting.starts_at).where(
            Meeting.match_id == match_id, Meeting.status == MeetingStatus.HELD
        )
    )
    reported = await session.scalars(
        select(HoursReport.reported_at).where(HoursReport.match_id == match_id)
    )
    return {local_date(at, tz) for at in (*held, *reported)}


async def close_pairs_past_end(runtime: Runtime, now: datetime | None = None) -> ClosingResult:
    """The daily rule: close or raise every active pair `close_after_days` past its end date."""
    now = now or runtime.clock()
    today = local_date(now, runtime.settings.tz)
    result = ClosingResult()
    async with unit_of_work(runtime.sessions) as session:
        due = (
            await session.scalars(
                select(Match).where(
                    Match.status == MatchStatus.ACTIVE,
                    Match.ends_on <= today - timedelta(days=RULES.close_after_days),
                )
            )
        ).all()
        for match in due:
            assert match.starts_on is not None and match.ends_on is not None
            days = await _active_days(session, match.id, runtime)
            months = term_months(match.starts_on, match.original_ends_on or match.ends_on)
            if all(any(a <= d < b for d in days) for a, b in months):
                await close_match(
                    session, match.id, "completed", now=now, today=today, tz=runtime.settings.tz
                )
                await record(session, "rule", "match_closed", "match", match.id,
                             reason="completed", rule="active_every_month")  # fmt: skip
                result.completed += 1
                continue
            raised = await session.scalar(
                select(InboxItem.id).where(
                    InboxItem.match_id == match.id, InboxItem.kind == inbox.Kind.PAIR_PAST_END
                )
            )
            youth = await session.get(Person, match.youth_id)
            if raised is None and youth is not None:
                await inbox.put(session, youth, inbox.Kind.PAIR_PAST_END, now=now, match=match)
                result.to_decide += 1
    log.info("pairs past end", extra={"completed": result.completed, "to_decide": result.to_decide})
    return result

"""Where a running pair stands, for STATUS ("hvornår ses vi", "hvor mange timer"): the next
meeting, this month's hours against the commitment, the days left and what to do next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import MeetingStatus
from mentoring.hours import MonthHours, month_total
from mentoring.meetings import open_meetings
from storage.models import Match, Meeting


@dataclass(frozen=True)
class PairStatus:
    next_meeting: Meeting | None  # the pair's first proposed or confirmed meeting still ahead
    hours: MonthHours  # reported for the current local month, both sides, against the goal
    days_left: int  # local days from today until the pair's end date (0: ends today)
    next_step: str  # book, answer, wait, report, on_track

    @property
    def confirmed(self) -> bool:
        return self.next_meeting is not None and self.next_meeting.status == MeetingStatus.CONFIRMED


async def status_of(
    session: AsyncSession, match: Match, person_id: int, *, today: date, now: datetime
) -> PairStatus:
    """The pair's status as `person_id` sees it, as of `now` (their local `today`)."""
    ahead = [m for m in await open_meetings(session, match.id) if m.starts_at > now]
    meeting = ahead[0] if ahead else None
    hours = await month_total(session, match.id, today)
    days_left = max((match.ends_on - today).days, 0) if match.ends_on else 0
    if meeting is None:
        step = "book"
    elif meeting.status == MeetingStatus.PROPOSED:
        step = "wait" if meeting.proposed_by == person_id else "answer"
    else:
        step = "on_track" if hours.met else "report"
    return PairStatus(meeting, hours, days_left, step)

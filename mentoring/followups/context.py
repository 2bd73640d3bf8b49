"""What acting on a due follow-up works with (`Ctx`) and what became of it (`Result`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import local_date
from mentoring import inbox
from mentoring.quiet_hours import next_allowed
from messaging.render import Renderer


@dataclass
class Ctx:
    session: AsyncSession
    renderer: Renderer
    now: datetime
    tz: ZoneInfo  # the programme's (settings.timezone): local days, quiet hours
    # The coordinator's flags (InboxItem rows), written together once the batch has run: one
    # statement instead of a flush per row.
    flags: list[dict[str, Any]] = field(default_factory=list)
    # Each youth's latest outcome date, when the sweep loaded them for the batch in one query
    # (a youth missing from it has none); None: ask per row.
    latest_outcome: dict[int, date] | None = None

    async def write_flags(self) -> None:
        await inbox.add_flags(self.session, self.flags)

    @property
    def send_at(self) -> datetime:
        """Nudges wait for the next allowed time (quiet hours, Sundays, public holidays)."""
        return next_allowed(self.now, self.tz)

    @property
    def today(self) -> date:
        return local_date(self.now, self.tz)


@dataclass(frozen=True)
class Result:
    """What became of a due row: done, dropped (with the reason logged), or postponed."""

    state: str
    reason: str | None = None
    due_at: datetime | None = None


DONE = Result("done")


def dropped(reason: str) -> Result:
    return Result("dropped", reason)

"""An invited mentor's reminder of an event, the day before (10:00 local, or the next allowed
time: quiet hours, Sundays and public holidays). Planned when the invitation goes out, sent only
if the event is still on and the mentor has not said no; one who has not said yes is asked
again (flow `event_rsvp`)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import local_date
from core.statuses import Rsvp
from mentoring import outbound
from mentoring.followups.context import DONE, Ctx, Result, dropped
from mentoring.followups.rows import on_day, schedule
from mentoring.prompts import ask
from storage.models import Event, EventGuest, FollowUp

KIND = "event_reminder"


def reminder_key(event_id: int, guest_id: int) -> str:
    return f"{KIND}:{event_id}:{guest_id}"


async def plan_reminder(
    session: AsyncSession, event: Event, guest: EventGuest, tz: ZoneInfo
) -> None:
    """The day-before reminder of a mentor guest (moved when the event moves and they are
    invited again)."""
    if guest.person_id is None:
        return
    day_before = local_date(event.starts_at, tz) - timedelta(days=1)
    await schedule(
        session,
        reminder_key(event.id, guest.id),
        KIND,
        on_day(day_before, tz),
        programme_id=event.programme_id,
        person_id=guest.person_id,
        payload={"event_id": event.id, "guest_id": guest.id},
    )


async def act_reminder(ctx: Ctx, fu: FollowUp) -> Result:
    guest = await ctx.session.get(EventGuest, fu.payload.get("guest_id"))
    event = await ctx.session.get(Event, fu.payload.get("event_id"))
    if guest is None or event is None or guest.person_id is None:
        return dropped("guest gone")
    if event.cancelled_at is not None:
        return dropped("event cancelled")
    if guest.rsvp == Rsvp.NO:
        return dropped("said no")
    if ctx.send_at >= event.starts_at:
        return dropped("event has started")
    coming = guest.rsvp == Rsvp.YES
    context = {
        "event_title": event.title,
        "starts_at": event.starts_at,
        "place": event.place or "",
        "coming": coming,
    }
    key = f"fu:{fu.key}"[:120]
    if coming:
        message = await outbound.say(
            ctx.session, ctx.renderer, guest.person_id, "event_reminder", context,
            not_before=ctx.send_at, dedupe_key=key,
        )  # fmt: skip
    else:  # not answered yet, or maybe: asked again, the answer read by the flow
        message = await ask(
            ctx.session, ctx.renderer, guest.person_id, "event_rsvp", {"guest_id": guest.id},
            "event_reminder", context, now=ctx.now, not_before=ctx.send_at, dedupe_key=key,
            options=(outbound.Option("yes", "label_yes"), outbound.Option("no", "label_no")),
        )  # fmt: skip
    return DONE if message is not None else dropped("unreachable")

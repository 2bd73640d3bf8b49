"""The inbox as the coordinator's work queue: who takes an item, when it comes back, the reply.

`mentoring.inbox` alone adds items; this module works them: a view of the queue (open, mine,
snoozed, done, all) a page at a time, assigning to a coordinator, snoozing to a day (the item
is out of "open" until that day starts), a reply to the person through their own channel, and
done. A reply goes through `mentoring.outbound.say` (so the person's reachable channel, their
language, and the outbox), in the `coordinator_reply` template that says who it is from; a CPR
number in it is refused (`mentoring.cpr`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import Role
from mentoring.cpr import contains_cpr
from mentoring.errors import DomainError, NotFound
from mentoring.outbound import say
from mentoring.quiet_hours import is_quiet_day
from messaging.render import Renderer
from storage.models import Coordinator, InboxItem, OutboxMessage, Person

SATURDAY = 5
REPLY_MAX = 280  # characters: with "Fra din koordinator Anna: " it stays within two SMS


class View(StrEnum):
    OPEN = "open"  # not done and not snoozed past today: the queue
    MINE = "mine"  # open and assigned to the coordinator looking
    SNOOZED = "snoozed"  # put off to a later day
    DONE = "done"
    ALL = "all"


def _in_view(view: View, today: date, coordinator_id: int) -> list[ColumnElement[bool]]:
    awake = or_(InboxItem.snoozed_until.is_(None), InboxItem.snoozed_until <= today)
    if view == View.OPEN:
        return [InboxItem.handled_at.is_(None), awake]
    if view == View.MINE:
        return [InboxItem.handled_at.is_(None), awake, InboxItem.assigned_to == coordinator_id]
    if view == View.SNOOZED:
        return [InboxItem.handled_at.is_(None), InboxItem.snoozed_until > today]
    if view == View.DONE:
        return [InboxItem.handled_at.is_not(None)]
    return []


async def queue(
    session: AsyncSession,
    programme_id: int,
    view: View,
    *,
    today: date,
    coordinator_id: int,
    offset: int = 0,
    limit: int = 50,
) -> tuple[Sequence[Row[InboxItem, str | None, Role | None, str | None]], int]:
    """One page of the view, oldest waiting first (done: newest first), each item with its
    person's first name and role and its assignee's name; and the view's size."""
    where = [InboxItem.programme_id == programme_id, *_in_view(view, today, coordinator_id)]
    total = await session.scalar(select(func.count()).select_from(InboxItem).where(*where))
    order = (
        InboxItem.handled_at.desc()
        if view == View.DONE
        else InboxItem.created_at.asc()
        if view != View.ALL
        else InboxItem.created_at.desc()
    )
    rows = (
        await session.execute(
            select(
                InboxItem,
                Person.first_name,
                Person.role,
                func.coalesce(Coordinator.name, Coordinator.email),
            )
            .outerjoin(Person, Person.id == InboxItem.person_id)
            .outerjoin(Coordinator, Coordinator.id == InboxItem.assigned_to)
            .where(*where)
            .order_by(order, InboxItem.id)
            .offset(offset)
            .limit(limit)
        )
    ).all()
    return rows, int(total or 0)


async def coordinators(session: AsyncSession) -> Sequence[Row[int, str]]:
    """Who an item can be assigned to: every coordinator (not viewers), by name."""
    return (
        await session.execute(
            select(Coordinator.id, func.coalesce(Coordinator.name, Coordinator.email))
            .where(Coordinator.role == "coordinator")
            .order_by(Coordinator.name, Coordinator.id)
        )
    ).all()


async def _item(session: AsyncSession, item_id: int, programme_id: int) -> InboxItem:
    item = await session.get(InboxItem, item_id)
    if item is None or item.programme_id != programme_id:
        raise NotFound("inbox_item", item_id)
    return item


async def assign(
    session: AsyncSession, item_id: int, programme_id: int, coordinator_id: int | None
) -> InboxItem:
    """Give the item to a coordinator (None: to nobody)."""
    item = await _item(session, item_id, programme_id)
    if coordinator_id is not None:
        role = await session.scalar(
            select(Coordinator.role).where(Coordinator.id == coordinator_id)
        )
        if role != "coordinator":
            raise DomainError("coordinator_unknown")
    item.assigned_to = coordinator_id
    return item


async def snooze(
    session: AsyncSession, item_id: int, programme_id: int, until: date, *, today: date
) -> InboxItem:
    """Put the item off: it leaves the open queue and comes back on `until` (a later day)."""
    if until <= today:
        raise DomainError("snooze_not_later")
    item = await _item(session, item_id, programme_id)
    item.snoozed_until = until
    return item


async def done(
    session: AsyncSession, item_id: int, programme_id: int, *, now: datetime
) -> InboxItem:
    """Dealt with; done twice keeps the first time."""
    item = await _item(session, item_id, programme_id)
    item.handled_at = item.handled_at or now
    return item


async def reply(
    session: AsyncSession,
    renderer: Renderer,
    item_id: int,
    programme_id: int,
    text: str,
    *,
    coordinator_name: str | None,
) -> OutboxMessage:
    """Answer the item's person where they can be reached, saying it is from the coordinator.

    Refused with a CPR number in it, when too long for two text messages, and when the person
    cannot be reached (no working contact point, paused or erased)."""
    body = " ".join(text.split())
    if not body:
        raise DomainError("dashboard_field_missing", field="text")
    if contains_cpr(body):
        raise DomainError("cpr_refused")
    if len(body) > REPLY_MAX:
        raise DomainError("reply_too_long", max=REPLY_MAX)
    item = await _item(session, item_id, programme_id)
    if item.person_id is None:
        raise DomainError("reply_unreachable")
    sent = await say(
        session,
        renderer,
        item.person_id,
        "coordinator_reply",
        {"coordinator": coordinator_name, "text": body},
    )
    if sent is None:
        raise DomainError("reply_unreachable")
    return sent


# The coordinator answers on working days (Monday to Friday, not Danish public holidays): what
# reaches the inbox before ANSWER_CUTOFF on a working day is answered that day, anything later
# on the next working day. "Du får svar snart" names that day.
ANSWER_CUTOFF = time(14, 0)


def answer_day(now: datetime, tz: ZoneInfo) -> date:
    """The day a person who writes to the coordinator now is told to expect an answer."""
    local = now.astimezone(tz)
    day = local.date()
    if _working(day) and local.time() < ANSWER_CUTOFF:
        return day
    day += timedelta(days=1)
    while not _working(day):
        day += timedelta(days=1)
    return day


def _working(day: date) -> bool:
    return day.weekday() < SATURDAY and not is_quiet_day(day)

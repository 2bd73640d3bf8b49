"""The Task Force (business leaders who drive the targets and spread the word) and the steering
group (follows progress): their members, and what their meetings decided.

A group's meeting is an event of kind `task_force` or `steering_group` (mentoring/events.py);
its minutes are kept on the event and each decided action is a row with an owner, a due date
and the day it was done. The action list shows the open ones first, by due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import GROUP_MEETINGS
from mentoring.addresses import normalise_email
from mentoring.digest_model import Target
from mentoring.errors import DomainError, NotFound
from mentoring.events import get_event
from mentoring.targets import targets
from storage.models import Company, Event, EventAction, GroupMember, Programme
from storage.targets import measure_targets

__all__ = ["GROUPS", "EventAction", "GroupMember"]

GROUPS = ("task_force", "steering_group")


@dataclass(frozen=True)
class MemberFields:
    group: str
    name: str
    role: str | None = None
    company_id: int | None = None
    email: str | None = None
    phone: str | None = None


async def add_member(session: AsyncSession, programme_id: int, fields: MemberFields) -> GroupMember:
    if fields.group not in GROUPS:
        raise DomainError("dashboard_field_invalid", field="group")
    if not fields.name.strip():
        raise DomainError("dashboard_field_missing", field="name")
    if fields.company_id is not None and await session.get(Company, fields.company_id) is None:
        raise NotFound("company", fields.company_id)
    member = GroupMember(
        programme_id=programme_id,
        group_name=fields.group,
        name=fields.name.strip()[:160],
        role=(fields.role or "").strip()[:120] or None,
        company_id=fields.company_id,
        email=normalise_email(fields.email) if fields.email else None,
        phone=(fields.phone or "").strip()[:20] or None,
    )
    session.add(member)
    await session.flush()
    return member


async def set_active(session: AsyncSession, member_id: int, active: bool) -> GroupMember:
    member = await session.get(GroupMember, member_id)
    if member is None:
        raise NotFound("member", member_id)
    member.active = active
    return member


async def members_of(
    session: AsyncSession, programme_id: int
) -> list[tuple[GroupMember, str | None]]:
    """Every member with their company's name: by group, active first, then by name."""
    rows = await session.execute(
        select(GroupMember, Company.name)
        .outerjoin(Company, Company.id == GroupMember.company_id)
        .where(GroupMember.programme_id == programme_id)
        .order_by(GroupMember.group_name, GroupMember.active.desc(), GroupMember.name)
    )
    return [(m, c) for m, c in rows.all()]


async def write_minutes(session: AsyncSession, event_id: int, minutes: str) -> Event:
    event = await _meeting(session, event_id)
    event.minutes = minutes.strip() or None
    return event


async def add_action(
    session: AsyncSession,
    event_id: int,
    text: str,
    owner: str,
    *,
    due_on: date | None,
    member_id: int | None = None,
) -> EventAction:
    await _meeting(session, event_id)
    if not text.strip():
        raise DomainError("dashboard_field_missing", field="text")
    if not owner.strip() and member_id is None:
        raise DomainError("dashboard_field_missing", field="owner")
    if member_id is not None:
        member = await session.get(GroupMember, member_id)
        if member is None:
            raise NotFound("member", member_id)
        owner = owner.strip() or member.name
    action = EventAction(
        event_id=event_id,
        text=text.strip()[:500],
        owner=owner.strip()[:160],
        member_id=member_id,
        due_on=due_on,
    )
    session.add(action)
    await session.flush()
    return action


async def mark_done(session: AsyncSession, action_id: int, on: date | None) -> EventAction:
    """Done on `on`; None opens it again."""
    action = await session.get(EventAction, action_id)
    if action is None:
        raise NotFound("action", action_id)
    action.done_on = on
    return action


@dataclass(frozen=True)
class ActionRow:
    action: EventAction
    event: Event


async def actions_of(
    session: AsyncSession, *, programme_id: int | None = None, event_id: int | None = None
) -> list[ActionRow]:
    """Actions of one meeting or of every group meeting: open ones first by due date (no date
    last), then the done ones, latest first."""
    query = select(EventAction, Event).join(Event, Event.id == EventAction.event_id)
    if event_id is not None:
        query = query.where(EventAction.event_id == event_id)
    if programme_id is not None:
        query = query.where(Event.programme_id == programme_id)
    rows = [ActionRow(a, e) for a, e in (await session.execute(query)).all()]
    open_rows = sorted(
        (r for r in rows if r.action.done_on is None),
        key=lambda r: (r.action.due_on is None, r.action.due_on or date.max, r.action.id),
    )
    done = sorted(
        (r for r in rows if r.action.done_on is not None),
        key=lambda r: (r.action.done_on or date.min, r.action.id),
        reverse=True,
    )
    return open_rows + done


async def _meeting(session: AsyncSession, event_id: int) -> Event:
    event = await get_event(session, event_id)
    if event.kind not in GROUP_MEETINGS:
        raise DomainError("event_not_a_meeting")
    return event


async def targets_for_groups(
    session: AsyncSession, programme: Programme, now: datetime, today: date, tz: ZoneInfo
) -> list[Target]:
    """The seven targets as of now, as the overview shows them: figures only, no names and no
    contact details (what the Task Force and the steering group may see)."""
    figures = await measure_targets(session, programme, now, today, tz, ids=False)
    return targets(programme, today, figures)

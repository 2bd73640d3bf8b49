"""What a coordinator works from on a person's page and a pair's page, read in one place.

Contact points come masked; the full address is handed out only by `reveal_contact`, which
writes an audit row. Message bodies are shown only within the programme's body-retention period
(`Programme.retain_bodies_days`); older rows say how long bodies are kept instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from logsetup import mask_email, mask_phone
from mentoring.audit import record
from mentoring.calls import Call, calls_to
from mentoring.errors import NotFound
from mentoring.notes import NoteView, notes_about
from mentoring.people import age_in, resolve_target_group
from storage.models import (
    CheckinAnswer,
    Company,
    Consent,
    ContactPoint,
    FollowUp,
    HoursReport,
    InboxItem,
    Match,
    Meeting,
    Mentor,
    OutboxMessage,
    Person,
    Programme,
    Youth,
)


@dataclass(frozen=True)
class Contact:
    id: int
    channel: str
    shown: str  # masked, or the full address once revealed
    state: str
    verified: bool
    revealed: bool


@dataclass(frozen=True)
class Message:
    """A message out (the outbox) or in (what reached the coordinator's inbox)."""

    at: datetime
    direction: str  # out / in
    channel: str | None
    what: str  # the template (out) or the inbox kind (in)
    status: str | None  # out: pending, sent, delivered, failed, dead
    body: str | None  # None: outside the retention period, or erased


@dataclass(frozen=True)
class TimelineItem:
    key: str
    kind: str
    state: str  # pending, done, dropped, held
    at: datetime  # when it did (done_at) or will (due_at) act
    person_id: int | None


@dataclass(frozen=True)
class PairSide:
    match: Match
    partner_id: int
    partner_name: str


@dataclass(frozen=True)
class PairView:
    match: Match
    youth: Person
    mentor: Person
    company: str | None
    meetings: list[Meeting]
    hours_by_month: list[tuple[date, float]]
    answers: list[CheckinAnswer]
    calls: list[Call]
    notes: list[NoteView]
    timeline: list[TimelineItem]


@dataclass(frozen=True)
class PersonView:
    person: Person
    youth: Youth | None
    mentor: Mentor | None
    company: str | None
    contacts: list[Contact]
    consents: list[Consent]
    pairs: list[PairSide]
    messages: list[Message]
    notes: list[NoteView]
    timeline: list[TimelineItem]
    retain_days: int


def _mask(point: ContactPoint) -> str:
    if point.channel == "email":
        return mask_email(point.address)
    if point.channel == "sms":
        return mask_phone(point.address)
    return point.address[:2] + "***" if len(point.address) > 4 else "***"


async def _timeline(session: AsyncSession, *where: object) -> list[TimelineItem]:
    rows = await session.scalars(
        select(FollowUp).where(or_(*where)).order_by(FollowUp.due_at, FollowUp.id)  # type: ignore[arg-type]
    )
    return [
        TimelineItem(f.key, f.kind, str(f.state), f.done_at or f.due_at, f.person_id) for f in rows
    ]


async def pair_view(session: AsyncSession, match_id: int) -> PairView:
    match = await session.get(Match, match_id)
    if match is None:
        raise NotFound("match", match_id)
    youth = await session.get(Person, match.youth_id)
    mentor = await session.get(Person, match.mentor_id)
    assert youth is not None and mentor is not None
    company = await session.scalar(
        select(Company.name)
        .join(Mentor, Mentor.company_id == Company.id)
        .where(Mentor.person_id == match.mentor_id)
    )
    meetings = list(
        await session.scalars(
            select(Meeting).where(Meeting.match_id == match_id).order_by(Meeting.starts_at)
        )
    )
    hours = await session.execute(
        select(HoursReport.month, func.sum(HoursReport.minutes))
        .where(HoursReport.match_id == match_id)
        .group_by(HoursReport.month)
        .order_by(HoursReport.month)
    )
    answers = list(
        await session.scalars(
            select(CheckinAnswer)
            .where(CheckinAnswer.match_id == match_id)
            .order_by(CheckinAnswer.answered_at)
        )
    )
    return PairView(
        match=match,
        youth=youth,
        mentor=mentor,
        company=company,
        meetings=meetings,
        hours_by_month=[(month, int(total or 0) / 60) for month, total in hours.all()],
        answers=answers,
        calls=await calls_to(session, match_id),
        notes=await notes_about(session, match_ids=(match_id,)),
        timeline=await _timeline(session, FollowUp.match_id == match_id),
    )


async def person_view(
    session: AsyncSession, person_id: int, *, now: datetime, revealed: int | None = None
) -> PersonView:
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound("person", person_id)
    programme = await session.get(Programme, person.programme_id)
    retain = programme.retain_bodies_days if programme is not None else 30
    youth = await session.get(Youth, person_id)
    mentor = await session.get(Mentor, person_id)
    company = (
        await session.scalar(select(Company.name).where(Company.id == mentor.company_id))
        if mentor is not None and mentor.company_id
        else None
    )
    points = await session.scalars(
        select(ContactPoint).where(ContactPoint.person_id == person_id).order_by(ContactPoint.id)
    )
    contacts = [
        Contact(
            p.id,
            p.channel,
            p.address if p.id == revealed else _mask(p),
            p.state,
            p.verified,
            p.id == revealed,
        )
        for p in points
    ]
    consents = list(
        await session.scalars(
            select(Consent).where(Consent.person_id == person_id).order_by(Consent.given_at)
        )
    )
    matches = list(
        await session.scalars(
            select(Match)
            .where((Match.youth_id == person_id) | (Match.mentor_id == person_id))
            .order_by(Match.proposed_at.desc(), Match.id.desc())
        )
    )
    partners = {
        p.id: p.first_name or ""
        for p in await session.scalars(
            select(Person).where(Person.id.in_([m.other(person_id) for m in matches]))
        )
    }
    cut = now - timedelta(days=retain)
    outgoing = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.person_id == person_id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(100)
    )
    incoming = await session.scalars(
        select(InboxItem)
        .where(InboxItem.person_id == person_id)
        .order_by(InboxItem.created_at.desc(), InboxItem.id.desc())
        .limit(100)
    )
    messages = [
        Message(
            m.created_at, "out", m.channel, m.template, str(m.status),
            m.body if m.created_at >= cut else None,
        )
        for m in outgoing
    ] + [
        Message(i.created_at, "in", None, i.kind, None, i.body if i.created_at >= cut else None)
        for i in incoming
    ]  # fmt: skip
    messages.sort(key=lambda m: m.at, reverse=True)
    ids = tuple(m.id for m in matches)
    return PersonView(
        person=person,
        youth=youth,
        mentor=mentor,
        company=company,
        contacts=contacts,
        consents=consents,
        pairs=[
            PairSide(m, m.other(person_id), partners.get(m.other(person_id), "")) for m in matches
        ],
        messages=messages,
        notes=await notes_about(session, person_id=person_id, match_ids=ids),
        timeline=await _timeline(
            session, FollowUp.person_id == person_id, FollowUp.match_id.in_(ids)
        ),
        retain_days=retain,
    )


async def reveal_contact(
    session: AsyncSession, person_id: int, contact_id: int, *, actor: str
) -> int:
    """Show one contact point in full: the audit log says who saw which, and when."""
    point = await session.get(ContactPoint, contact_id)
    if point is None or point.person_id != person_id:
        raise NotFound("contact", contact_id)
    await record(
        session, actor, "contact.revealed", "person", person_id, contact=contact_id,
        channel=point.channel,
    )  # fmt: skip
    return point.id


async def change_situation(
    session: AsyncSession,
    person_id: int,
    situation: str,
    target_group: str | None,
    *,
    today: date,
    actor: str,
) -> Youth:
    """A youth's situation and target group, by the sign-up's rules (they must fit the age and
    each other; no group given: the situation's own), with the change in the audit log."""
    youth = await session.get(Youth, person_id)
    if youth is None:
        raise NotFound("youth", person_id)
    group = await resolve_target_group(
        session, situation, age_in(youth.birth_year, today), target_group or None
    )
    before = {"situation": youth.situation, "target_group": youth.target_group}
    youth.situation, youth.target_group = situation, group
    await record(
        session, actor, "youth.situation_changed", "person", person_id,
        situation=situation, target_group=group, before=before,
    )  # fmt: skip
    return youth

"""Where youths and mentors come from: outreach sources (a caseworker, a school, an event, a Task
Force member, a poster), each with a sign-up code carried in a Telegram deep link
(`/start <code>`) or sent as the first text (`mentoring.signup_codes` reads it), and the
caseworker's referral, which invites a youth by SMS on the caseworker's behalf."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import MATCHED, MatchStatus, PersonStatus, Role
from mentoring import outbound, signup_codes
from mentoring.addresses import normalise_phone, tidy_name
from mentoring.errors import DomainError, NotFound
from messaging.render import Renderer
from storage.models import ContactPoint, Match, OutreachSource, Person, Youth

KINDS = ("caseworker", "school", "event", "task_force", "poster", "other")
AUDIENCES = ("youth", "mentor")
CODE = re.compile(r"[A-Z0-9]{4,20}")
REFERRAL_TEMPLATE = "referral_invite"


async def _code(session: AsyncSession, raw: str | None) -> str:
    """The code typed (4-20 letters and digits, spaces and dashes dropped), or a new one."""
    if not raw:
        return await signup_codes.new_code(session)
    code = re.sub(r"[\s-]", "", raw).upper()
    if not CODE.fullmatch(code):
        raise DomainError("dashboard_field_invalid", field="code")
    return code


async def create_source(
    session: AsyncSession,
    programme_id: int,
    kind: str,
    name: str,
    *,
    audience: str = "youth",
    code: str | None = None,
    created_by: int | None = None,
) -> OutreachSource:
    """A new source with its code (given: 4-20 letters and digits; else six random ones)."""
    if kind not in KINDS:
        raise DomainError("dashboard_field_invalid", field="kind")
    if audience not in AUDIENCES:
        raise DomainError("dashboard_field_invalid", field="audience")
    chosen = await _code(session, code)
    if await session.scalar(select(OutreachSource.id).where(OutreachSource.code == chosen)):
        raise DomainError("source_code_taken", code=chosen)
    source = OutreachSource(
        programme_id=programme_id,
        kind=kind,
        name=tidy_name(name, 120),
        code=chosen,
        audience=audience,
        created_by=created_by,
    )
    session.add(source)
    await session.flush()
    return source


async def sources_of(session: AsyncSession, programme_id: int) -> Sequence[OutreachSource]:
    return (
        await session.scalars(
            select(OutreachSource)
            .where(OutreachSource.programme_id == programme_id)
            .order_by(OutreachSource.kind, OutreachSource.name)
        )
    ).all()


async def refer_youth(
    session: AsyncSession,
    renderer: Renderer,
    programme_id: int,
    source_id: int,
    first_name: str,
    phone: str,
    *,
    now: datetime,
) -> Person:
    """A caseworker's referral: someone in sign-up, reachable at the number given, attributed to
    the caseworker's source, and an SMS inviting them. Their answer starts the sign-up (and its
    consent question); a number that is someone's already is refused."""
    source = await session.get(OutreachSource, source_id)
    if source is None or source.programme_id != programme_id:
        raise NotFound("source", source_id)
    name, number = tidy_name(first_name), normalise_phone(phone)
    if await session.scalar(
        select(ContactPoint.id).where(ContactPoint.channel == "sms", ContactPoint.address == number)
    ):
        raise DomainError("referral_number_known")
    person = Person(
        programme_id=programme_id,
        role=Role.UNKNOWN,
        first_name=name,
        status=PersonStatus.SIGNING_UP,
        source_id=source.id,
    )
    session.add(person)
    await session.flush()
    session.add(ContactPoint(person_id=person.id, channel="sms", address=number, verified=False))
    await outbound.say_at(
        session,
        renderer,
        channel="sms",
        address=number,
        template=REFERRAL_TEMPLATE,
        context={"first_name": name, "kind": source.kind},
        person=person,
        dedupe_key=f"referral:{person.id}",
    )
    return person


@dataclass(frozen=True)
class SourceFigures:
    """Per source (None: came on their own), people who completed sign-up, as of a moment:
    signed up, of them matched (a pair formed), and of them with a completed pair."""

    source_id: int | None
    name: str | None
    kind: str | None
    role: Role
    signed_up: int
    matched: int
    completed: int


async def where_they_come_from(
    session: AsyncSession, programme_id: int, as_of: datetime
) -> list[SourceFigures]:
    """Youths and mentors signed up by `as_of` (erased ones too: they signed up) per source;
    one statement whatever the programme's size. Each person's pairs are folded into two flags
    first (a hash join at national scale, where a correlated EXISTS per person took seconds)."""
    in_programme = Match.programme_id == programme_id
    sides = union_all(
        *(
            select(side.label("person_id"), Match.status, Match.accepted_at, Match.ended_at).where(
                in_programme
            )
            for side in (Match.youth_id, Match.mentor_id)
        )
    ).subquery()
    matched = and_(sides.c.status.in_(MATCHED), sides.c.accepted_at <= as_of)
    completed = and_(sides.c.status == MatchStatus.COMPLETED, sides.c.ended_at <= as_of)
    flags = (
        select(
            sides.c.person_id,
            func.max(case((matched, 1), else_=0)).label("matched"),
            func.max(case((completed, 1), else_=0)).label("completed"),
        )
        .group_by(sides.c.person_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            Person.source_id, OutreachSource.name, OutreachSource.kind, Person.role,
            func.count(), func.coalesce(func.sum(flags.c.matched), 0),
            func.coalesce(func.sum(flags.c.completed), 0),
        )
        .outerjoin(OutreachSource, OutreachSource.id == Person.source_id)
        .outerjoin(flags, flags.c.person_id == Person.id)
        .where(
            Person.programme_id == programme_id,
            Person.role.in_((Role.YOUTH, Role.MENTOR)),
            Person.created_at <= as_of,
        )
        .group_by(Person.source_id, OutreachSource.name, OutreachSource.kind, Person.role)
    )  # fmt: skip
    figures = [
        SourceFigures(source_id, name, kind, Role(role), int(n), int(m or 0), int(c or 0))
        for source_id, name, kind, role, n, m, c in rows
    ]
    return sorted(
        figures,
        key=lambda f: (f.role != Role.YOUTH, f.source_id is None, f.kind or "", f.name or ""),
    )


async def set_one_year(
    session: AsyncSession, programme_id: int, youth_id: int, answer: bool | None
) -> None:
    """The coordinator sets whether the youth has been out of job and education for more than
    one continuous year (None: not known). Only the yes/no, never the case behind it."""
    person = await session.get(Person, youth_id)
    youth = await session.get(Youth, youth_id)
    if person is None or youth is None or person.programme_id != programme_id:
        raise NotFound("youth", youth_id)
    youth.unemployed_over_year = answer

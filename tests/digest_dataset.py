"""A hand-built programme whose digest figures the tests compute by hand (see EXPECTED notes).

Week 2026-W48 (Mon 23 - Sun 29 November 2026), as of Thursday 26 November 09:00 UTC.
The programme runs 18 Aug 2026 - 6 Mar 2027 (200 days); on 26 Nov it is 100 days in: half-way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import PartnerKind
from storage.models import (
    AuditEntry,
    Company,
    ContactPoint,
    Coordinator,
    HoursReport,
    InboxItem,
    JobOpening,
    Match,
    Meeting,
    Mentor,
    OutboxMessage,
    Outcome,
    Person,
    Programme,
    Youth,
)

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
WEEK = "2026-W48"
OLD = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def utc(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=UTC)


def local(y: int, m: int, d: int, h: int) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=CPH).astimezone(UTC)


@dataclass
class Built:
    programme_id: int
    ids: dict[str, int]  # first name -> person id; "m:<youth>" -> match id


async def build_programme(session: AsyncSession) -> Built:
    prog = Programme(
        name="Erhvervsmentor Vejle",
        unit_name="Jobcenter Vejle",
        starts_on=date(2026, 8, 18),
        ends_on=date(2027, 3, 6),
        target_matches=40,
        target_companies_outside=10,
        target_job_openings=4,
    )
    session.add(prog)
    session.add(Coordinator(email="koordinator@vejle.dk", name="Karen", password_hash="x"))
    await session.flush()
    ids: dict[str, int] = {}

    async def person(name: str, role: str, created: datetime = OLD, **kw: object) -> Person:
        p = Person(programme_id=prog.id, role=role, first_name=name, status="active")
        p.created_at = created
        for k, v in kw.items():
            setattr(p, k, v)
        session.add(p)
        await session.flush()
        ids[name] = p.id
        return p

    async def youth(name: str, group: str = "g1", **kw: object) -> Person:
        created = kw.pop("created", OLD)
        waiting = kw.pop("waiting_since", None)
        p = await person(name, "youth", created=created)  # type: ignore[arg-type]
        session.add(
            Youth(
                person_id=p.id,
                birth_year=2004,
                target_group=group,
                situation="student_at_risk" if group == "student" else "unemployed",
                waiting_since=waiting,
            )
        )
        return p

    async def mentor(
        name: str, capacity: int = 1, approval: str = "approved", **kw: object
    ) -> Person:
        p = await person(name, "mentor", **kw)
        session.add(Mentor(person_id=p.id, capacity=capacity, approval=approval))
        return p

    for name, group in [("Sara", "g1"), ("Ali", "g2"), ("Emma", "g1"), ("Noah", "g1")]:
        await youth(name, group)
    await youth("Freja", "student")
    await youth("Omar", "g1")
    await youth("Ida", "g1")
    await youth("Maja", "g1")
    await youth("Liv", "g0")
    await youth("Karl", "g1")
    await youth("Anna", created=utc(2026, 11, 25), waiting_since=utc(2026, 11, 25))
    await youth("Jonas", created=utc(2026, 11, 18), waiting_since=utc(2026, 11, 5))
    await mentor("Henrik", capacity=2)
    await mentor("Mette", capacity=2)
    await mentor("Lars")
    await mentor("Kirsten")
    await mentor("Jens")
    await mentor("Birgitte", status="paused")
    await mentor("Peter", approval="pending")
    await mentor("Søren")
    await session.flush()

    async def match(
        youth_name: str,
        mentor_name: str,
        status: str,
        accepted: datetime | None,
        starts: date | None,
        ends: date | None,
        ended: datetime | None = None,
        **kw: object,
    ) -> int:
        m = Match(
            programme_id=prog.id,
            youth_id=ids[youth_name],
            mentor_id=ids[mentor_name],
            status=status,
            proposed_at=(accepted or NOW) - timedelta(days=2),
            accepted_at=accepted,
            starts_on=starts,
            ends_on=ends,
            ended_at=ended,
            **kw,
        )
        session.add(m)
        await session.flush()
        ids[f"m:{youth_name}"] = m.id
        return m.id

    sara = await match(
        "Sara", "Henrik", "active", utc(2026, 10, 1), date(2026, 10, 1), date(2027, 1, 1)
    )
    ali = await match(
        "Ali",
        "Mette",
        "active",
        utc(2026, 10, 15),
        date(2026, 10, 15),
        date(2027, 1, 15),
        unsure_flag_at=utc(2026, 11, 24),
    )
    emma = await match(
        "Emma", "Lars", "active", utc(2026, 11, 10), date(2026, 11, 10), date(2027, 2, 10)
    )
    noah = await match(
        "Noah", "Kirsten", "active", utc(2026, 8, 30), date(2026, 8, 30), date(2026, 12, 5)
    )
    freja = await match(
        "Freja",
        "Jens",
        "completed",
        utc(2026, 8, 20),
        date(2026, 8, 20),
        date(2026, 11, 20),
        ended=utc(2026, 11, 20),
        end_reason="completed",
    )
    await match(
        "Omar",
        "Birgitte",
        "ended_early",
        utc(2026, 8, 19),
        date(2026, 8, 19),
        date(2026, 11, 19),
        ended=utc(2026, 8, 25),
        end_reason="youth_stopped",
    )
    ida = await match(
        "Ida",
        "Peter",
        "completed",
        utc(2026, 8, 18, 12),
        date(2026, 8, 18),
        date(2026, 11, 18),
        ended=utc(2026, 11, 18),
        end_reason="completed",
    )
    await match("Maja", "Henrik", "declined", None, None, None, ended=utc(2026, 9, 1))
    await match("Liv", "Mette", "proposed", None, None, None)
    await match("Karl", "Søren", "active", utc(2026, 11, 24), date(2026, 11, 24), date(2027, 2, 24))

    def meeting(match_id: int, at: datetime, status: str, proposed: datetime | None = None) -> None:
        session.add(
            Meeting(
                match_id=match_id,
                starts_at=at,
                status=status,
                proposed_at=proposed or at - timedelta(days=3),
                updated_at=at,
            )
        )

    meeting(sara, local(2026, 11, 23, 16), "held")
    meeting(sara, local(2026, 11, 16, 16), "held")
    meeting(noah, local(2026, 11, 19, 15), "held")
    meeting(ali, local(2026, 11, 2, 15), "held")
    meeting(ali, local(2026, 12, 1, 10), "proposed", proposed=utc(2026, 11, 20))
    meeting(emma, local(2026, 11, 12, 9), "cancelled")

    def hours(match_id: int, minutes: int, at: datetime) -> None:
        session.add(
            HoursReport(match_id=match_id, minutes=minutes, month=date(2026, 11, 1), reported_at=at)
        )

    hours(sara, 180, utc(2026, 11, 23, 18))
    hours(noah, 200, utc(2026, 11, 19, 18))
    hours(ali, 60, utc(2026, 11, 3, 18))

    def call(match_id: int, at: datetime, side: str) -> None:
        session.add(
            AuditEntry(
                at=at,
                actor="coordinator:1",
                action="coordinator_call",
                entity="match",
                entity_id=match_id,
                details={"side": side},
            )
        )

    for side in ("youth", "mentor"):
        call(sara, utc(2026, 10, 8), side)
        call(sara, utc(2026, 10, 22), side)
        call(sara, utc(2026, 11, 5), side)
    call(emma, utc(2026, 11, 12), "youth")
    call(noah, utc(2026, 11, 1), "both")

    session.add(
        OutboxMessage(
            person_id=ids["Lars"],
            channel="sms",
            address="+4520000004",
            template="meeting_confirm",
            body="...",
            status="sent",
            sent_at=utc(2026, 11, 22),
            awaiting_reply=True,
        )
    )
    session.add(
        OutboxMessage(
            person_id=ids["Sara"],
            channel="sms",
            address="+4520000001",
            template="checkin",
            body="...",
            status="sent",
            sent_at=utc(2026, 11, 25),
            awaiting_reply=True,
        )
    )
    session.add(
        ContactPoint(person_id=ids["Ali"], channel="sms", address="+4520000002", state="invalid")
    )
    session.add(ContactPoint(person_id=ids["Ali"], channel="telegram", address="1002"))
    session.add(
        ContactPoint(person_id=ids["Kirsten"], channel="telegram", address="1003", state="blocked")
    )
    session.add(
        InboxItem(
            programme_id=prog.id,
            person_id=ids["Ali"],
            match_id=ali,
            kind="unsure",
            created_at=utc(2026, 11, 24),
        )
    )
    session.add(
        InboxItem(
            programme_id=prog.id,
            person_id=ids["Lars"],
            kind="message",
            body="Hej",
            created_at=utc(2026, 11, 25),
        )
    )
    session.add(
        InboxItem(
            programme_id=prog.id,
            person_id=ids["Sara"],
            kind="message",
            created_at=utc(2026, 11, 2),
            handled_at=utc(2026, 11, 3),
        )
    )
    session.add(
        Outcome(
            programme_id=prog.id,
            youth_id=ids["Freja"],
            match_id=freja,
            target_group="student",
            category="education",
            observed_on=date(2026, 11, 21),
            source="survey",
            created_at=utc(2026, 11, 21),
        )
    )
    session.add(
        Outcome(
            programme_id=prog.id,
            youth_id=ids["Ida"],
            match_id=ida,
            target_group="g1",
            category="none",
            observed_on=date(2026, 11, 19),
            source="survey",
            created_at=utc(2026, 11, 19),
        )
    )
    session.add(
        Outcome(
            programme_id=prog.id,
            youth_id=ids["Ida"],
            match_id=ida,
            target_group="g1",
            category="praktik",
            observed_on=date(2026, 11, 20),
            source="coordinator",
            created_at=utc(2026, 11, 20),
        )
    )
    companies = []
    for name, outside, contacted in [
        ("Tømrerfirmaet Jensen ApS", True, date(2026, 9, 1)),
        ("Vejle Bilcenter A/S", True, date(2026, 10, 5)),
        ("Fjordens Café", True, date(2026, 11, 24)),
        ("Brugsen Vejle", False, date(2026, 9, 10)),
    ]:
        company = Company(
            programme_id=prog.id,
            name=name,
            partner_kind=None if outside else PartnerKind.OTHER,
            first_contact_on=contacted,
        )
        session.add(company)
        companies.append(company)
    await session.flush()
    for kind, created in [
        ("praktik", date(2026, 10, 1)),
        ("smaajob", date(2026, 11, 17)),
        ("ordinary_job", date(2026, 11, 23)),
        ("laereplads", date(2026, 11, 30)),
    ]:
        session.add(
            JobOpening(
                programme_id=prog.id, company_id=companies[0].id, kind=kind, created_on=created
            )
        )
    await session.commit()
    return Built(prog.id, ids)


async def bulk_programme(session: AsyncSession, pairs: int) -> int:
    """`pairs` active pairs with a meeting, hours, a call and some failed contacts: bulk inserts."""
    prog = Programme(
        name="Stor", unit_name="Jobcenter", starts_on=date(2026, 8, 1), ends_on=date(2027, 8, 1)
    )
    session.add(prog)
    await session.flush()
    people = [
        {
            "programme_id": prog.id,
            "role": role,
            "first_name": f"{role}{i}",
            "status": "active",
            "created_at": OLD,
        }
        for i in range(pairs)
        for role in ("youth", "mentor")
    ]
    await session.execute(insert(Person), people)
    rows = (
        await session.execute(
            Person.__table__.select().where(Person.programme_id == prog.id).order_by(Person.id)
        )
    ).all()
    youth_ids = [r.id for r in rows if r.role == "youth"]
    mentor_ids = [r.id for r in rows if r.role == "mentor"]
    await session.execute(
        insert(Youth),
        [
            {
                "person_id": y,
                "birth_year": 2003,
                "target_group": "g1",
                "situation": "unemployed",
                "interests": [],
                "waiting_since": OLD if i % 10 == 0 else None,
            }
            for i, y in enumerate(youth_ids)
        ],
    )
    await session.execute(
        insert(Mentor),
        [
            {"person_id": m, "capacity": 2, "approval": "approved", "languages": []}
            for m in mentor_ids
        ],
    )
    await session.execute(
        insert(Match),
        [
            {
                "programme_id": prog.id,
                "youth_id": y,
                "mentor_id": m,
                "status": "active",
                "proposed_at": utc(2026, 9, 1),
                "accepted_at": utc(2026, 9, 2),
                "starts_on": date(2026, 9, 2),
                "ends_on": date(2026, 12, 2),
            }
            for y, m in zip(youth_ids, mentor_ids, strict=True)
        ],
    )
    match_ids = [
        r.id
        for r in (
            await session.execute(Match.__table__.select().where(Match.programme_id == prog.id))
        ).all()
    ]
    await session.execute(
        insert(Meeting),
        [
            {
                "match_id": mid,
                "starts_at": utc(2026, 11, 20),
                "status": "held",
                "proposed_at": utc(2026, 11, 18),
                "updated_at": utc(2026, 11, 20),
                "sequence": 0,
            }
            for mid in match_ids
        ],
    )
    await session.execute(
        insert(HoursReport),
        [
            {
                "match_id": mid,
                "minutes": 90,
                "month": date(2026, 11, 1),
                "reported_at": utc(2026, 11, 20),
            }
            for mid in match_ids
        ],
    )
    await session.execute(
        insert(AuditEntry),
        [
            {
                "at": utc(2026, 11, 1),
                "actor": "coordinator:1",
                "action": "coordinator_call",
                "entity": "match",
                "entity_id": mid,
                "details": {"side": "both"},
            }
            for mid in match_ids
        ],
    )
    await session.execute(
        insert(ContactPoint),
        [
            {
                "person_id": p,
                "channel": "sms",
                "address": f"+45{30000000 + p}",
                "verified": False,
                "state": "blocked" if i % 7 == 0 else "ok",
            }
            for i, p in enumerate(youth_ids)
        ],
    )
    await session.commit()
    return prog.id

"""An invented Danish demo programme, so a newcomer has something to look at.

About 40 youths across the target groups, 20 mentors from 12 companies, matches at every stage,
meetings and hours over the last 10 weeks, some outcomes, companies and job openings. Every
person is made up; names are common Danish first names, numbers are from no real person.
Each demo person also gets a "web" contact point so the chat simulator can speak as them.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import add_months, month_start
from core.runtime import Runtime
from core.statuses import MeetingStatus
from mentoring.companies import register_company
from mentoring.coordinators import add_coordinator
from mentoring.matches import accept_match, close_match, create_match
from mentoring.openings import register_job_opening
from mentoring.outcomes import register_outcome
from mentoring.people import (
    SHARE_CONSENT,
    MentorForm,
    YouthForm,
    add_contact,
    record_consent,
    register_mentor,
    register_youth,
)
from mentoring.programmes import current_programme
from storage.db import unit_of_work
from storage.models import Coordinator, HoursReport, Match, Meeting, Mentor, Person

DEMO_LOGIN = ("koordinator@demo.dk", "demo-koordinator")
CONSENT_VERSION = "2026-11"

YOUTH_NAMES = [
    "Sara",
    "Omar",
    "Emma",
    "Mikkel",
    "Amira",
    "Frederik",
    "Ida",
    "Yusuf",
    "Laura",
    "Mathias",
    "Nour",
    "Oliver",
    "Freja",
    "Ahmed",
    "Clara",
    "Jonas",
    "Maja",
    "Ali",
    "Sofie",
    "Lucas",
    "Hiba",
    "William",
    "Anna",
    "Emil",
    "Zainab",
    "Magnus",
    "Josefine",
    "Mohammed",
    "Alma",
    "Viktor",
    "Olha",
    "Noah",
    "Asta",
    "Hassan",
    "Karla",
    "Elias",
    "Dilan",
    "Malthe",
    "Selma",
    "Bilal",
]
MENTOR_NAMES = [
    ("Henrik", "Jensen"),
    ("Lone", "Madsen"),
    ("Peter", "Nielsen"),
    ("Mette", "Larsen"),
    ("Jesper", "Poulsen"),
    ("Susanne", "Kristensen"),
    ("Kim", "Andersen"),
    ("Birgitte", "Holm"),
    ("Thomas", "Friis"),
    ("Hanne", "Dahl"),
    ("Søren", "Bach"),
    ("Pia", "Lund"),
    ("Rasmus", "Møller"),
    ("Camilla", "Skov"),
    ("Anders", "Thomsen"),
    ("Tina", "Berg"),
    ("Martin", "Vestergaard"),
    ("Louise", "Kjær"),
    ("Bo", "Mortensen"),
    ("Charlotte", "Juhl"),
]
COMPANIES = [
    ("Tømrerfirmaet Jensen ApS", "construction", "12345674"),
    ("Byens Bageri", "hospitality", None),
    ("Nordic IT Service A/S", "it", None),
    ("Lund Transport", "transport", None),
    ("Plejecenter Solhaven", "health", None),
    ("Madsens Supermarked", "retail", None),
    ("Kontorhuset", "office", None),
    ("Grøn Energi Montage", "green", None),
    ("Værkstedet Smed & Maskine", "industry", None),
    ("Café Paradis", "hospitality", None),
    ("Fitness Centret", "sports", None),
    ("Design & Tryk", "creative", None),
]
ROLES = ["Indehaver", "Afdelingsleder", "Værkfører", "Butikschef", "Projektleder", "Kok"]
AREAS = [
    ("8000", "Aarhus C"),
    ("8200", "Aarhus N"),
    ("8210", "Aarhus V"),
    ("8260", "Viby J"),
    ("8270", "Højbjerg"),
    ("8240", "Risskov"),
    ("8381", "Tilst"),
    ("8520", "Lystrup"),
]
INTERESTS = [
    "it",
    "retail",
    "construction",
    "health",
    "transport",
    "hospitality",
    "crafts",
    "office",
    "creative",
    "industry",
    "green",
    "sports",
]


async def is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(Person))


async def ensure_demo(runtime: Runtime) -> tuple[str, str] | None:
    """In development: fill an empty database with the demo; return the demo login to print."""
    async with runtime.sessions() as session:
        empty = await is_empty(session)
        has_demo_login = await session.scalar(
            select(Coordinator.id).where(Coordinator.email == DEMO_LOGIN[0])
        )
    if empty:
        await load_demo(runtime)
        return DEMO_LOGIN
    return DEMO_LOGIN if has_demo_login else None


async def load_demo(runtime: Runtime, seed: int = 2026) -> dict[str, int]:
    """Build the demo programme in one transaction; returns counts of what was made."""
    rng = random.Random(seed)
    now = runtime.clock()
    today = now.astimezone(runtime.settings.tz).date()
    counts = {"youths": 0, "mentors": 0, "companies": 0, "matches": 0, "meetings": 0}
    async with unit_of_work(runtime.sessions) as session:
        programme = await current_programme(session, today)
        programme.starts_on = min(programme.starts_on, add_months(month_start(today), -6))
        programme.name, programme.unit_name = "Erhvervsmentor Aarhus (demo)", "Jobcenter (demo)"
        if not await session.scalar(
            select(Coordinator.id).where(Coordinator.email == DEMO_LOGIN[0])
        ):
            await add_coordinator(session, *DEMO_LOGIN, name="Demo Koordinator")

        companies = []
        for i, (name, industry, cvr) in enumerate(COMPANIES):
            companies.append(
                await register_company(
                    session,
                    programme.id,
                    name,
                    cvr=cvr,
                    industry=industry,
                    partner_kind="code_of_care" if i % 3 == 0 else None,
                    source=rng.choice(["mentor", "event", "outreach"]),
                    first_contact_on=today - timedelta(days=rng.randint(10, 160)),
                )
            )
        counts["companies"] = len(companies)

        mentors: list[Person] = []
        for i, (first, last) in enumerate(MENTOR_NAMES):
            company = companies[i % len(companies)]
            postcode, area = rng.choice(AREAS)
            person = await register_mentor(
                session,
                programme.id,
                MentorForm(
                    first_name=first,
                    last_name=last,
                    company_id=company.id,
                    role_title=rng.choice(ROLES),
                    industry=company.industry,
                    capacity=rng.choice([1, 1, 2, 2, 3]),
                    languages=["da", "en"] if i % 2 else ["da"],
                    postcode=postcode,
                    area=area,
                    availability=rng.choice(["Hverdage efter kl. 15", "Tirsdag og torsdag"]),
                ),
                approved=i < 18,
            )
            await add_contact(session, person, "web", f"demo-{person.id}", verified=True)
            mentors.append(person)
        counts["mentors"] = len(mentors)

        youths: list[Person] = []
        for i, name in enumerate(YOUTH_NAMES):
            kind = i % 5
            situation, birth_year = "unemployed", today.year - rng.randint(18, 29)
            if kind == 3:
                situation, birth_year = "student_at_risk", today.year - rng.randint(16, 24)
            elif kind == 4:
                situation, birth_year = "school_under_18", today.year - rng.randint(15, 17)
            postcode, area = rng.choice(AREAS)
            form = YouthForm(
                first_name=name,
                birth_year=birth_year,
                situation=situation,
                target_group="g2" if kind == 2 else None,
                interests=rng.sample(INTERESTS, 2),
                postcode=postcode,
                area=area,
            )
            if today.year - birth_year < 18:
                form.guardian_name = "Forælder til " + name
                form.guardian_phone = f"+45321234{i:02d}"  # the phone library's example range
            joined = now - timedelta(days=rng.randint(3, 120))
            person = await register_youth(session, programme.id, form, now=joined)
            await record_consent(session, person.id, SHARE_CONSENT, CONSENT_VERSION, "web")
            await add_contact(session, person, "web", f"demo-{person.id}", verified=True)
            youths.append(person)
        counts["youths"] = len(youths)

        counts["matches"], counts["meetings"] = await _pairs(
            session, rng, youths, mentors, now, today, runtime
        )
        for company in companies[:8]:
            await register_job_opening(
                session,
                company.id,
                rng.choice(["ordinary_job", "smaajob", "praktik", "fritidsjob", "laereplads"]),
                today - timedelta(days=rng.randint(1, 90)),
                origin=rng.choice(["mentor", "event", "outreach"]),
            )
    return counts


async def _pairs(
    session: AsyncSession,
    rng: random.Random,
    youths: list[Person],
    mentors: list[Person],
    now: datetime,
    today: date,
    runtime: Runtime,
) -> tuple[int, int]:
    """Matches at every stage: proposed, active, completed, ended early; history of meetings."""
    tz = runtime.settings.tz
    approved = mentors[:18]
    load = dict.fromkeys((m.id for m in approved), 0)
    caps = {m.person_id: m.capacity for m in await session.scalars(select(Mentor))}
    matches, meetings = 0, 0
    for i, youth in enumerate(youths[:30]):
        free = [m for m in approved if load[m.id] < caps[m.id]]
        if not free:
            break
        mentor = free[i % len(free)]
        weeks_ago = rng.randint(0, 14)
        started = now - timedelta(weeks=weeks_ago, hours=rng.randint(0, 48))
        match = await create_match(session, youth.id, mentor.id, now=started, tz=tz)
        matches += 1
        if i % 10 == 9:  # still waiting for the mentor's answer
            load[mentor.id] += 1
            continue
        await accept_match(
            session, match.id, now=started, today=started.astimezone(tz).date(), tz=tz
        )
        meetings += await _history(session, rng, match, youth, mentor, started, now, tz)
        if i % 10 == 7 and weeks_ago >= 14:  # past its 3-month end date
            await close_match(session, match.id, "completed", now=now, today=today, tz=tz)
            await register_outcome(
                session,
                youth.id,
                rng.choice(["education", "ordinary_job", "smaajob"]),
                today,
                source="survey",
            )
        elif i % 10 == 8:
            await close_match(session, match.id, "no_contact", now=now, today=today, tz=tz)
        else:
            load[mentor.id] += 1
    return matches, meetings


async def _history(
    session: AsyncSession,
    rng: random.Random,
    match: Match,
    youth: Person,
    mentor: Person,
    started: datetime,
    now: datetime,
    tz: ZoneInfo,
) -> int:
    """Past meetings (held, with hours) every 1-3 weeks, and sometimes one coming up."""
    count, moment = 0, started + timedelta(days=rng.randint(2, 6))
    cutoff = now - timedelta(weeks=10)
    while moment < now - timedelta(days=1):
        local = datetime.combine(moment.astimezone(tz).date(), time(15, 0), tz)
        if local > cutoff and rng.random() < 0.85:
            meeting = Meeting(
                match_id=match.id,
                starts_at=local,
                place=rng.choice(["Café Paradis", "På virksomheden", "Hovedbiblioteket"]),
                status=MeetingStatus.HELD,
                proposed_by=youth.id,
                proposed_at=local - timedelta(days=3),
                confirmed_by=mentor.id,
                confirmed_at=local - timedelta(days=2),
                updated_at=local,
            )
            session.add(meeting)
            await session.flush()
            session.add(
                HoursReport(
                    match_id=match.id,
                    meeting_id=meeting.id,
                    reported_by=youth.id,
                    minutes=rng.choice([60, 90, 90, 120]),
                    month=month_start(local.date()),
                    reported_at=local + timedelta(hours=3),
                )
            )
            count += 1
        moment += timedelta(days=rng.randint(7, 21))
    if rng.random() < 0.5:
        upcoming = datetime.combine(
            (now + timedelta(days=rng.randint(2, 8))).astimezone(tz).date(), time(15, 30), tz
        )
        session.add(
            Meeting(
                match_id=match.id,
                starts_at=upcoming,
                place="Café Paradis",
                status=rng.choice(["proposed", "confirmed"]),
                proposed_by=mentor.id,
                proposed_at=now - timedelta(days=1),
                updated_at=now,
            )
        )
        count += 1
    return count

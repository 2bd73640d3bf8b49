"""A person's rights: export everything we hold, erase without moving the programme's figures."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.runtime import Runtime
from mentoring.digest import load_digest
from mentoring.hours import report_hours
from mentoring.matches import close_match
from mentoring.meetings import mark_held, propose_meeting
from mentoring.outcomes import register_outcome
from mentoring.pairs import open_match_for
from mentoring.privacy import erase_person, export_person, purge
from messaging.outbox import enqueue
from settings import load_settings
from storage.models import OutboxMessage, Person
from tests import factories
from tests.conftest import COPENHAGEN, NOW
from tests.privacy_helpers import all_text

GUARDIAN = "+4520304050"
NOTHING_ELSE = {
    "never_paired_erased": 0,
    "login_throttles": 0,
    "inbound_events": 0,
    "import_uploads": 0,
}

WEEK = "2026-W48"


async def _pair_with_history(session: AsyncSession) -> tuple[Person, Person]:
    youth, mentor, match = await factories.active_pair(session, NOW)
    meeting = await propose_meeting(
        session,
        match.id,
        youth.id,
        NOW + timedelta(hours=3),
        "Café Paradis",
        now=NOW,
        tz=COPENHAGEN,
    )
    later = NOW + timedelta(hours=5)
    await mark_held(session, meeting.id, True, now=later, tz=COPENHAGEN)
    await report_hours(session, match.id, 120, reported_by=youth.id, today=later.date(), now=later)
    await register_outcome(session, youth.id, "education", later.date(), source="survey")
    return youth, mentor


def _figures(digest: object) -> dict[str, object]:
    return {t.key: (t.value, t.numerator, t.denominator) for t in digest.targets}  # type: ignore[attr-defined]


async def test_export_holds_the_persons_data_and_erasure_keeps_figures(
    session: AsyncSession,
) -> None:
    youth, _ = await _pair_with_history(session)
    await session.commit()
    tz = load_settings().tz
    later = NOW + timedelta(hours=6)

    exported = await export_person(session, youth.id)
    assert exported["person"]["first_name"] == "Sara"
    assert exported["hours"][0]["minutes"] == 120
    assert json.dumps(exported, default=str)

    before = _figures(await load_digest(session, youth.programme_id, WEEK, later, tz))
    await erase_person(session, youth.id, actor="coordinator:1", now=later)
    await session.commit()
    session.expunge_all()
    after = _figures(await load_digest(session, youth.programme_id, WEEK, later, tz))

    assert after == before
    erased = await session.get(Person, youth.id)
    assert erased is not None and (erased.first_name, erased.status) == (None, "erased")
    everything = await all_text(session)
    assert "Sara" not in everything and "Café Paradis" not in everything


async def test_retention_purges_bodies_then_personal_data(
    db_url: str, tmp_path: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        youth, _ = await _pair_with_history(session)
        match = await open_match_for(session, youth.id)
        assert match is not None
        await close_match(
            session, match.id, "youth_job_or_education", now=NOW, today=NOW.date(), tz=COPENHAGEN
        )
        await enqueue(session, channel="web", address="x", template="t", body="Hej Sara",
                      person_id=youth.id)  # fmt: skip
        # An answer to a guardian is tied to nobody: it must not keep the number for ever.
        session.add(
            OutboxMessage(channel="sms", address=GUARDIAN, template="privacy_guardian_help",
                          body="Du er forælder", status="sent", created_at=NOW)
        )  # fmt: skip

    settings = load_settings(data_dir=tmp_path, database_url=db_url)
    clock_at = [NOW + timedelta(days=10)]
    runtime = Runtime.build(settings, clock=lambda: clock_at[0])
    try:
        touched = await purge(runtime)
        assert touched == {
            "message_bodies": 0,
            "people_erased": 0,
            "untied_messages": 0,
            **NOTHING_ELSE,
        }
        clock_at[0] = NOW + timedelta(days=31)
        touched = await purge(runtime)
        assert touched == {
            "message_bodies": 1,
            "people_erased": 0,
            "untied_messages": 1,
            **NOTHING_ELSE,
        }
        async with sessions() as session:
            assert GUARDIAN not in await all_text(session)
        clock_at[0] = NOW + timedelta(days=370)
        touched = await purge(runtime)
        assert touched == {
            "message_bodies": 0,
            "people_erased": 2,
            "untied_messages": 0,
            **NOTHING_ELSE,
        }
        async with sessions() as session:
            statuses = set(await session.scalars(select(Person.status)))
        assert statuses == {"erased"}
    finally:
        await runtime.close()

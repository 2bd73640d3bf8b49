"""A person's page and a pair's page a coordinator can work from: contacts masked until shown
(audited), situation edited by the sign-up's rules, messages with their delivery, notes, calls,
hours by month, check-in answers and what the follow-ups did and will do."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from core.clock import local_date
from mentoring import outbound
from mentoring.checkin_answers import answer_row
from mentoring.hours import report_hours
from mentoring.matches import accept_match, create_match
from storage.models import AuditEntry, ContactPoint, Note, OutboxMessage, Youth
from tests import test_dashboard
from tests.conftest import COPENHAGEN, NOW
from tests.test_dashboard import Dashboard

dash = test_dashboard.dash  # the dashboard over real HTTP, on both databases


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def _pair(dash: Dashboard, days_ago: int) -> int:
    started = NOW - timedelta(days=days_ago)
    async with dash.runtime.transaction() as s:
        match = await create_match(s, dash.data.sara, dash.data.henrik, now=started, tz=COPENHAGEN)
        await accept_match(
            s, match.id, now=started, today=local_date(started, COPENHAGEN), tz=COPENHAGEN
        )
        return match.id


async def test_person_page_masks_contacts_until_shown_and_audits_the_showing(
    dash: Dashboard,
) -> None:
    await dash.login()
    page = await (await dash.client.get(f"/people/{dash.data.sara}")).text()
    assert "+45******55" in page and "+4522334455" not in page
    async with dash.runtime.sessions() as s:
        point = await s.scalar(select(ContactPoint).where(ContactPoint.person_id == dash.data.sara))
    assert point is not None
    shown = await dash.post(
        f"/people/{dash.data.sara}/contacts/{point.id}/show", {}, page=f"/people/{dash.data.sara}"
    )
    assert "+4522334455" in shown
    async with dash.runtime.sessions() as s:
        audit = (
            await s.scalars(select(AuditEntry).where(AuditEntry.action == "contact.revealed"))
        ).all()
    assert [(a.actor, a.entity_id, a.details["contact"]) for a in audit] == [
        (f"coordinator:{dash.data.coordinator_id}", dash.data.sara, point.id)
    ]
    # Another person's contact point is not shown through Sara's page.
    other = await dash.client.post(
        f"/people/{dash.data.omar}/contacts/{point.id}/show",
        data={"csrf": await dash.csrf(f"/people/{dash.data.omar}")},
    )
    assert other.status == 404


async def test_person_situation_is_edited_by_the_sign_up_rules_and_audited(
    dash: Dashboard,
) -> None:
    await dash.login()
    where = f"/people/{dash.data.sara}"
    refused = await dash.post(
        f"{where}/situation", {"situation": "student_at_risk", "target_group": "g1"}, page=where
    )
    assert 'role="alert"' in refused
    async with dash.runtime.sessions() as s:
        youth = await s.get(Youth, dash.data.sara)
        assert youth is not None and (youth.situation, youth.target_group) == ("unemployed", "g1")
    await dash.post(
        f"{where}/situation", {"situation": "unemployed", "target_group": "g2"}, page=where
    )
    async with dash.runtime.sessions() as s:
        youth = await s.get(Youth, dash.data.sara)
        assert youth is not None and youth.target_group == "g2"
        audit = await s.scalar(
            select(AuditEntry).where(AuditEntry.action == "youth.situation_changed")
        )
    assert audit is not None and audit.details == {
        "situation": "unemployed",
        "target_group": "g2",
        "before": {"situation": "unemployed", "target_group": "g1"},
    }


async def test_person_page_shows_messages_within_retention_notes_and_the_follow_ups(
    dash: Dashboard,
) -> None:
    await dash.login()
    await _pair(dash, days_ago=10)
    async with dash.runtime.transaction() as s:
        old = await outbound.say(
            s, dash.runtime.renderer, dash.data.sara, "help", {"role": "youth"}
        )
        assert old is not None
        old.created_at = NOW - timedelta(days=40)  # past the 30 days bodies are kept
    where = f"/people/{dash.data.sara}"
    await dash.post(f"{where}/notes", {"note": "Sara vil gerne være tømrer"}, page=where)
    page = _text(await (await dash.client.get(where)).text())
    async with dash.runtime.sessions() as s:
        bodies = list(
            await s.scalars(
                select(OutboxMessage.body)
                .where(OutboxMessage.person_id == dash.data.sara)
                .order_by(OutboxMessage.id)
            )
        )
    assert "(slettet efter 30 dage)" in page
    assert bodies[0] and " ".join(bodies[0].split()) not in page  # the old body is not shown
    assert "Sara vil gerne være tømrer" in page
    assert "Mette, " in page  # the note's author
    assert "Check-in: hvordan går det (1-5)? (til Sara): planlagt til" in page
    assert "Med Henrik" in page


async def test_pair_page_shows_hours_answers_calls_and_notes(dash: Dashboard) -> None:
    await dash.login()
    pair = await _pair(dash, days_ago=20)
    async with dash.runtime.transaction() as s:
        yesterday = NOW - timedelta(days=1)
        await report_hours(
            s, pair, 4 * 60, reported_by=dash.data.henrik,
            today=local_date(yesterday, COPENHAGEN), now=yesterday,
        )  # fmt: skip
        answer = await answer_row(
            s, None, match_id=pair, person_id=dash.data.sara, kind="checkin", now=yesterday
        )
        answer.score, answer.comment = 2, "vi ses for lidt"
    where = f"/pairs/{pair}"
    await dash.post(f"{where}/call", {"side": "both", "note": "Aftalt fast møde"}, page=where)
    await dash.post(f"{where}/notes", {"note": "Henrik er på ferie i uge 52"}, page=where)
    page = _text(await (await dash.client.get(where)).text())
    assert "Sara og Henrik" in page
    assert "11.2026: 4 af 3" in page
    assert '2 af 5 , "vi ses for lidt"' in page
    assert "ringet til begge" in page
    assert "Aftalt fast møde" in page and "Henrik er på ferie i uge 52" in page
    assert "3 måneder efter: job eller uddannelse? (til Sara): planlagt til" in page


async def test_mentor_page_shows_the_company_and_an_erased_person_shows_nothing_personal(
    dash: Dashboard,
) -> None:
    await dash.login()
    mentor = _text(await (await dash.client.get(f"/people/{dash.data.henrik}")).text())
    assert "Tømrerfirmaet Jensen ApS" in mentor and "+45******33" in mentor
    where = f"/people/{dash.data.omar}"
    await dash.post(f"{where}/notes", {"note": "Omar starter på HF"}, page=where)
    await dash.post(f"{where}/erase", {"confirm": "yes"}, page=where)
    erased = _text(await (await dash.client.get(where)).text())
    assert "Omar starter på HF" not in erased and "+45******66" not in erased
    async with dash.runtime.sessions() as s:  # the note about him went with the erasure
        assert (await s.scalars(select(Note))).all() == []

"""A person's rights end to end: "slet mine data" in the chat and by SMS (no address left behind),
and the coordinator's JSON export and erase button on the dashboard (login, CSRF, confirmation,
audit log)."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from mentoring.digest import load_digest
from mentoring.hours import report_hours
from mentoring.meetings import mark_held, propose_meeting
from mentoring.outcomes import register_outcome
from mentoring.pairs import open_match_for
from storage.models import AuditEntry, OutboxMessage, Person
from tests import factories
from tests.browser.seed import EMAIL, PASSWORD, Seeded, dashboard_runtime, seed
from tests.conftest import COPENHAGEN, NOW
from tests.fakes.chat import Chat
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import eventually, sms_settings
from tests.privacy_helpers import YOUTH_CHAT, all_text, chatting_pair
from tests.runtime import make_runtime
from tests.test_sms_webhooks import BASE, post_signed, sms
from web.app import create_app

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
LATER = NOW + timedelta(hours=6)


def _figures(digest: object) -> dict[str, object]:
    targets = digest.targets  # type: ignore[attr-defined]
    return {t.key: (t.value, t.numerator, t.denominator) for t in targets}


async def _history(session: AsyncSession, youth_id: int) -> None:
    match = await open_match_for(session, youth_id)
    assert match is not None
    meeting = await propose_meeting(session, match.id, youth_id, NOW + timedelta(hours=3),
                                    "Café Paradis", now=NOW, tz=COPENHAGEN)  # fmt: skip
    await mark_held(session, meeting.id, True, now=NOW + timedelta(hours=5), tz=COPENHAGEN)
    await report_hours(session, match.id, 90, reported_by=youth_id, today=NOW.date(), now=LATER)
    await register_outcome(session, youth_id, "education", NOW.date(), source="survey")


@pytest.fixture
def runtime(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Runtime:
    return make_runtime(engine, LATER, sessions)


async def test_slet_mine_data_erases_the_person_and_keeps_the_digest_totals(
    runtime: Runtime,
) -> None:
    async with runtime.sessions() as session, session.begin():
        youth, _ = await chatting_pair(session, NOW)
        await _history(session, youth.id)
    tz = runtime.settings.tz
    async with runtime.sessions() as session:
        before = _figures(await load_digest(session, youth.programme_id, "2026-W48", LATER, tz))

    chat = Chat(runtime, address=YOUTH_CHAT)
    mine = await chat.text("mine data")
    assert "Sara" in mine and "sara.n@example.dk" in mine  # the person's own data
    asked = await chat.text("slet mine data")
    assert "Vil du have, at vi sletter dine data?" in asked
    assert "Okay, intet er slettet" in await chat.text("nej")
    await chat.text("Slet mine data")
    farewell = await chat.text("ja")
    assert "Dine data er slettet" in farewell

    async with runtime.sessions() as session:
        after = _figures(await load_digest(session, youth.programme_id, "2026-W48", LATER, tz))
        erased = await session.get(Person, youth.id)
        everything = await all_text(session)
        goodbye = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.address == YOUTH_CHAT))
        )
    assert after == before
    assert erased is not None and (erased.first_name, erased.status) == (None, "erased")
    for trace in ("Sara", "sara.n@example.dk", "+4531415926", "Café Paradis"):
        assert trace not in everything
    # The chat address survives only on the farewell, which carries nothing about the person.
    assert [(m.template, m.person_id) for m in goodbye] == [("privacy_erased", None)]
    # Writing again starts afresh: nobody is recognised.
    assert "Sara" not in await chat.text("hej")


@pytest.fixture
async def dash(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[tuple[TestClient, Seeded]]:
    runtime = dashboard_runtime(engine, tmp_path, lambda: NOW)
    data = await seed(runtime, NOW)
    client = TestClient(TestServer(create_app(runtime)))
    await client.start_server()
    try:
        yield client, data
    finally:
        await client.close()


async def _csrf(client: TestClient, path: str) -> str:
    found = CSRF.search(await (await client.get(path)).text())
    assert found is not None
    return found.group(1)


async def _login(client: TestClient) -> None:
    token = await _csrf(client, "/login")
    form = {"csrf": token, "email": EMAIL, "password": PASSWORD}
    response = await client.post("/login", data=form, allow_redirects=False)
    assert response.status == 303


async def test_dashboard_exports_and_erases_a_person_with_confirmation_and_audit(
    dash: tuple[TestClient, Seeded], engine: AsyncEngine
) -> None:
    client, data = dash
    for path in (f"/people/{data.sara}", f"/people/{data.sara}/export.json"):
        assert (await client.get(path, allow_redirects=False)).status == 303  # login first
    await _login(client)
    page = await client.get(f"/people/{data.sara}")
    assert page.status == 200 and "Hent alt som JSON" in await page.text()
    exported = await client.get(f"/people/{data.sara}/export.json")
    assert exported.status == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    body = json.loads(await exported.text())
    assert body["person"]["first_name"] == "Sara"
    assert body["contact_points"][0]["address"] == "+4522334455"
    assert (await client.get("/people/999999")).status == 404

    forged = await client.post(f"/people/{data.sara}/erase",
                               data={"csrf": "not-the-token", "confirm": "yes"})  # fmt: skip
    assert forged.status == 403
    token = await _csrf(client, f"/people/{data.sara}")
    unconfirmed = await client.post(f"/people/{data.sara}/erase", data={"csrf": token})
    assert "Sæt flueben for at bekræfte sletningen" in await unconfirmed.text()
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        sara = await session.get(Person, data.sara)
        assert sara is not None and sara.status != "erased"

    done = await client.post(f"/people/{data.sara}/erase", data={"csrf": token, "confirm": "yes"})
    assert "Personens data er slettet" in await done.text()
    async with sessions() as session:
        sara = await session.get(Person, data.sara)
        assert sara is not None and (sara.first_name, sara.status) == (None, "erased")
        audit = select(AuditEntry.action).where(AuditEntry.entity_id == data.sara)
        actions = set(await session.scalars(audit))
        assert {"person.exported", "person.erased"} <= actions
        assert "+4522334455" not in await all_text(session)


async def test_slet_mine_data_by_sms_leaves_no_number_behind_once_the_farewell_is_sent(
    db_url: str, twilio: FakeTwilio
) -> None:
    phone, guardian = "+4531415926", "+4520304050"
    settings = sms_settings(
        twilio.base_url, database_url=db_url, public_base_url=BASE, run_scheduler=False
    )
    runtime = Runtime.build(settings)
    try:
        async with runtime.sessions() as session, session.begin():
            await factories.youth(
                session, NOW, birth_year=NOW.year - 17, situation="school_under_18", phone=phone,
                guardian_name="Mette Hansen", guardian_phone=guardian,
            )  # fmt: skip
        async with TestClient(TestServer(create_app(runtime))) as client:

            async def text(number: str, body: str) -> None:
                params = sms(body, "SM" + secrets.token_hex(16), number)
                assert await post_signed(client, "/sms/inbound", params) == 200

            await text(guardian, "Hvad er det for noget?")  # answered, tied to nobody
            await eventually(lambda: len(twilio.bodies_to(guardian)) == 1)
            await text(phone, "slet mine data")
            await text(phone, "ja")
            await eventually(
                lambda: any("Dine data er slettet" in b for b in twilio.bodies_to(phone))
            )

            async def farewell_recorded() -> bool:
                async with runtime.sessions() as session:
                    status = await session.scalar(
                        select(OutboxMessage.status).where(
                            OutboxMessage.template == "privacy_erased"
                        )
                    )
                return status in ("sent", "delivered")

            await eventually(farewell_recorded)
        async with runtime.sessions() as session:
            everything = await all_text(session)
        for number in (phone, guardian):
            assert number not in everything
    finally:
        await runtime.close()

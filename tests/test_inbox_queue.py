"""The inbox as a work queue: every kind in words, reply on the person's own channel, assign,
put off, done; and the youth told which day the answer comes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from mentoring import inbox
from mentoring.inbox_queue import View, answer_day, queue
from mentoring.people import person_by_id
from messaging.render import Renderer
from storage.models import AuditEntry, ContactPoint, InboxItem, OutboxMessage
from tests import factories
from tests.conftest import COPENHAGEN, NOW
from tests.fakes.chat import Chat
from tests.runtime import make_runtime
from tests.test_dashboard import Dashboard, dash  # noqa: F401 (the fixture)

LABELS = '{% import "email/_digest_labels.j2" as l %}{{ l.inbox_kind(kind) }}'


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("kind", list(inbox.Kind))
def test_every_inbox_kind_has_its_own_words(kind: inbox.Kind, language: str) -> None:
    env = Renderer().env(language, html=True)
    fallback = env.from_string(LABELS).render(kind="no-such-kind").strip()
    words = env.from_string(LABELS).render(kind=kind.value).strip()
    assert words and words != fallback


@pytest.mark.parametrize(
    ("written", "answered"),
    [
        (datetime(2026, 11, 26, 9, 0, tzinfo=UTC), date(2026, 11, 26)),  # Thursday morning
        (datetime(2026, 11, 26, 13, 30, tzinfo=UTC), date(2026, 11, 27)),  # 14.30: tomorrow
        (datetime(2026, 11, 27, 14, 0, tzinfo=UTC), date(2026, 11, 30)),  # Friday: Monday
        (datetime(2026, 11, 28, 10, 0, tzinfo=UTC), date(2026, 11, 30)),  # Saturday: Monday
        (datetime(2026, 12, 24, 15, 0, tzinfo=UTC), date(2026, 12, 28)),  # Christmas: Monday
    ],
)
def test_answer_day_is_the_coordinators_working_day(written: datetime, answered: date) -> None:
    assert answer_day(written, COPENHAGEN) == answered


async def test_youth_writing_on_friday_afternoon_is_told_monday(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    runtime = make_runtime(engine, friday, sessions)
    async with runtime.sessions() as s, s.begin():
        youth = await factories.youth(s, friday - timedelta(days=2))
        s.add(ContactPoint(person_id=youth.id, channel="web", address="y"))
    said = await Chat(runtime, address="y").text("skriv til koordinatoren at jeg er syg i dag")
    assert "Du får svar senest mandag d. 30. november" in said


async def _item(desk: Dashboard, person_id: int, body: str = "Hvornår starter jeg?") -> int:
    async with desk.runtime.sessions() as s, s.begin():
        person = await person_by_id(s, person_id)
        assert person is not None
        await inbox.put(s, person, inbox.Kind.MESSAGE, now=NOW, body=body)
    async with desk.runtime.sessions() as s:
        found = await s.scalar(select(InboxItem.id).order_by(InboxItem.id.desc()))
    assert found is not None
    return found


async def test_inbox_reply_reaches_the_youth_on_her_own_channel_signed_by_the_coordinator(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    item = await _item(dash, dash.data.sara)
    assert await dash.login() == 303
    page = await (await dash.client.get("/inbox")).text()
    assert "Hvornår starter jeg?" in page and "Sara" in page and "besked" in page
    after = await dash.post(
        f"/inbox/{item}/reply", {"text": "Vi ses mandag kl. 10", "done": "yes"}, "/inbox"
    )
    assert "Svaret er på vej til dem" in after
    async with dash.runtime.sessions() as s:
        sent = (await s.scalars(select(OutboxMessage))).all()
        row = await s.get(InboxItem, item)
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "inbox_replied"))
    assert [(m.person_id, m.channel, m.address) for m in sent] == [
        (dash.data.sara, "sms", "+4522334455")
    ]
    assert sent[0].body == "Fra din koordinator Mette: Vi ses mandag kl. 10"
    assert row is not None and row.handled_at is not None
    assert audit is not None and "Vi ses" not in str(audit.details)  # no bodies in the log


async def test_inbox_reply_with_a_cpr_number_is_refused_and_nothing_is_sent(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    item = await _item(dash, dash.data.omar)
    await dash.login()
    after = await dash.post(f"/inbox/{item}/reply", {"text": "Er det 010203-1234?"}, "/inbox")
    assert "CPR" in after
    async with dash.runtime.sessions() as s:
        assert (await s.scalars(select(OutboxMessage))).all() == []
        row = await s.get(InboxItem, item)
    assert row is not None and row.handled_at is None


async def test_inbox_item_assigned_and_put_off_leaves_the_queue_until_its_day(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    item = await _item(dash, dash.data.omar, "Kan vi flytte mødet?")
    await dash.login()
    mine = await dash.post(
        f"/inbox/{item}/assign", {"coordinator_id": str(dash.data.coordinator_id)}, "/inbox"
    )
    assert "Sagen er fordelt" in mine
    assert "Kan vi flytte mødet?" in await (await dash.client.get("/inbox?view=mine")).text()
    monday = "2026-11-30"
    await dash.post(f"/inbox/{item}/snooze", {"until": monday}, "/inbox")
    assert "Kan vi flytte mødet?" not in await (await dash.client.get("/inbox")).text()
    put_off = await (await dash.client.get("/inbox?view=snoozed")).text()
    assert "Kan vi flytte mødet?" in put_off and "udsat til mandag" in put_off
    refused = await dash.post(f"/inbox/{item}/snooze", {"until": "2026-11-26"}, "/inbox")
    assert "Vælg en dag efter i dag" in refused
    async with dash.runtime.sessions() as s:
        programme = await factories.programme(s)
        back, total = await queue(
            s, programme.id, View.OPEN, today=date(2026, 11, 30), coordinator_id=1
        )
    assert total == 1 and back[0][0].id == item


async def test_viewer_reads_figures_but_not_people_inbox_or_any_change(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    from mentoring.coordinators import add_coordinator
    from tests.browser.seed import EMAIL

    async with dash.runtime.sessions() as s, s.begin():
        await add_coordinator(
            s, "styregruppe@kommune.example.dk", "laese-adgang-123", role="viewer"
        )
    token = await dash.csrf()
    login = await dash.client.post(
        "/login",
        data={"csrf": token, "email": "styregruppe@kommune.example.dk",
              "password": "laese-adgang-123", "next": "/"},
        allow_redirects=False,
    )  # fmt: skip
    assert login.status == 303 and EMAIL != "styregruppe@kommune.example.dk"
    overview = await dash.client.get("/")
    assert overview.status == 200 and "Kun læseadgang" in await overview.text()
    assert 'action="/search"' not in await overview.text()
    for path in ("/mentors", "/pairs"):
        assert (await dash.client.get(path)).status == 200, path
    for path in ("/inbox", "/search?q=sara", f"/people/{dash.data.sara}", "/audit", "/settings"):
        assert (await dash.client.get(path)).status == 403, path
    token = await dash.csrf("/")
    approve = await dash.client.post(
        f"/mentors/{dash.data.peter}/approve", data={"csrf": token, "check": "interview"}
    )
    assert approve.status == 403

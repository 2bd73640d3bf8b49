"""A mentor approved in the dashboard is told what happens next on their own channel, and gets the
introduction to the role by e-mail with a signed link to the same text as a page they can reopen
(both languages; SMS and Telegram); approving again sends nothing twice."""

from __future__ import annotations

import re

from sqlalchemy import select

from mentoring.people import add_contact
from storage.models import OutboxMessage, Person
from tests.fakes.chat import Chat
from tests.test_dashboard import Dashboard, dash  # noqa: F401  (the fixture)

PETER_PHONE = "+4540112255"  # the seed's pending mentor
PETER_EMAIL = "peter@petersvvs.dk"
LINK = re.compile(r"https?://\S+/links/mentor-role/(\S+)")


async def _approve(dash: Dashboard) -> None:  # noqa: F811
    await dash.post(
        f"/mentors/{dash.data.peter}/approve",
        {"check": "straffeattest", "checked_on": "2026-11-20"},
        page="/mentors",
    )


async def test_approved_mentor_is_told_by_sms_and_gets_the_role_by_email_and_page(
    dash: Dashboard,  # noqa: F811
) -> None:
    async with dash.runtime.sessions() as session, session.begin():
        peter = await session.get(Person, dash.data.peter)
        assert peter is not None
        await add_contact(session, peter, "email", PETER_EMAIL, verified=True)
    await dash.login()
    await _approve(dash)
    told = await Chat(dash.runtime, channel="sms", address=PETER_PHONE).text()
    assert "Godt nyt, Peter: Du er godkendt som erhvervsmentor" in told
    assert "Koordinatoren finder en ung, der passer til dig" in told
    assert "introduktion til rollen på e-mail" in told
    async with dash.runtime.sessions() as session:
        [mail] = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email"))
        )
    body = mail.body or ""
    assert mail.address == PETER_EMAIL and "Velkommen som erhvervsmentor, Peter!" in body
    for part in ("cirka 3 timer om måneden", "HVIS DU ER BEKYMRET FOR DEN UNGE", "ring 112",
                 "at søge job", "Skriv MØDE"):  # fmt: skip
        assert part in body, part
    token = LINK.search(body)
    assert token is not None
    page = await dash.client.get(f"/links/mentor-role/{token.group(1)}")
    html = await page.text()
    assert page.status == 200 and "Din rolle som erhvervsmentor, Peter" in html
    assert "Hvis du er bekymret for den unge" in html and "cirka 3 timer om måneden" in html
    forged = await dash.client.get(f"/links/mentor-role/{token.group(1)[:-3]}AAA")
    assert forged.status == 403 and "ikke gyldigt" in await forged.text()
    # Approving again (a new screening) tells nobody twice.
    await _approve(dash)
    assert await Chat(dash.runtime, channel="sms", address=PETER_PHONE, seen=mail.id).text() == ""


async def test_approved_english_mentor_on_telegram_without_email_is_told_in_english(
    dash: Dashboard,  # noqa: F811
) -> None:
    async with dash.runtime.sessions() as session, session.begin():
        peter = await session.get(Person, dash.data.peter)
        assert peter is not None
        peter.language = "en"
        await add_contact(session, peter, "telegram", "9001", verified=True)
    await dash.login()
    await _approve(dash)
    told = await Chat(dash.runtime, channel="telegram", address="9001").text()
    assert "Good news, Peter: you are approved as a business mentor" in told
    assert "by e-mail" not in told
    async with dash.runtime.sessions() as session:
        mails = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email"))
        )
    assert mails == []

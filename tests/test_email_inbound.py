"""Replies by e-mail (SendGrid Inbound Parse): a mentor answers the meeting e-mail with "JA".

The HTTP tests post the real SendGrid sample payload (fixtures/external), with the sender,
subject, text and threading headers of a reply to the invite e-mail we really sent.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from core.runtime import Runtime
from messaging.email_reply import first_line, parse_inbound, reply_part
from storage.models import ConversationState, InboxItem, Meeting, OutboxMessage, Person
from tests.conftest import NOW
from tests.email_helpers import MENTOR_EMAIL, YOUTH_PHONE, deliver, email_runtime, request_meeting
from web.app import create_app

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "external"
SECRET = "inbound-path-secret-0123456789"
URL = f"/email/inbound/{SECRET}"
BOUNDARY = "xYzZY"
QUOTE = (
    "Den tor. 26. nov. 2026 kl. 10.00 skrev Erhvervsmentor <mentor@vejle.example.dk>:\n"
    "> Sara foreslår et møde. Svar JA eller NEJ.\n"
)


def fixture_fields() -> list[tuple[str, str]]:
    """The sample POST's fields, in order, as SendGrid's own test tool sends them."""
    raw = (FIXTURES / "sendgrid-inbound-parse.multipart.txt").read_text()
    fields = []
    for chunk in raw.split(f"--{BOUNDARY}"):
        if not chunk.strip() or chunk.strip() == "--":
            continue
        head, _, value = chunk.removeprefix("\n").partition("\n\n")
        name = re.search(r'name="([^"]+)"', head)
        assert name is not None
        fields.append((name[1], value.removesuffix("\n")))
    return fields


def reply_payload(
    text: str,
    *,
    sender: str = f"Henrik Jensen <{MENTOR_EMAIL}>",
    subject: str = "Re: Møde tirsdag d. 1. december kl. 15.00: kan du komme?",
    in_reply_to: str = "",
    message_id: str = "<CAB-reply-0001@mail.firma.dk>",
    extra_headers: str = "",
    spf: str = "pass",
    dkim: str = "{@sendgrid.com : pass}",
) -> bytes:
    """The fixture with this reply's sender, subject, text and threading headers."""
    replaced = {
        "from": sender,
        "subject": subject,
        "text": text,
        "html": "<div>" + html.escape(text).replace("\n", "<br>") + "</div>",
        "envelope": json.dumps({"to": ["svar@inbound.vejle.example.dk"], "from": sender}),
        "SPF": spf,
        "dkim": dkim,
    }
    out = []
    for name, value in fixture_fields():
        if name == "headers":
            value = re.sub(r"(?m)^From: .*$", f"From: {sender}", value)
            value = re.sub(r"(?m)^Subject: .*$", f"Subject: {subject}", value)
            threading = f"Message-ID: {message_id}\n"
            if in_reply_to:
                threading += f"In-Reply-To: {in_reply_to}\nReferences: {in_reply_to}\n"
            value = value.replace("MIME-Version: 1.0\n", f"MIME-Version: 1.0\n{threading}")
            value += extra_headers
        value = replaced.get(name, value)
        out.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value.replace(chr(10), chr(13) + chr(10))}\r\n"
        )
    out.append(f"--{BOUNDARY}--\r\n")
    return "".join(out).encode("utf-8")


HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


@pytest.fixture
async def runtime(db_url: str, tmp_path: Path) -> AsyncIterator[Runtime]:
    rt = email_runtime(db_url, tmp_path, email_inbound_secret=SECRET)
    yield rt
    await rt.close()


async def asked(runtime: Runtime) -> tuple[EmailMessage, int, int]:
    """The meeting e-mail Henrik got: (the e-mail, meeting id, Henrik's id)."""
    message, meeting_id, mentor_id = await request_meeting(runtime)
    return await deliver(runtime, message), meeting_id, mentor_id


async def meeting_status(runtime: Runtime, meeting_id: int) -> str:
    async with runtime.sessions() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting.status


async def outbox(runtime: Runtime, **where: object) -> list[OutboxMessage]:
    async with runtime.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for column, value in where.items():
            query = query.where(getattr(OutboxMessage, column) == value)
        return list(await session.scalars(query))


async def post(runtime: Runtime, *payloads: bytes, url: str = URL) -> list[int]:
    async with TestClient(TestServer(create_app(runtime))) as client:
        return [(await client.post(url, data=p, headers=HEADERS)).status for p in payloads]


async def test_email_reply_ja_confirms_the_meeting_and_tells_the_youth(runtime: Runtime) -> None:
    email, meeting_id, mentor_id = await asked(runtime)
    payload = reply_payload(
        "JA, det passer fint!\n\nHilsen Henrik\n\n" + QUOTE,
        subject=f"Re: {email['Subject']}",
        in_reply_to=str(email["Message-ID"]),
    )
    assert await post(runtime, payload) == [200]
    assert await meeting_status(runtime, meeting_id) == "confirmed"
    [youth] = await outbox(runtime, address=YOUTH_PHONE)
    assert youth.template == "meeting_confirmed" and "Henrik" in (youth.body or "")
    [ack] = await outbox(runtime, address=MENTOR_EMAIL, template="meeting_confirmed")
    assert "Mødet er bekræftet: tirsdag d. 1. december kl. 15.00" in (ack.body or "")
    async with runtime.sessions() as session:
        state = await session.get(ConversationState, mentor_id)
        assert state is not None and state.flow is None  # no longer asked


async def test_email_inbound_wrong_or_missing_secret_is_refused_and_changes_nothing(
    runtime: Runtime,
) -> None:
    email, meeting_id, _ = await asked(runtime)
    payload = reply_payload("JA", in_reply_to=str(email["Message-ID"]))
    before = len(await outbox(runtime))
    forged = URL[:-1] + ("X" if not URL.endswith("X") else "Y")
    statuses = await post(runtime, payload, url=forged)
    statuses += await post(runtime, payload, url="/email/inbound")
    statuses += await post(runtime, payload, url=URL + "/extra")
    assert statuses == [403, 403, 404]
    assert await meeting_status(runtime, meeting_id) == "proposed"
    assert len(await outbox(runtime)) == before
    # Without EMAIL_INBOUND_SECRET the webhook does not exist at all.
    off = Runtime.build(
        runtime.settings.model_copy(update={"email_inbound_secret": None}), clock=lambda: NOW
    )
    try:
        assert await post(off, payload, url=URL) == [404]
        assert await post(off, payload, url="/email/inbound") == [404]
    finally:
        await off.close()
    assert await meeting_status(runtime, meeting_id) == "proposed"


async def test_email_inbound_duplicate_delivery_confirms_once(runtime: Runtime) -> None:
    email, meeting_id, _ = await asked(runtime)
    payload = reply_payload("Ja\n\n" + QUOTE, in_reply_to=str(email["Message-ID"]))
    assert await post(runtime, payload, payload) == [200, 200]
    assert await meeting_status(runtime, meeting_id) == "confirmed"
    assert len(await outbox(runtime, address=YOUTH_PHONE)) == 1
    # The second delivery was not read as a new "JA": no "already confirmed" answer either.
    assert [m.template for m in await outbox(runtime, address=MENTOR_EMAIL)] == [
        "meeting_confirm",
        "meeting_confirmed",
    ]


async def test_email_from_an_unknown_sender_gets_a_polite_answer_and_changes_nothing(
    runtime: Runtime,
) -> None:
    email, meeting_id, _ = await asked(runtime)
    async with runtime.sessions() as session:
        people = await session.scalar(select(func.count()).select_from(Person))
    stranger = "Nogen Andre <nogen@andet-firma.dk>"
    payload = reply_payload("JA\n\n" + QUOTE, sender=stranger, in_reply_to=str(email["Message-ID"]))
    auto = reply_payload(
        "Jeg er på ferie til mandag.",
        sender=stranger,
        message_id="<auto-1@andet-firma.dk>",
        extra_headers="Auto-Submitted: auto-replied\n",
    )
    assert await post(runtime, payload, auto) == [200, 200]
    assert await meeting_status(runtime, meeting_id) == "proposed"
    [answer] = await outbox(runtime, address="nogen@andet-firma.dk")  # the auto-reply: none
    assert answer.template == "email_inbound_answer" and answer.person_id is None
    body = answer.body or ""
    assert "Vi kender ikke den adresse, du skriver fra" in body
    assert "skrive JA eller NEJ øverst, fx:" in body and "JA, vi ses" in body
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == people
        assert await session.scalar(select(func.count()).select_from(InboxItem)) == 0
    assert await outbox(runtime, address=YOUTH_PHONE) == []


async def test_email_quoted_ja_below_nej_does_not_confirm(runtime: Runtime) -> None:
    email, meeting_id, _ = await asked(runtime)
    payload = reply_payload("Nej\n\n" + QUOTE + "> JA\n", in_reply_to=str(email["Message-ID"]))
    assert await post(runtime, payload) == [200]
    assert await meeting_status(runtime, meeting_id) == "declined"
    [youth] = await outbox(runtime, address=YOUTH_PHONE)
    assert youth.template == "meeting_declined" and "Henrik kan ikke" in (youth.body or "")
    [answer] = await outbox(runtime, address=MENTOR_EMAIL, template="email_inbound_answer")
    assert "vi har sagt til Sara" in (answer.body or "")


async def test_email_unclear_reply_gets_an_example_in_english_and_reaches_the_coordinator(
    runtime: Runtime,
) -> None:
    email, meeting_id, mentor_id = await asked(runtime)
    async with runtime.sessions() as session, session.begin():
        mentor = await session.get(Person, mentor_id)
        assert mentor is not None
        mentor.language = "en"
    text = "Could we make it Thursday instead?\n\nOn Thu, 26 Nov 2026 at 10:00 X wrote:\n> JA"
    payload = reply_payload(text, in_reply_to=str(email["Message-ID"]))
    assert await post(runtime, payload) == [200]
    assert await meeting_status(runtime, meeting_id) == "proposed"
    [answer] = await outbox(runtime, address=MENTOR_EMAIL, template="email_inbound_answer")
    body = answer.body or ""
    assert "We could not tell whether you can come to the meeting Tuesday 1 December" in body
    assert "write YES or NO at the top, for example:" in body and "YES, see you then" in body
    assert "passed your message on" in body
    async with runtime.sessions() as session:
        [item] = list(await session.scalars(select(InboxItem)))
    assert item.person_id == mentor_id and item.body == "Could we make it Thursday instead?"


async def test_email_raw_mode_reply_in_latin1_without_threading_confirms(
    runtime: Runtime,
) -> None:
    """SendGrid's "raw" mode posts the whole message; a new e-mail (no In-Reply-To) answers the
    meeting Henrik is being asked about."""
    _, meeting_id, _ = await asked(runtime)
    raw = (
        f"From: Henrik Jensen <{MENTOR_EMAIL.upper()}>\r\n"
        "To: svar@inbound.vejle.example.dk\r\nSubject: =?iso-8859-1?q?M=F8det?=\r\n"
        "Message-ID: <raw-1@firma.dk>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "Hej,\r\nJa tak, det passer. Hilsen Søren\r\n"
    ).encode("iso-8859-1")
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="email"\r\n\r\n'.encode()
        + raw
        + f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="SPF"\r\n\r\npass\r\n'
        f"--{BOUNDARY}--\r\n".encode()
    )
    assert await post(runtime, body) == [200]
    assert await meeting_status(runtime, meeting_id) == "confirmed"


# The reading of a reply, without a database.


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("JA\n\n" + QUOTE, "JA"),
        ("Hej Sara,\n\nja, det passer fint\n", "ja, det passer fint"),
        ("Hej, ja det kan jeg godt", "ja det kan jeg godt"),
        (
            "Nej\n\nOn Thu, 26 Nov 2026 at 10:00, Erhvervsmentor <\nmentor@vejle.dk> wrote:\n> JA",
            "Nej",
        ),
        ("Yes\r\n\r\n-----Original Message-----\r\nFrom: x\r\n\r\nNEJ", "Yes"),
        ("ok\n\nFra: Erhvervsmentor <mentor@vejle.dk>\nSendt: 26. november 2026\n\nJA", "ok"),
        ("\n\n> JA\n> quoted only", ""),
        ("Kan ikke\n-- \nHenrik Jensen, JA-Byg ApS", "Kan ikke"),
    ],
)
def test_email_reply_first_meaningful_line_is_above_the_quote(text: str, line: str) -> None:
    assert first_line(reply_part(text)) == line


def _parts(**fields: str | bytes) -> dict[str, bytes]:
    return {k: v if isinstance(v, bytes) else v.encode() for k, v in fields.items()}


def test_email_reply_html_only_drops_the_quoted_block() -> None:
    mail = parse_inbound(_parts(
        **{"from": "a@b.dk", "text": "",
           "html": '<div dir="ltr">Ja &amp; tak</div><div class="gmail_quote">'
                   "<blockquote>NEJ</blockquote></div>"},
    ))  # fmt: skip
    assert mail.first_line == "Ja & tak" and "NEJ" not in mail.reply


def test_email_reply_text_is_decoded_with_the_charsets_sendgrid_reports() -> None:
    mail = parse_inbound(_parts(
        **{"from": "Søren <S.Holm@Firma.DK>", "text": "Ja, på torsdag".encode("iso-8859-1"),
           "charsets": '{"text":"iso-8859-1","from":"UTF-8"}'},
    ))  # fmt: skip
    assert mail.first_line == "Ja, på torsdag" and mail.sender == "s.holm@firma.dk"


def test_email_reply_auto_replies_and_failed_spf_are_flagged() -> None:
    auto = parse_inbound(_parts(
        **{"from": "a@b.dk", "text": "Out of office", "headers": "Auto-Submitted: auto-replied\n"},
    ))  # fmt: skip
    bounce = parse_inbound(_parts(**{"from": "MAILER-DAEMON@b.dk", "text": "failed"}))
    spoofed = parse_inbound(_parts(**{"from": "a@b.dk", "text": "JA", "SPF": "fail"}))
    signed = parse_inbound(
        _parts(**{"from": "a@b.dk", "text": "JA", "SPF": "fail", "dkim": "{@b.dk : pass}"})
    )
    assert auto.automatic and bounce.automatic and not signed.automatic
    assert spoofed.spoofed and not signed.spoofed


# Issue 16 finding 9: an e-mail without an SPF or own-domain DKIM pass is not acted on.
@pytest.mark.parametrize(
    ("spf", "dkim"),
    [("none", ""), ("neutral", "{@sendgrid.com : pass}"), ("", "{@firma.dk.evil.example : pass}"),
     ("temperror", "{@firma.dk : fail}")],
)  # fmt: skip
async def test_email_reply_without_spf_or_dkim_pass_goes_to_the_coordinator_unanswered(
    runtime: Runtime, spf: str, dkim: str
) -> None:
    email, meeting_id, mentor_id = await asked(runtime)
    before = len(await outbox(runtime))
    payload = reply_payload(
        "JA\n\n" + QUOTE, in_reply_to=str(email["Message-ID"]), spf=spf, dkim=dkim
    )
    assert await post(runtime, payload) == [200]
    assert await meeting_status(runtime, meeting_id) == "proposed"
    assert len(await outbox(runtime)) == before  # no answer to an address that may be forged
    async with runtime.sessions() as session:
        items = list(await session.scalars(select(InboxItem)))
    assert [(i.kind, i.person_id, i.body) for i in items] == [("unverified_email", mentor_id, "JA")]


@pytest.mark.parametrize(("spf", "dkim"), [("pass", ""), ("none", "{@firma.dk : pass}")])
async def test_email_reply_with_spf_or_the_senders_own_dkim_pass_is_acted_on(
    runtime: Runtime, spf: str, dkim: str
) -> None:
    email, meeting_id, _ = await asked(runtime)
    payload = reply_payload(
        "JA\n\n" + QUOTE, in_reply_to=str(email["Message-ID"]), spf=spf, dkim=dkim
    )
    assert await post(runtime, payload) == [200]
    assert await meeting_status(runtime, meeting_id) == "confirmed"

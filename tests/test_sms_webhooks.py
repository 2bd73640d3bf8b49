"""POST /sms/inbound and /sms/status over real HTTP, signed with twilio's RequestValidator, with
the outbox dispatcher of the app sending replies to the fake Twilio REST server."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl, urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from multidict import MultiDict, MultiDictProxy
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from core.runtime import Runtime
from mentoring import outbound
from storage.models import ContactPoint, InboundEvent, OutboxMessage, Person
from tests.conftest import NOW
from tests.factories import youth
from tests.fakes.twilio_api import EXTERNAL, FakeTwilio, fixture_form
from tests.outbox_helpers import ACCOUNT, TOKEN, eventually, queue_sms, sms_settings
from web.app import create_app
from web.inbound import settled
from web.sms import FLOOD_LIMIT, valid_signature

BASE = "https://mentor.example.dk"
NUMBER = "+4520123456"
OTHER_NUMBER = "+4520654321"  # nobody's: no contact point, so nothing holds it


@pytest.fixture
async def runtime(db_url: str, twilio: FakeTwilio) -> AsyncIterator[Runtime]:
    settings = sms_settings(
        twilio.base_url, database_url=db_url, public_base_url=BASE, run_scheduler=False
    )
    rt = Runtime.build(settings)
    yield rt
    await rt.close()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[TestClient[object, object]]:
    async with TestClient(TestServer(create_app(runtime))) as c:
        yield c


def sign(path: str, params: list[tuple[str, str]], token: str = TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(BASE + path, MultiDict(params)))


async def post_signed(
    client: TestClient[object, object], path: str, params: list[tuple[str, str]], **kw: str
) -> int:
    signature = kw.get("signature") or sign(path, params)
    response = await client.post(
        path,
        data=urlencode(params),
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    await response.read()
    if path == "/sms/inbound" and response.status == 200:
        await settled(client.app)  # the text answered is in the journal: handle it now
    return response.status


def sms(text: str, sid: str, number: str = NUMBER) -> list[tuple[str, str]]:
    return [
        ("MessageSid", sid),
        ("SmsSid", sid),
        ("AccountSid", ACCOUNT),
        ("From", number),
        ("To", "+4571999999"),
        ("Body", text),
        ("NumMedia", "0"),
    ]


async def count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def youth_on_sms(runtime: Runtime, verified: bool = True) -> int:
    async with runtime.sessions() as session, session.begin():
        person = await youth(session, NOW)
        person.status = "active"
        session.add(
            ContactPoint(person_id=person.id, channel="sms", address=NUMBER, verified=verified)
        )
        await session.flush()
        return person.id


def test_sms_signature_vectors_from_the_fixtures() -> None:
    vectors = json.loads((EXTERNAL / "twilio-signature-vector.json").read_text())["vectors"]
    assert len(vectors) == 9
    for v in vectors:
        raw = v.get("raw_body")
        pairs = v["params"].items() if isinstance(v["params"], dict) else v["params"]
        params: MultiDictProxy[str] | str = (
            raw if raw is not None else MultiDictProxy(MultiDict(pairs))
        )
        assert valid_signature(v["auth_token"], v["url"], params, v["expected_signature"]), v[
            "name"
        ]
        assert not valid_signature(v["auth_token"], v["url"] + "x", params, v["expected_signature"])


def test_sms_signature_derived_inbound_sms_and_tampered_body() -> None:
    vector = json.loads((EXTERNAL / "twilio-signature-derived-inbound-sms.json").read_text())
    pairs = parse_qsl(fixture_form(vector["body_file"]), keep_blank_values=True)
    good = MultiDictProxy(MultiDict(pairs))
    tampered = MultiDictProxy(MultiDict((k, "STOP" if k == "Body" else v) for k, v in pairs))
    token, url, sig = vector["auth_token"], vector["url"], vector["expected_signature"]
    assert valid_signature(token, url, good, sig)
    assert not valid_signature(token, url, tampered, sig)


@pytest.mark.parametrize("signature", ["", "forged", "wrong-token"])
async def test_sms_inbound_forged_request_gets_403_and_leaves_no_row(
    client: TestClient[object, object], runtime: Runtime, signature: str
) -> None:
    params = sms("Hej", "SM" + "f" * 32)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature == "wrong-token":
        headers["X-Twilio-Signature"] = sign("/sms/inbound", params, token="other")
    elif signature:
        headers["X-Twilio-Signature"] = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    response = await client.post("/sms/inbound", data=urlencode(params), headers=headers)
    assert response.status == 403
    for model in (InboundEvent, OutboxMessage, Person, ContactPoint):
        assert await count(runtime.sessions, model) == 0


async def test_sms_inbound_fixture_sms_starts_sign_up_and_gets_a_reply(
    client: TestClient[object, object], runtime: Runtime, twilio: FakeTwilio
) -> None:
    params = parse_qsl(fixture_form("twilio-inbound-sms.urlencoded.txt"), keep_blank_values=True)
    response = await client.post(
        "/sms/inbound",
        data=urlencode(params),
        headers={
            "X-Twilio-Signature": sign("/sms/inbound", params),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status == 200
    assert response.content_type == "text/xml"
    assert "<Response>" in await response.text()
    await eventually(lambda: len(twilio.accepted) >= 1)
    assert twilio.accepted[0]["To"] == "+12533243071"
    async with runtime.sessions() as session:
        point = await session.scalar(select(ContactPoint).where(ContactPoint.channel == "sms"))
        assert point is not None and point.address == "+12533243071" and point.verified


async def test_sms_inbound_repeated_message_sid_gets_one_reply(
    client: TestClient[object, object], runtime: Runtime, twilio: FakeTwilio
) -> None:
    params = sms("Hej", "SM" + "1" * 32)
    assert await post_signed(client, "/sms/inbound", params) == 200
    replies = await count(runtime.sessions, OutboxMessage)
    assert replies >= 1
    assert await post_signed(client, "/sms/inbound", params) == 200
    assert await count(runtime.sessions, OutboxMessage) == replies
    await eventually(lambda: len(twilio.accepted) == replies)
    assert await count(runtime.sessions, Person) == 1


async def test_sms_inbound_texts_at_once_are_each_handled_once_with_one_reply(
    client: TestClient[object, object], runtime: Runtime, twilio: FakeTwilio
) -> None:
    """Thirty people text at once, and one text arrives twice at the same moment (Twilio's
    retry): thirty sign-ups, thirty first replies, no error."""
    numbers = [f"+452011{i:04d}" for i in range(30)]
    texts = [sms("Hej", f"SM{i:032d}", number) for i, number in enumerate(numbers)]
    statuses = await asyncio.gather(
        *(post_signed(client, "/sms/inbound", params) for params in [*texts, texts[0]])
    )
    assert set(statuses) == {200}
    assert await count(runtime.sessions, Person) == 30
    assert await count(runtime.sessions, InboundEvent) == 30
    async with runtime.sessions() as session:
        first_replies = Counter(
            (
                await session.scalars(
                    select(OutboxMessage.address).where(OutboxMessage.channel == "sms")
                )
            ).all()
        )
    assert set(first_replies) == set(numbers)
    assert len(set(first_replies.values())) == 1  # everyone got the same number of replies


async def test_sms_inbound_text_from_an_unverified_number_releases_its_held_messages(
    client: TestClient[object, object], runtime: Runtime, twilio: FakeTwilio
) -> None:
    await youth_on_sms(runtime, verified=False)
    await queue_sms(runtime.sessions, [NUMBER], template="followup_hours")
    # A later row to another number going out proves the dispatcher has claimed since and held
    # this one back: the number is not proven theirs yet.
    await queue_sms(runtime.sessions, [OTHER_NUMBER], template="followup_hours")
    await eventually(lambda: twilio.bodies_to(OTHER_NUMBER) == ["msg 0"])
    assert twilio.bodies_to(NUMBER) == []
    assert await post_signed(client, "/sms/inbound", sms("hjælp", "SM" + "6" * 32)) == 200
    await eventually(lambda: "msg 0" in twilio.bodies_to(NUMBER))
    async with runtime.sessions() as session:
        point = await session.scalar(select(ContactPoint).where(ContactPoint.address == NUMBER))
        assert point is not None and point.verified


async def test_sms_inbound_mms_gets_a_polite_text_only_reply(
    client: TestClient[object, object], runtime: Runtime, twilio: FakeTwilio
) -> None:
    params = parse_qsl(fixture_form("twilio-inbound-mms.urlencoded.txt"), keep_blank_values=True)
    assert await post_signed(client, "/sms/inbound", params) == 200
    await eventually(lambda: len(twilio.accepted) == 1)
    assert twilio.accepted[0]["To"] == "+14133881111"
    assert twilio.accepted[0]["Body"] == runtime.renderer.message("sms_only_text", "da", "sms")


async def test_sms_stop_gets_one_confirmation_then_silence_until_start(
    client: TestClient[object, object], runtime: Runtime, twilio: FakeTwilio
) -> None:
    person_id = await youth_on_sms(runtime)
    assert await post_signed(client, "/sms/inbound", sms(" Stop. ", "SM" + "2" * 32)) == 200
    await eventually(lambda: len(twilio.accepted) == 1)
    assert twilio.accepted[0]["Body"].startswith("OK, du får ikke flere sms'er")
    assert await post_signed(client, "/sms/inbound", sms("AFMELD", "SM" + "3" * 32)) == 200

    # Whatever the follow-ups want: outbound.say finds no way to reach them, a raw row is refused.
    async with runtime.sessions() as session, session.begin():
        queued = await outbound.say(session, runtime.renderer, person_id, "sms_opted_in")
    assert queued is None
    [raw] = await queue_sms(runtime.sessions, [NUMBER], template="followup_hours")

    async def suppressed() -> bool:
        async with runtime.sessions() as session:
            row = await session.get(OutboxMessage, raw)
            return row is not None and row.status == "failed"

    await eventually(suppressed)
    assert len(twilio.bodies_to(NUMBER)) == 1

    assert await post_signed(client, "/sms/inbound", sms("tilmeld", "SM" + "4" * 32)) == 200
    await eventually(lambda: len(twilio.accepted) == 2)
    assert twilio.accepted[1]["Body"].startswith("Velkommen tilbage")
    async with runtime.sessions() as session:
        point = await session.scalar(select(ContactPoint).where(ContactPoint.address == NUMBER))
        assert point is not None and point.state == "ok"


@pytest.mark.parametrize("word", ["STOP", "stopp", "Afmeld", "STOPALL", "unsubscribe!"])
async def test_sms_opt_out_words(
    client: TestClient[object, object], runtime: Runtime, word: str
) -> None:
    await youth_on_sms(runtime)
    assert await post_signed(client, "/sms/inbound", sms(word, "SM" + "5" * 32)) == 200
    async with runtime.sessions() as session:
        point = await session.scalar(select(ContactPoint).where(ContactPoint.address == NUMBER))
        assert point is not None and point.state == "opted_out"


async def test_sms_inbound_flood_from_one_number_is_cut_off(
    client: TestClient[object, object], runtime: Runtime
) -> None:
    for i in range(FLOOD_LIMIT + 5):
        assert await post_signed(client, "/sms/inbound", sms("hej", f"SM{i:032d}")) == 200
    assert await count(runtime.sessions, InboundEvent) == FLOOD_LIMIT


def callback(name: str) -> list[tuple[str, str]]:
    """A status callback fixture: `.urlencoded.txt` as posted, or `key=value` lines."""
    if name.endswith(".urlencoded.txt"):
        return parse_qsl(fixture_form(name), keep_blank_values=True)
    lines = (EXTERNAL / name).read_text().splitlines()
    return [(k, v) for k, _, v in (line.partition("=") for line in lines) if k and k[0] != "#"]


async def sent_row(runtime: Runtime, sid: str, address: str, attempts: int = 1) -> int:
    """An SMS the dispatcher already handed to Twilio, to a youth reachable at `address`."""
    async with runtime.sessions() as session, session.begin():
        person = await youth(session, NOW)
        session.add(ContactPoint(person_id=person.id, channel="sms", address=address))
        row = OutboxMessage(
            person_id=person.id,
            channel="sms",
            address=address,
            template="followup_hours",
            body="Hej",
            status="sent",
            provider_id=sid,
            attempts=attempts,
        )
        session.add(row)
        await session.flush()
        return row.id


async def row_and_contact(runtime: Runtime, row_id: int) -> tuple[str, str]:
    async with runtime.sessions() as session:
        row = await session.get(OutboxMessage, row_id)
        assert row is not None
        point = await session.scalar(
            select(ContactPoint).where(ContactPoint.address == row.address)
        )
        assert point is not None
        return row.status, point.state


async def test_sms_status_delivered_then_a_late_sent_keeps_delivered(
    client: TestClient[object, object], runtime: Runtime
) -> None:
    params = callback("twilio-status-callback-delivered.urlencoded.txt")
    row = await sent_row(runtime, "SMyyy", "+17031111")
    assert await post_signed(client, "/sms/status", params) == 200
    assert await row_and_contact(runtime, row) == ("delivered", "ok")
    late = [(k, "sent" if k in ("MessageStatus", "SmsStatus") else v) for k, v in params]
    assert await post_signed(client, "/sms/status", late) == 200
    assert await row_and_contact(runtime, row) == ("delivered", "ok")


async def test_sms_status_with_outbox_id_in_the_callback_url(
    client: TestClient[object, object], runtime: Runtime
) -> None:
    row = await sent_row(runtime, "SMyyy", "+17031111")
    params = callback("twilio-status-callback-delivered.urlencoded.txt")
    assert await post_signed(client, f"/sms/status?id={row}", params) == 200
    assert (await row_and_contact(runtime, row))[0] == "delivered"


async def test_sms_status_21610_marks_the_number_opted_out(
    client: TestClient[object, object], runtime: Runtime
) -> None:
    params = callback("twilio-status-callback-stop-21610.txt")
    row = await sent_row(runtime, "SMe287d7109a5a925f182f0e07fe5b223b", "+12028831111")
    assert await post_signed(client, "/sms/status", params) == 200
    assert await row_and_contact(runtime, row) == ("failed", "opted_out")


async def test_sms_status_30003_is_retried_then_unreachable(
    client: TestClient[object, object], runtime: Runtime
) -> None:
    params = callback("twilio-status-callback-failed-30003.urlencoded.txt")
    row = await sent_row(runtime, "SMyyy", "+11111111111")
    assert await post_signed(client, "/sms/status", params) == 200
    assert await row_and_contact(runtime, row) == ("pending", "ok")
    last = await sent_row(runtime, "SMlast", "+11111111112", attempts=8)
    final = [(k, "SMlast" if k == "MessageSid" else v) for k, v in params]
    assert await post_signed(client, "/sms/status", final) == 200
    assert await row_and_contact(runtime, last) == ("dead", "unreachable")


async def test_sms_status_undelivered_other_error_fails_the_message_only(
    client: TestClient[object, object], runtime: Runtime
) -> None:
    params = callback("twilio-status-callback.urlencoded.txt")
    row = await sent_row(runtime, "SMf0bc7a034bb25ff30b6ccd43f48ff9ee", "+16505552222")
    assert await post_signed(client, "/sms/status", params) == 200
    assert await row_and_contact(runtime, row) == ("failed", "ok")


async def test_sms_status_forged_gets_403_and_changes_nothing(
    client: TestClient[object, object], runtime: Runtime
) -> None:
    params = callback("twilio-status-callback-delivered.urlencoded.txt")
    row = await sent_row(runtime, "SMyyy", "+17031111")
    status = await post_signed(client, "/sms/status", params, signature="bm90IGEgc2lnbmF0dXJl")
    assert status == 403
    assert await row_and_contact(runtime, row) == ("sent", "ok")

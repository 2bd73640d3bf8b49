"""Property-based: arbitrary, properly signed Twilio requests (inbound SMS and status callbacks)
over real HTTP; the app's dispatcher sends replies to the fake Twilio REST server. A signed
request always gets Twilio's 200 (empty TwiML for inbound), no CPR number is ever kept, a
callback never moves a message backwards, and a forged request changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given
from hypothesis import strategies as st
from multidict import MultiDict
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from core.runtime import Runtime
from storage.models import ContactPoint, InboundEvent, OutboxMessage
from tests.conftest import NOW
from tests.fakes.twilio_api import FakeTwilio, fixture_form
from tests.fuzz_strategies import CPR, FUZZ, NUMBER_TEXTS, NUMBERS, TEXTS, assert_no_cpr_stored
from tests.outbox_helpers import ACCOUNT, FROM, TOKEN, queue_sms, statuses
from tests.runtime import make_runtime
from web.app import create_app
from web.inbound import settled
from web.sms import EMPTY_TWIML

BASE = "https://mentor.example.dk"
LATER = datetime(2100, 1, 1, tzinfo=UTC)
INBOUND = dict(parse_qsl(fixture_form("twilio-inbound-sms.urlencoded.txt"), keep_blank_values=True))
STATUS = dict(
    parse_qsl(
        fixture_form("twilio-status-callback-delivered.urlencoded.txt"), keep_blank_values=True
    )
)
# Twilio writes From, To and the SIDs itself: varied, but what Twilio sends (E.164 numbers, short
# codes, alphanumeric sender ids); what a person types is the Body, and that is fully hostile.
PHONES = st.one_of(
    st.sampled_from(["+4520123456", "+4531415926", "+12533243071", "1234", "", "Jobcenter"]),
    st.from_regex(r"\A\+?[0-9]{1,16}\Z"),
    st.text(st.characters(codec="ascii", categories=["L", "N"]), max_size=11),
)
SIDS = st.one_of(
    st.builds("SM{:032x}".format, st.integers(0, 2**128 - 1)),
    st.text(st.characters(codec="ascii", categories=["L", "N"]), max_size=80),
)
INBOUND_FORMS = st.fixed_dictionaries(
    {"Body": TEXTS, "From": PHONES, "MessageSid": SIDS},
    optional={"NumMedia": NUMBER_TEXTS, "MediaUrl0": TEXTS, "To": PHONES, "FromCity": TEXTS},
)
STATUS_WORDS = st.one_of(
    st.sampled_from(["queued", "sent", "delivered", "read", "failed", "undelivered", "canceled"]),
    TEXTS,
)
CODES = st.one_of(st.sampled_from(["30003", "30005", "21610", "21211", "30034", ""]), NUMBER_TEXTS)
# Row ids our StatusCallback URLs name: real ones (1-3), absent ones, ones no column holds, and
# ones no integer parse takes (URL-safe: Twilio signs the URL exactly as we gave it).
OUTBOX_IDS = st.one_of(
    st.none(),
    st.sampled_from(["1", "2", "3", "", "²", "٣", "1e3", "-1"]),
    NUMBERS.map(str),
    st.text(st.characters(codec="ascii", categories=["L", "N"]), max_size=30),
)
ORDER = {"pending": 0, "sending": 1, "sent": 2, "delivered": 3, "failed": 3, "dead": 3}


def sign(path: str, params: dict[str, str], token: str = TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(BASE + path, MultiDict(params)))


@pytest.fixture
async def client(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    twilio: FakeTwilio,
    tmp_path: Path,
) -> AsyncIterator[tuple[TestClient, Runtime]]:
    runtime = make_runtime(
        engine, NOW, sessions, data_dir=tmp_path, run_scheduler=False, public_base_url=BASE,
        twilio_account_sid=ACCOUNT, twilio_auth_token=TOKEN, twilio_from_number=FROM,
        twilio_api_url=twilio.base_url,
    )  # fmt: skip
    http = TestClient(TestServer(create_app(runtime)))
    await http.start_server()
    try:
        yield http, runtime
    finally:
        await http.close()


async def post(http: TestClient, path: str, form: dict[str, str], signature: str) -> str:
    async with http.post(
        path,
        data=urlencode(form),
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    ) as response:
        answer = f"{response.status} {await response.text()}"
    if path == "/sms/inbound" and answer.startswith("200"):
        await settled(http.app)  # what the text was recorded as is handled, and then blanked
    return answer


def clean(form: dict[str, str]) -> dict[str, str]:
    """What a form can carry: no lone surrogates (they cannot be URL-encoded)."""
    return {k: v.encode("utf-8", "replace").decode() for k, v in form.items()}


@FUZZ
@given(fields=INBOUND_FORMS)
async def test_fuzz_signed_inbound_sms_always_gets_empty_twiml_and_keeps_no_cpr(
    client: tuple[TestClient, Runtime], fields: dict[str, str]
) -> None:
    http, runtime = client
    form = clean({**INBOUND, **fields})
    answer = await post(http, "/sms/inbound", form, sign("/sms/inbound", form))
    assert answer == f"200 {EMPTY_TWIML}"
    await assert_no_cpr_stored(runtime.sessions)


@FUZZ
@given(
    status=STATUS_WORDS,
    code=st.one_of(st.none(), CODES),
    sid=st.one_of(st.sampled_from(["SM1", "SM2", "SM3"]), SIDS),
    outbox_id=OUTBOX_IDS,
)
async def test_fuzz_signed_status_callback_answers_200_and_never_moves_a_message_back(
    client: tuple[TestClient, Runtime],
    status: str,
    code: str | None,
    sid: str,
    outbox_id: str | None,
) -> None:
    http, runtime = client
    async with runtime.sessions() as session:
        empty = await session.scalar(select(OutboxMessage.id)) is None
    if empty:
        numbers = ["+4520123456", "+4520123457", "+4520123458"]
        ids = await queue_sms(runtime.sessions, numbers, due=LATER)  # not for the dispatcher
        async with runtime.sessions() as session, session.begin():
            for i in ids:
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == i)
                    .values(status="sent", provider_id=f"SM{i}", attempts=1)
                )
    before = await statuses(runtime.sessions)
    form = clean({**STATUS, "MessageStatus": status, "MessageSid": sid})
    if code is not None:
        form["ErrorCode"] = clean({"c": code})["c"]
    path = "/sms/status" + (f"?{urlencode({'id': outbox_id})}" if outbox_id is not None else "")
    answer = await post(http, path, form, sign(path, form))
    assert answer.startswith("200 ")
    after = await statuses(runtime.sessions)
    assert all(ORDER[after[i]] >= ORDER[s] or after[i] == "pending" for i, s in before.items())


@FUZZ
@given(
    fields=INBOUND_FORMS,
    forgery=st.sampled_from(["none", "wrong token", "other url", "garbage"]),
    garbage=TEXTS,
)
async def test_fuzz_forged_inbound_sms_is_refused_and_keeps_nothing(
    client: tuple[TestClient, Runtime], fields: dict[str, str], forgery: str, garbage: str
) -> None:
    http, runtime = client
    form = clean({**INBOUND, **fields, "Body": f"{fields['Body']} {CPR}"})
    signature = {
        "none": "",
        "wrong token": sign("/sms/inbound", form, token="not-the-token"),
        "other url": sign("/sms/elsewhere", form),
        "garbage": "".join(c for c in garbage if c.isascii() and c.isprintable()).strip() or "x",
    }[forgery]
    for path in ("/sms/inbound", "/sms/status"):
        answer = await post(http, path, form, signature)
        assert answer.startswith("403 "), path
    async with runtime.sessions() as session:
        assert await session.scalar(select(InboundEvent.id)) is None
        assert await session.scalar(select(ContactPoint.id)) is None
        assert await session.scalar(select(OutboxMessage.id)) is None


async def test_signed_sms_or_callback_with_a_number_that_is_no_integer_gets_200(
    client: tuple[TestClient, Runtime],
) -> None:
    """Found by the fuzzer: a NumMedia that is no number, an ErrorCode like "²" (isdigit() but
    no int) and a row id beyond 64 bits each made a 500."""
    http, runtime = client
    for media in ("²", "abc", "9" * 30):
        form = {**INBOUND, "NumMedia": media, "MessageSid": f"SM{len(media)}"}
        answer = await post(http, "/sms/inbound", form, sign("/sms/inbound", form))
        assert answer == f"200 {EMPTY_TWIML}", media
    [sent] = await queue_sms(runtime.sessions, ["+4520123456"], due=LATER)
    async with runtime.sessions() as session, session.begin():
        await session.execute(update(OutboxMessage).values(status="sent", provider_id="SMx"))
    for query, code in (("id=" + "9" * 30, "30003"), (f"id={sent}", "²"), (f"id={sent}", "9" * 40)):
        form = {**STATUS, "MessageStatus": "failed", "ErrorCode": code}
        path = f"/sms/status?{query}"
        assert (await post(http, path, form, sign(path, form))).startswith("200 "), query

"""Issue 16 finding 4: no CPR number is kept, whichever way it comes in and however it is written.

A property test makes real CPR numbers (real birth dates, every century digit) in the spellings
people use (`01.02.03-1234`, `01 02 03 12 34`, `010203/1234`, `010203_1234`, full-width and
Arabic-Indic digits, a zero-width space inside) and sends each through every way text reaches
us: an SMS (signed Twilio webhook), a Telegram update, the chat simulator, a mentor's e-mail
reply (which cannot be refused: it reaches the coordinator redacted), a dashboard form and a CSV
import. Afterwards it reads every file in the data folder byte by byte (the SQLite database, its
WAL, e-mails written to disk) and, on PostgreSQL, every table's text.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from multidict import MultiDict
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from core.runtime import Runtime
from mentoring.coordinators import add_coordinator
from mentoring.cpr import contains_cpr, redact
from mentoring.importing import import_csv
from mentoring.people import add_contact
from storage.db import unit_of_work
from storage.models import InboxItem
from tests import factories
from tests.conftest import NOW
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.outbox_helpers import ACCOUNT, FROM, TOKEN
from tests.privacy_helpers import all_text
from tests.runtime import make_runtime
from tests.test_email_inbound import HEADERS, reply_payload
from web.app import create_app
from web.inbound import settled

# Development over plain HTTP (the test client): a https base would make the session cookie
# Secure, which the client does not send back; the Telegram webhook needs a base at all.
BASE = "http://mentor.example.dk"
HOOK_SECRET = "s3cret-webhook-token"
MAIL_SECRET = "inbound-path-secret-0123456789"
MENTOR_EMAIL = "henrik@firma.dk"
COORDINATOR, PASSWORD = "k@jobcenter.example.dk", "rigtig-hest-batteri"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@st.composite
def cpr_numbers(draw: st.DrawFn) -> str:
    """Ten ASCII digits: a real birth date and a serial whose 7th digit fits its century."""
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
    yy = born.year % 100
    if born.year < 2000:
        seventh = draw(st.sampled_from([0, 1, 2, 3] + ([4, 9] if yy >= 37 else [])))
    else:
        seventh = draw(st.sampled_from([4, 9] if yy <= 36 else [5, 6, 7, 8]))
    serial = f"{seventh}{draw(st.integers(0, 999)):03d}"
    return f"{born:%d%m}{yy:02d}{serial}"


SPELLINGS = [
    lambda d: d,
    lambda d: f"{d[:6]}-{d[6:]}",
    lambda d: f"{d[:6]} {d[6:]}",
    lambda d: f"{d[:2]}.{d[2:4]}.{d[4:6]}-{d[6:]}",
    lambda d: " ".join(d[i : i + 2] for i in range(0, 10, 2)),
    lambda d: f"{d[:6]}/{d[6:]}",
    lambda d: f"{d[:6]}_{d[6:]}",
    lambda d: f"{d[:6]} – {d[6:]}",
    lambda d: d.translate(FULL_WIDTH),
    lambda d: f"{d[:6]}-{d[6:]}".translate(ARABIC_INDIC),
    lambda d: f"{d[:6]}\u200b{d[6:]}",
]
SENTENCES = [
    "{}",
    "min cpr er {}",
    "den unge gav mig sit cpr {} så I har det",
    "CPR: {} tak 😀",
    "hej\n{}\nmvh",
]


@st.composite
def typed_cpr(draw: st.DrawFn) -> tuple[str, str]:
    """(the ten digits, the text a person typed around them)."""
    digits = draw(cpr_numbers())
    spelled = draw(st.sampled_from(SPELLINGS))(digits)
    return digits, draw(st.sampled_from(SENTENCES)).format(spelled)


def test_every_spelling_of_a_cpr_number_is_spotted_and_redacted() -> None:
    for spell in SPELLINGS:
        text = f"den unge gav mig sit cpr {spell('0102031234')}, ring 22334455"
        assert contains_cpr(text), text
        assert redact(text) == "den unge gav mig sit cpr [CPR], ring 22334455"


@dataclass
class Everywhere:
    runtime: Runtime
    client: TestClient
    data_dir: Path
    sms_sent: int = 0

    async def sms(self, text: str) -> None:
        self.sms_sent += 1
        form = {"MessageSid": f"SM{self.sms_sent:032x}", "From": f"+452{self.sms_sent:07d}",
                "To": FROM, "Body": text, "NumMedia": "0"}  # fmt: skip
        signature = RequestValidator(TOKEN).compute_signature(
            BASE + "/sms/inbound", MultiDict(form)
        )
        response = await self.client.post(
            "/sms/inbound",
            data=urlencode(form),
            headers={"X-Twilio-Signature": str(signature),
                     "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        assert response.status == 200
        await settled(self.client.app)

    async def telegram(self, text: str) -> None:
        self.sms_sent += 1
        update = {"update_id": self.sms_sent, "message": {
            "message_id": self.sms_sent, "date": 1764000000, "text": text,
            "chat": {"id": 4242, "type": "private", "first_name": "Sara"},
            "from": {"id": 4242, "is_bot": False, "first_name": "Sara", "language_code": "da"},
        }}  # fmt: skip
        response = await self.client.post(
            "/telegram/webhook",
            data=json.dumps(update),
            headers={"Content-Type": "application/json",
                     "X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET},
        )  # fmt: skip
        assert response.status == 200

    async def simulator(self, text: str) -> None:
        response = await self.client.post(
            "/dev/chat/api/send", json={"address": "sim-cpr", "text": text}
        )
        assert response.status == 200

    async def email(self, text: str) -> None:
        response = await self.client.post(
            f"/email/inbound/{MAIL_SECRET}",
            data=reply_payload(text + "\n\nHilsen Henrik", sender=f"Henrik <{MENTOR_EMAIL}>"),
            headers=HEADERS,
        )
        assert response.status == 200

    async def dashboard(self, text: str) -> None:
        page = await (await self.client.get("/companies")).text()
        token = CSRF.search(page)
        assert token is not None
        response = await self.client.post(
            "/companies", data={"csrf": token.group(1), "name": text, "industry": ""}
        )
        assert response.status == 200
        assert "CPR" in await response.text()  # told why, on the page they came from

    async def import_file(self, text: str) -> None:
        path = self.data_dir / "import.csv"
        path.write_text(
            "first_name,birth_year,situation,phone,area\n"
            f'Ali,2004,unemployed,+4560606060,"{text}"\n',
            encoding="utf-8",
        )
        result = await import_csv(self.runtime, "youths", path)
        assert result.imported == 0 and len(result.rejected) == 1
        path.unlink()


@pytest.fixture
async def everywhere(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    telegram_api: FakeTelegramAPI,
    tmp_path: Path,
) -> AsyncIterator[Everywhere]:
    runtime = make_runtime(
        engine, NOW, sessions, data_dir=tmp_path, run_scheduler=False, public_base_url=BASE,
        secret_key="a-test-secret-that-is-long-enough", twilio_account_sid=ACCOUNT,
        twilio_auth_token=TOKEN, twilio_from_number=FROM, twilio_api_url="http://127.0.0.1:9",
        telegram_bot_token="42:TEST", telegram_api_url=telegram_api.base_url,
        telegram_webhook_secret=SecretStr(HOOK_SECRET), email_inbound_secret=MAIL_SECRET,
    )  # fmt: skip
    async with unit_of_work(sessions) as session:
        mentor = await factories.mentor(session)
        await add_contact(session, mentor, "email", MENTOR_EMAIL, verified=True)
        youth = await factories.youth(session, NOW)
        await add_contact(session, youth, "sms", "+4520304050", verified=True)
        await add_coordinator(session, COORDINATOR, PASSWORD)
    client = TestClient(TestServer(create_app(runtime)))
    await client.start_server()
    page = await (await client.get("/login")).text()
    token = CSRF.search(page)
    assert token is not None
    login = {"csrf": token.group(1), "email": COORDINATOR, "password": PASSWORD, "next": "/"}
    assert (await client.post("/login", data=login, allow_redirects=False)).status == 303
    try:
        yield Everywhere(runtime, client, tmp_path)
    finally:
        await client.close()


def stored_bytes(data_dir: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file())


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(typed=st.lists(typed_cpr(), min_size=6, max_size=6))
async def test_no_cpr_number_is_kept_whichever_way_it_comes_in(
    everywhere: Everywhere, typed: list[tuple[str, str]]
) -> None:
    channels = [everywhere.sms, everywhere.telegram, everywhere.simulator, everywhere.email,
                everywhere.dashboard, everywhere.import_file]  # fmt: skip
    for channel, (_, text) in zip(channels, typed, strict=True):
        await channel(text)
    async with everywhere.runtime.sessions() as session:
        everything = await all_text(session)
        forwarded = list(await session.scalars(select(InboxItem.body)))
    on_disk = stored_bytes(everywhere.data_dir)
    for digits, text in typed:
        spelled = text.strip()
        for needle in {digits, f"{digits[:6]}-{digits[6:]}", spelled}:
            assert needle not in everything
            assert needle.encode() not in on_disk
    assert any("[CPR]" in (body or "") for body in forwarded)  # the e-mail, kept redacted


async def test_email_reply_with_a_cpr_number_reaches_the_coordinator_redacted(
    everywhere: Everywhere,
) -> None:
    await everywhere.email("den unge gav mig sit cpr 010203-1234")
    async with everywhere.runtime.sessions() as session:
        bodies = list(await session.scalars(select(InboxItem.body)))
    assert bodies == ["den unge gav mig sit cpr [CPR]\n\nHilsen Henrik"]


async def test_dashboard_form_with_a_cpr_number_is_refused_and_says_why(
    everywhere: Everywhere,
) -> None:
    await everywhere.dashboard("Firma 01.02.03-1234")
    async with everywhere.runtime.sessions() as session:
        assert "Firma" not in await all_text(session)


async def test_import_row_with_a_cpr_number_is_rejected_naming_the_column(
    everywhere: Everywhere,
) -> None:
    path = everywhere.data_dir / "youths.csv"
    path.write_text(
        "first_name,birth_year,situation,phone\nAli,2004,unemployed,01 02 03 12 34\n"
        "Mia,2003,unemployed,+4560606061\n",
        encoding="utf-8",
    )
    result = await import_csv(everywhere.runtime, "youths", path)
    assert result.imported == 1
    assert result.rejected == [
        (2, "Rækken har et CPR-nummer i kolonnen phone; vi gemmer aldrig CPR-numre")
    ]


async def test_sms_with_a_spaced_cpr_number_is_refused_with_an_answer(
    everywhere: Everywhere,
) -> None:
    await everywhere.sms("hej mit cpr er 01 02 03 12 34")
    async with everywhere.runtime.sessions() as session:
        everything = await all_text(session)
    assert "CPR-nummer" in everything  # the refusal queued for the sender
    assert "01 02 03 12 34" not in everything

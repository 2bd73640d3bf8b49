"""Property-based: arbitrary text through every inbound path never crashes, never stores a CPR
number, and HTML comes back escaped. One app per test function, a modest number of examples."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from mentoring.coordinators import add_coordinator
from mentoring.runtime import Runtime
from storage.models import Coordinator
from tests.conftest import NOW
from tests.fakes.chat import make_runtime
from tests.privacy_helpers import all_text
from web.app import create_app

TOKEN = "twilio-test-auth-token"
BASE = "https://mentor.example.dk"
CPR = "010203-1234"
FRAGMENTS = st.sampled_from([
    "'; DROP TABLE people; --", "\" OR 1=1 --", "<script>alert(1)</script>", "<b>fed</b>",
    "{{ 7*7 }}", "%(name)s", CPR, "slet mine data", "ja", "STOP", "\x00", "\u202e", "😀",
    "a" * 1700,
])  # fmt: skip
MIXED = st.lists(st.one_of(st.text(max_size=40), FRAGMENTS), max_size=4).map("".join)
TEXTS = st.one_of(st.text(max_size=300), FRAGMENTS, MIXED)
FORMS = ("/companies", "/openings", "/openings/1/fill", "/outcomes", "/inbox/1/handled",
         "/mentors/1/approve", "/mentors/1/capacity", "/mentors/invitations", "/pairs/1/close",
         "/youths/1/match", "/batch/confirm", "/people/1/erase", "/language")  # fmt: skip
FIELDS = ("name", "cvr", "industry", "source", "kind", "company_id", "origin", "youth_id",
          "mentor_id", "category", "observed_on", "capacity", "reason", "check", "checked_on",
          "language", "next", "confirm", "note", "outside_partnership")  # fmt: skip
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip


@pytest.fixture
async def client(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> AsyncIterator[tuple[TestClient, Runtime]]:
    runtime = make_runtime(engine, sessions, NOW, data_dir=tmp_path, secret_key="k" * 40,
                           run_scheduler=False, public_base_url=BASE,
                           twilio_account_sid="AC" + "1" * 32, twilio_auth_token=TOKEN)  # fmt: skip
    test_client = TestClient(TestServer(create_app(runtime)))
    await test_client.start_server()
    try:
        yield test_client, runtime
    finally:
        await test_client.close()


@FUZZ
@given(text=TEXTS, n=st.integers(min_value=0, max_value=3))
async def test_fuzz_simulator_and_signed_sms_never_fail_or_keep_a_cpr(
    client: tuple[TestClient, Runtime], text: str, n: int
) -> None:
    http, runtime = client
    started = await http.post("/dev/chat/api/start", json={"kind": "youth"})
    assert started.status == 200
    address = (await started.json())["address"]
    sent = await http.post("/dev/chat/api/send", json={"address": address, "text": text})
    assert sent.status == 200
    read = await http.get("/dev/chat/api/messages", params={"address": address})
    assert read.status == 200

    form = {"From": f"+452233440{n}", "To": "+4570000000", "Body": text,
            "MessageSid": f"SM{abs(hash(text)) % 10**30:032d}", "NumMedia": "0"}  # fmt: skip
    signature = RequestValidator(TOKEN).compute_signature(f"{BASE}/sms/inbound", form)
    inbound = await http.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": signature})
    assert inbound.status == 200
    async with runtime.sessions() as session:
        stored = await all_text(session)
    assert CPR not in stored and CPR.replace("-", "") not in stored


@FUZZ
@given(text=TEXTS)
async def test_fuzz_dashboard_forms_never_fail_and_escape_html(
    client: tuple[TestClient, Runtime], text: str
) -> None:
    http, runtime = client
    async with runtime.sessions() as session, session.begin():
        if await session.scalar(select(Coordinator.id)) is None:
            await add_coordinator(session, "k@jobcenter.example.dk", "rigtig-hest-batteri")
    page = await (await http.get("/login")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    login = await http.post("/login", data={"csrf": token.group(1), "email": text,
                                             "password": text})  # fmt: skip
    assert login.status < 500
    await http.post("/login", allow_redirects=False,
                    data={"csrf": token.group(1), "email": "k@jobcenter.example.dk",
                          "password": "rigtig-hest-batteri"})  # fmt: skip
    page = await (await http.get("/companies")).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    fields = dict.fromkeys(FIELDS, text)
    for path in FORMS:
        response = await http.post(path, data={"csrf": csrf.group(1), **fields})
        assert response.status < 500, path
        html = await response.text()
        assert "<script>alert(1)</script>" not in html
    for path in ("/companies", "/openings", "/inbox", "/digest/preview"):
        shown = await http.get(path)
        assert shown.status == 200, path
        assert "<script>alert(1)</script>" not in await shown.text(), path

"""Property-based: arbitrary text and arbitrary JSON through the chat simulator's API (/dev/chat),
which runs the same conversation engine as Telegram and SMS. Never a 5xx, a body that is no JSON
object is a 400, and no CPR number typed in ends up stored. The other inbound paths have their
own files: test_fuzz_telegram.py, test_fuzz_sms.py, test_fuzz_dashboard.py."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from tests.conftest import NOW
from tests.fuzz_strategies import FUZZ, JSON_TEXTS, NUMBER_TEXTS, NUMBERS, assert_no_cpr_stored
from tests.runtime import make_runtime
from web.app import create_app

JSON_VALUES = st.one_of(
    JSON_TEXTS, NUMBERS, st.none(), st.booleans(), st.lists(JSON_TEXTS, max_size=2)
)
BODIES = st.one_of(
    st.binary(max_size=100),
    st.sampled_from([b"", b"null", b"[]", b"42", b'"x"', b"{", b'{"kind": ["youth"]}']),
    st.dictionaries(
        st.sampled_from(["kind", "address", "text", "option"]),
        st.one_of(JSON_VALUES, st.builds("sim-{}".format, JSON_TEXTS)),
    )
    .map(lambda d: json.dumps(d).encode()),
)  # fmt: skip


@pytest.fixture
async def client(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> AsyncIterator[tuple[TestClient, Runtime]]:
    runtime = make_runtime(engine, NOW, sessions, data_dir=tmp_path, run_scheduler=False)
    http = TestClient(TestServer(create_app(runtime)))
    await http.start_server()
    try:
        yield http, runtime
    finally:
        await http.close()


@FUZZ
@given(texts=st.lists(JSON_TEXTS, min_size=1, max_size=4), option=st.one_of(st.none(), JSON_TEXTS))
async def test_fuzz_simulator_conversation_never_fails_or_keeps_a_cpr(
    client: tuple[TestClient, Runtime], texts: list[str], option: str | None
) -> None:
    """A few turns of one conversation, so later answers reach the steps that store them."""
    http, runtime = client
    started = await http.post("/dev/chat/api/start", json={"kind": "youth"})
    assert started.status == 200
    address = (await started.json())["address"]
    for text in texts:
        sent = await http.post("/dev/chat/api/send", json={"address": address, "text": text})
        assert sent.status == 200
    tapped = await http.post("/dev/chat/api/send", json={"address": address, "option": option})
    assert tapped.status == 200
    read = await http.get("/dev/chat/api/messages", params={"address": address})
    assert read.status == 200 and await read.json()
    await assert_no_cpr_stored(runtime.sessions)


@FUZZ
@given(body=BODIES, after=NUMBER_TEXTS, address=st.one_of(NUMBER_TEXTS, st.just("sim-x")))
async def test_fuzz_simulator_api_answers_a_malformed_request_with_4xx_never_5xx(
    client: tuple[TestClient, Runtime], body: bytes, after: str, address: str
) -> None:
    http, _ = client
    for path in ("/dev/chat/api/start", "/dev/chat/api/send"):
        response = await http.post(path, data=body, headers={"Content-Type": "application/json"})
        assert response.status < 500, path
    read = await http.get("/dev/chat/api/messages", params={"address": address, "after": after})
    assert read.status in (200, 400)


async def test_simulator_name_with_a_nul_or_a_lone_surrogate_is_kept_without_it(
    client: tuple[TestClient, Runtime],
) -> None:
    """Found by the fuzzer: PostgreSQL refuses both in the conversation state, so such an answer
    was a 500 (on Telegram, redelivered for ever); now the characters are dropped."""
    http, _ = client
    for name, shown in (("Sa\x00ra", "Sara"), ("Ida\udcff", "Ida?")):
        started = await http.post("/dev/chat/api/start", json={"kind": "youth"})
        address = (await started.json())["address"]
        for text in ("ja", name):
            sent = await http.post("/dev/chat/api/send", json={"address": address, "text": text})
            assert sent.status == 200, text
        read = await http.get("/dev/chat/api/messages", params={"address": address})
        assert any(f"Dejligt at møde dig, {shown}!" in m["body"] for m in await read.json())

"""Issue 16 finding 9: a deep or huge JSON body is refused before a handler parses it, /metrics
answers only this machine or a token, and the data folder and database files are private."""

from __future__ import annotations

import json
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from storage.db import create_engine
from tests.cli_helpers import clean_env, mentorbot
from tests.conftest import NOW
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.runtime import make_runtime
from web.app import create_app
from web.limits import MAX_JSON_BYTES, MAX_JSON_DEPTH, json_depth

SECRET = "s3cret-webhook-token"


@pytest.fixture
async def app(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    telegram_api: FakeTelegramAPI,
    tmp_path: Path,
) -> AsyncIterator[tuple[TestClient, Runtime]]:
    runtime = make_runtime(
        engine, NOW, sessions, data_dir=tmp_path, run_scheduler=False,
        public_base_url="https://mentor.example.dk", telegram_bot_token="42:TEST",
        telegram_api_url=telegram_api.base_url, telegram_webhook_secret=SecretStr(SECRET),
        metrics_token=SecretStr("prometheus-scrape-token-0123456789"),
    )  # fmt: skip
    client = TestClient(TestServer(create_app(runtime)))
    await client.start_server()
    try:
        yield client, runtime
    finally:
        await client.close()


def test_json_depth_counts_nesting_not_brackets_in_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]}') == 3
    assert json_depth(b"[" * 100 + b"]" * 100) == 100
    assert json_depth(b'{"update_id": 1}') == 1


async def test_deep_json_on_the_telegram_webhook_is_refused_not_a_500(
    app: tuple[TestClient, Runtime],
) -> None:
    client, _ = app
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 20_000 + b"1" + b"}" * 20_000):
        response = await client.post(
            "/telegram/webhook",
            data=body,
            headers={"Content-Type": "application/json",
                     "X-Telegram-Bot-Api-Secret-Token": SECRET},
        )  # fmt: skip
        assert response.status == 400
    shallow = {"update_id": 1, "message": {
        "message_id": 1, "date": 1764000000, "text": "hej",
        "chat": {"id": 4242, "type": "private", "first_name": "Sara"},
        "from": {"id": 4242, "is_bot": False, "first_name": "Sara"},
    }}  # fmt: skip
    response = await client.post(
        "/telegram/webhook",
        data=json.dumps(shallow),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status == 200  # an ordinary update still goes through
    assert MAX_JSON_DEPTH >= 16


async def test_huge_json_body_is_413_before_it_is_parsed(app: tuple[TestClient, Runtime]) -> None:
    client, _ = app
    big = json.dumps({"address": "sim-x", "text": "a" * (MAX_JSON_BYTES + 10)})
    response = await client.post(
        "/dev/chat/api/send", data=big, headers={"Content-Type": "application/json"}
    )
    assert response.status == 413


async def test_metrics_answer_this_machine_or_the_token_only(
    app: tuple[TestClient, Runtime],
) -> None:
    client, _ = app
    assert (await client.get("/metrics")).status == 200  # the test client is on 127.0.0.1
    relayed = {"X-Forwarded-For": "203.0.113.9"}  # a proxy on this machine relays the world
    assert (await client.get("/metrics", headers=relayed)).status == 403
    assert (await client.get("/metrics", headers={"Forwarded": "for=203.0.113.9"})).status == 403
    wrong = {**relayed, "Authorization": "Bearer nope"}
    assert (await client.get("/metrics", headers=wrong)).status == 403
    right = {**relayed, "Authorization": "Bearer prometheus-scrape-token-0123456789"}
    response = await client.get("/metrics", headers=right)
    assert response.status == 200 and "mentorbot_outbox_backlog" in await response.text()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_folder_and_database_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "var"
    result = mentorbot("db", "upgrade", env=clean_env(data), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _mode(data) == 0o700
    files = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.name == "mentorbot.db" for p in files)
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}


async def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    path.write_bytes(b"")
    path.chmod(0o644)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        wal = path.with_name("old.db-wal")
        assert _mode(path) == 0o600
        assert not wal.exists() or _mode(wal) == 0o600
    finally:
        await engine.dispose()

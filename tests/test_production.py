"""Production mode refuses unsafe defaults at start-up and hides the development pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import cli
from tests.conftest import NOW
from tests.fakes.chat import make_runtime
from web.app import create_app

SECRETS = ("SECRET_KEY", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "PUBLIC_BASE_URL",
           "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "DATABASE_URL")  # fmt: skip


@pytest.fixture
def production(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "SECRET_KEY"),
        (
            {"SECRET_KEY": "s" * 48, "TELEGRAM_BOT_TOKEN": "123:abc",
             "PUBLIC_BASE_URL": "https://mentor.example.dk"},
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        ({"SECRET_KEY": "s" * 48, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32}, "TWILIO_AUTH_TOKEN"),
    ],
)  # fmt: skip
def test_production_refuses_to_start_without_a_needed_secret(
    production: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    named: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("configuration error: ") and named in err
    assert not (production / "mentorbot.db").exists()  # refused before touching anything


def test_production_telegram_by_polling_needs_no_webhook_secret(
    production: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    assert cli.main(["followups", "--days", "1"]) == 0
    assert "configuration error" not in capsys.readouterr().err


async def test_production_hides_the_chat_simulator(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    runtime = make_runtime(engine, sessions, NOW, app_env="production", secret_key="s" * 48,
                           data_dir=tmp_path, run_scheduler=False)  # fmt: skip
    client = TestClient(TestServer(create_app(runtime)))
    await client.start_server()
    try:
        for path in ("/dev/chat", "/dev/chat/api/messages?address=sim-x"):
            assert (await client.get(path)).status == 404
        sent = await client.post("/dev/chat/api/send", json={"address": "sim-x", "text": "hej"})
        assert sent.status in (404, 405)
        assert (await client.get("/healthz")).status == 200
    finally:
        await client.close()

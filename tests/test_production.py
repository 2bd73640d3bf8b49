"""Production mode refuses unsafe defaults at start-up and hides the development pages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import cli
from messaging.links import LinkError, sign, verify
from settings import load_settings, production_problems
from tests.conftest import NOW
from tests.runtime import make_runtime
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
    runtime = make_runtime(engine, NOW, sessions, app_env="production", secret_key="s" * 48,
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


# Issue 16 finding 1: weak keys and unusable public addresses are refused in production.
GOOD_KEY = "k" * 32


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "x"}, "SECRET_KEY"),
        ({"SECRET_KEY": "k" * 31}, "SECRET_KEY"),
        ({"SECRET_KEY": GOOD_KEY, "SECRET_KEY_PREVIOUS": "old"}, "SECRET_KEY_PREVIOUS"),
        ({"SECRET_KEY": GOOD_KEY, "PUBLIC_BASE_URL": "http://mentor.example.dk"},
         "PUBLIC_BASE_URL"),
        ({"SECRET_KEY": GOOD_KEY, "PUBLIC_BASE_URL": "mentor.example.dk"}, "PUBLIC_BASE_URL"),
        ({"SECRET_KEY": GOOD_KEY, "PUBLIC_BASE_URL": "https://"}, "PUBLIC_BASE_URL"),
        ({"SECRET_KEY": GOOD_KEY, "PUBLIC_BASE_URL": "https://mentor.example.dk:99999"},
         "PUBLIC_BASE_URL"),
        ({"SECRET_KEY": GOOD_KEY, "PUBLIC_BASE_URL": "https://u:p@mentor.example.dk"},
         "PUBLIC_BASE_URL"),
        ({"SECRET_KEY": GOOD_KEY, "PUBLIC_BASE_URL": "https://mentor example.dk"},
         "PUBLIC_BASE_URL"),
    ],
)  # fmt: skip
def test_production_refuses_a_weak_key_or_a_base_url_that_is_not_https(
    production: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    named: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["serve"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"configuration error: {named}:")
    assert not (production / "mentorbot.db").exists()


def test_production_problems_lists_every_refusal_for_the_doctor(production: Path) -> None:
    settings = load_settings(secret_key="short", public_base_url="http://x.example.dk")
    problems = production_problems(settings)
    assert [p.split(":")[0] for p in problems] == ["SECRET_KEY", "PUBLIC_BASE_URL"]
    good = load_settings(secret_key=GOOD_KEY, public_base_url="https://mentor.example.dk")
    assert production_problems(good) == []
    assert production_problems(load_settings(app_env="development", secret_key="x")) == []


def test_links_and_sessions_survive_a_key_rotation(production: Path) -> None:
    old = load_settings(secret_key="o" * 40)
    rotated = load_settings(secret_key="n" * 40, secret_key_previous="o" * 40)
    later = load_settings(secret_key="n" * 40)
    token = sign(old.signing_keys(), {"m": 1, "p": 2}, NOW + timedelta(days=1))
    assert verify(rotated.signing_keys(), token, NOW)["m"] == 1
    fresh = sign(rotated.signing_keys(), {"m": 1}, NOW + timedelta(days=1))
    assert verify(later.signing_keys(), fresh, NOW)["m"] == 1  # new links use the new key
    with pytest.raises(LinkError):
        verify(later.signing_keys(), token, NOW)  # once the old key is dropped, its links end


async def test_dashboard_session_survives_a_key_rotation(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    from tests.browser.seed import EMAIL, PASSWORD, dashboard_runtime, seed

    runtime = dashboard_runtime(engine, tmp_path, lambda: NOW)
    await seed(runtime, NOW)
    client = TestClient(TestServer(create_app(runtime)))
    await client.start_server()
    try:
        page = await (await client.get("/login")).text()
        token = page.split('name="csrf" value="')[1].split('"')[0]
        data = {"csrf": token, "email": EMAIL, "password": PASSWORD, "next": "/"}
        assert (await client.post("/login", data=data, allow_redirects=False)).status == 303
        old = runtime.settings.secret()
        runtime.settings = runtime.settings.model_copy(
            update={"secret_key": SecretStr("r" * 40), "secret_key_previous": SecretStr(old)}
        )
        assert (await client.get("/", allow_redirects=False)).status == 200
        runtime.settings = runtime.settings.model_copy(update={"secret_key_previous": None})
        assert (await client.get("/", allow_redirects=False)).status == 303
    finally:
        await client.close()

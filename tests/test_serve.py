"""`mentorbot serve` on embedded defaults, and the health and metrics endpoints."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from importlib.metadata import version
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from core.runtime import Runtime
from settings import load_settings
from storage.db import create_engine
from storage.migrate import head_revision
from tests.cli_helpers import clean_env
from web.app import create_app

ROOT = Path(__file__).parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


def test_serve_with_no_configuration_answers_healthz_and_prints_demo_login(tmp_path: Path) -> None:
    port = _free_port()
    env = clean_env(tmp_path / "var", PORT=str(port), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, status, body = time.monotonic() + 60, 0, b""
        while time.monotonic() < deadline:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
        assert status == 200, proc.stderr.read() if proc.poll() is not None else "no answer"
        health = json.loads(body)
        assert health["database"] == "ok" and health["migrations"]["up_to_date"] is True
        assert (tmp_path / "var" / "mentorbot.db").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "koordinator@demo.dk" in out


@pytest.fixture
async def client(db_url: str, tmp_path: Path) -> AsyncIterator[TestClient[object, object]]:
    settings = load_settings(data_dir=tmp_path, database_url=db_url, run_scheduler=False)
    runtime = Runtime.build(settings)
    async with TestClient(TestServer(create_app(runtime))) as test_client:
        yield test_client
    await runtime.close()


async def test_healthz_reports_code_version_and_migration_revision(
    client: TestClient[object, object],
) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok" and body["version"] == version("mentorbot")
    assert body["migrations"] == {"current": head_revision(), "head": head_revision(),
                                  "up_to_date": True}  # fmt: skip


async def test_healthz_is_503_when_the_database_is_gone(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path,
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        run_scheduler=False,
    )
    runtime = Runtime.build(settings)
    runtime.engine = create_engine(settings.db_url, connect_args={"timeout": 1})
    async with TestClient(TestServer(create_app(runtime))) as test_client:
        response = await test_client.get("/healthz")
        assert response.status == 503
        assert (await response.json())["database"] == "unreachable"
    await runtime.close()


async def test_metrics_speak_prometheus_text(client: TestClient[object, object]) -> None:
    response = await client.get("/metrics")
    assert response.status == 200
    assert "# TYPE mentorbot_outbox_messages gauge" in await response.text()

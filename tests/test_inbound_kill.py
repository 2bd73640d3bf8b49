"""A real `mentorbot serve`, killed with SIGKILL right after it answered a burst of texts: the
texts it answered but had not handled yet are handled by the next `serve`, each exactly once
(the inbound journal is the source of truth once the webhook has answered)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from multidict import MultiDict
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from core.statuses import InboundState
from storage.db import create_engine, session_factory
from storage.models import ContactPoint, InboundEvent, OutboxMessage
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import ACCOUNT, FROM, TOKEN, eventually

REPO = Path(__file__).resolve().parents[1]
BASE = "https://mentor.example.dk"
TEXTS = 100  # first texts from as many new numbers, all in flight at once


async def start(
    db_url: str, twilio: FakeTwilio, port: int, log: Path
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_"))}
    env.update(
        DATABASE_URL=db_url, DATA_DIR=str(log.parent), HOST="127.0.0.1", PORT=str(port),
        APP_ENV="development", SECRET_KEY="test-secret-key-for-the-kill-test",
        RUN_SCHEDULER="false", PUBLIC_BASE_URL=BASE, TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN=TOKEN, TWILIO_FROM_NUMBER=FROM, TWILIO_API_URL=twilio.base_url,
        PYTHONPATH=str(REPO),
    )  # fmt: skip
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli", "serve", cwd=REPO, env=env, stdout=out, stderr=out
        )
    async with aiohttp.ClientSession() as client:

        async def up() -> bool:
            assert process.returncode is None, "serve exited: see serve.log"
            try:
                async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                    return response.status == 200
            except aiohttp.ClientError:
                return False

        await eventually(up, seconds=120)
    return process


def signed(i: int) -> tuple[bytes, dict[str, str]]:
    params = [("MessageSid", f"SMkill{i:026d}"), ("AccountSid", ACCOUNT), ("To", FROM),
              ("From", f"+4526{i:06d}"), ("Body", "Hej"), ("NumMedia", "0")]  # fmt: skip
    signature = RequestValidator(TOKEN).compute_signature(BASE + "/sms/inbound", MultiDict(params))
    headers = {"X-Twilio-Signature": signature,
               "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip
    return urlencode(params).encode(), headers


async def journal(db_url: str) -> Counter[str]:
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.execute(
                select(InboundEvent.state, func.count()).group_by(InboundEvent.state)
            )
            return Counter({state: n for state, n in rows.all()})
    finally:
        await engine.dispose()


async def test_kill_9_after_the_webhooks_answer_loses_no_text_and_handles_none_twice(
    db_url: str, twilio: FakeTwilio, tmp_path: Path
) -> None:
    port = _free_port()
    first = await start(db_url, twilio, port, tmp_path / "serve.log")
    try:
        async with aiohttp.ClientSession() as client:

            async def post(i: int) -> int:
                body, headers = signed(i)
                url = f"http://127.0.0.1:{port}/sms/inbound"
                async with client.post(url, data=body, headers=headers) as response:
                    return response.status

            statuses = await asyncio.gather(*(post(i) for i in range(TEXTS)))
        first.send_signal(signal.SIGKILL)  # the moment the last text was answered
        await first.wait()
    finally:
        if first.returncode is None:
            first.kill()
    assert statuses == [200] * TEXTS
    at_kill = await journal(db_url)
    assert sum(at_kill.values()) == TEXTS  # every answered text was recorded
    assert at_kill[InboundState.PENDING] > 0  # some were not handled yet: the case under test

    second = await start(db_url, twilio, port, tmp_path / "serve.log")
    try:

        async def all_handled() -> bool:
            return (await journal(db_url))[InboundState.DONE] == TEXTS

        await eventually(all_handled, seconds=120)
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session:
            numbers = Counter(
                await session.scalars(
                    select(ContactPoint.address).where(ContactPoint.channel == "sms")
                )
            )
            replies = Counter(
                await session.scalars(
                    select(OutboxMessage.address).where(OutboxMessage.channel == "sms")
                )
            )
    finally:
        await engine.dispose()
    assert len(numbers) == TEXTS and set(numbers.values()) == {1}  # one sign-up a number
    assert len(replies) == TEXTS and len(set(replies.values())) == 1  # the same replies, once


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

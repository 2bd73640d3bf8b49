"""Crash safety and sharing: dispatcher processes killed with SIGKILL, or running side by side,
against the fake Twilio server. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from messaging.dispatcher import DispatcherConfig
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import ACCOUNT, FROM, TOKEN, eventually, queue_sms, statuses

REPO = Path(__file__).resolve().parents[1]
N = 1000


async def spawn(
    db_url: str, api_url: str, log: Path, *args: str, lease: str = "60"
) -> asyncio.subprocess.Process:
    """A dispatcher process; the crash test uses a short lease so the restart need not wait."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_"))}
    env.update(
        DATABASE_URL=db_url,
        DATA_DIR=str(log.parent),
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_FROM_NUMBER=FROM,
        TWILIO_API_URL=api_url,
        TWILIO_MESSAGES_PER_SECOND="5000",
        PYTHONPATH=str(REPO),
    )
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "cli",
            "dispatch",
            "--lease",
            lease,
            *args,
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=out,
        )


def bodies(twilio: FakeTwilio) -> Counter[str]:
    return Counter(m["Body"] for m in twilio.accepted)


async def test_outbox_kill_9_mid_send_then_restart_delivers_every_message(
    db_url: str,
    sessions: async_sessionmaker[AsyncSession],
    twilio: FakeTwilio,
    tmp_path: Path,
) -> None:
    await queue_sms(sessions, [f"+4520{i:06d}" for i in range(N)])
    twilio.delay = 0.003
    first = await spawn(db_url, twilio.base_url, tmp_path / "first.log", lease="2")
    await eventually(lambda: len(twilio.accepted) >= N // 4 or first.returncode is not None, 60)
    first.send_signal(signal.SIGKILL)
    assert await first.wait() == -signal.SIGKILL
    sent_before_kill = len(twilio.accepted)
    assert sent_before_kill < N, "the dispatcher finished before it could be killed"

    second = await spawn(
        db_url, twilio.base_url, tmp_path / "second.log", "--until-empty", lease="2"
    )
    assert await asyncio.wait_for(second.wait(), 60) == 0, (tmp_path / "second.log").read_text()

    counts = bodies(twilio)
    assert set(counts) == {f"msg {i}" for i in range(N)}
    twice = sum(c - 1 for c in counts.values())
    assert twice <= DispatcherConfig(pacing={}).window  # only those in the send window
    assert set((await statuses(sessions)).values()) == {"sent"}


async def test_outbox_two_dispatchers_share_the_work_and_send_each_message_once(
    db_url: str,
    sessions: async_sessionmaker[AsyncSession],
    twilio: FakeTwilio,
    tmp_path: Path,
) -> None:
    await queue_sms(sessions, [f"+4521{i:06d}" for i in range(N)])
    twilio.delay = 0.002
    procs = [
        await spawn(db_url, twilio.base_url, tmp_path / f"d{n}.log", "--until-empty")
        for n in (1, 2)
    ]
    codes = await asyncio.wait_for(asyncio.gather(*(p.wait() for p in procs)), 60)
    assert codes == [0, 0]
    counts = bodies(twilio)
    assert len(counts) == N and set(counts.values()) == {1}
    assert set((await statuses(sessions)).values()) == {"sent"}

"""Issue 16 finding 5: the weekly digest is neither skipped nor sent twice.

A scheduler that starts on a Monday after 07:00 (jobs live in memory, so the next run would be
a week away) sends the due digest at once, but never a digest that may have gone out before
sends were recorded (the first start after the upgrade) nor last week's; each send is recorded
per week and recipient before it goes out, so a rerun, a second start or a restart after a crash
sends only to those who have not had it. Real SQLite and PostgreSQL, e-mails written as .eml
files by the real Mailer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED
from sqlalchemy import select

import scheduler
from core.runtime import Runtime
from mentoring.digest_mail import catch_up_digest, due_week, send_digest
from messaging.email import Mailer
from settings import load_settings
from storage.models import DigestSend
from tests.conftest import COPENHAGEN
from tests.digest_dataset import WEEK, build_programme

RECIPIENTS = "leder@vejle.dk,udvalg@vejle.dk,koordinator@vejle.dk"
# Monday 30 November 2026, 09:15 in Copenhagen: two hours after the digest was due.
MONDAY_LATE = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)


@pytest.fixture
async def make_runtime(db_url: str, tmp_path: Path) -> AsyncIterator[Callable[..., Runtime]]:
    made: list[Runtime] = []

    def make(now: datetime) -> Runtime:
        settings = load_settings(
            database_url=db_url, data_dir=tmp_path / "data", digest_recipients=RECIPIENTS
        )
        runtime = Runtime.build(settings, clock=lambda: now)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        await runtime.close()


async def sent_before(runtime: Runtime, week: str) -> None:
    """The digest of `week` went to every recipient, recorded (as the scheduler records it)."""
    async with runtime.sessions() as session, session.begin():
        for address in RECIPIENTS.split(","):
            session.add(DigestSend(week=week, recipient=address, sent_at=runtime.clock()))


def delivered(runtime: Runtime) -> list[str]:
    """To whom the digest went, one entry per e-mail written."""
    found = []
    for path in sorted(runtime.settings.mail_outbox_dir.glob("*.eml")):
        found.append(str(message_from_bytes(path.read_bytes(), policy=policy.default)["To"]))
    return found


class DiesAt(Mailer):
    """The real Mailer, except that the process 'dies' when it reaches one address."""

    def __init__(self, *args: Any, dies_at: str) -> None:
        super().__init__(*args)
        self.dies_at = dies_at

    async def send(self, message: EmailMessage) -> str:
        if message["To"] == self.dies_at:
            raise SystemExit("killed")
        return await super().send(message)


def test_due_week_is_the_week_the_last_monday_seven_oclock_sent() -> None:
    def local(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 11, day, hour, minute, tzinfo=COPENHAGEN)

    assert due_week(local(30, 7), COPENHAGEN) == "2026-W48"  # Monday 07:00: the week just ended
    assert due_week(local(30, 6, 59), COPENHAGEN) == "2026-W47"  # not yet: the one before
    assert due_week(datetime(2026, 12, 6, 23, 0, tzinfo=COPENHAGEN), COPENHAGEN) == "2026-W48"


async def test_digest_rerun_after_a_crash_sends_only_to_those_not_yet_sent(
    make_runtime: Callable[..., Runtime],
) -> None:
    runtime = make_runtime(MONDAY_LATE)
    async with runtime.sessions() as session:
        await build_programme(session)
    with pytest.raises(SystemExit):
        await send_digest(runtime, WEEK, DiesAt(runtime.settings, dies_at="udvalg@vejle.dk"))
    assert delivered(runtime) == ["leder@vejle.dk"]
    assert await send_digest(runtime, WEEK) == 2
    assert sorted(delivered(runtime)) == sorted(RECIPIENTS.split(","))
    assert await send_digest(runtime, WEEK) == 0  # a rerun: nobody twice
    assert len(delivered(runtime)) == 3
    async with runtime.sessions() as session:
        rows = list(await session.scalars(select(DigestSend)))
    assert {(r.week, r.recipient, r.sent_at is not None) for r in rows} == {
        (WEEK, a, True) for a in RECIPIENTS.split(",")
    }


async def wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_scheduler_started_on_monday_after_seven_sends_the_missed_digest_once(
    make_runtime: Callable[..., Runtime],
) -> None:
    runtime = make_runtime(MONDAY_LATE)
    async with runtime.sessions() as session:
        await build_programme(session)
    await sent_before(runtime, "2026-W47")  # this installation has sent digests before
    for _start in range(2):  # a second start (a restart, another leader) sends nothing more
        service = scheduler.SchedulerService(runtime)
        assert await service.check()
        assert service.scheduler is not None
        ran: list[str] = []  # the catch-up runs on the loop after check() returns
        service.scheduler.add_listener(lambda e, ran=ran: ran.append(e.job_id), EVENT_JOB_EXECUTED)
        await wait_for(lambda ran=ran: scheduler.CATCH_UP_JOB in ran)
        await service.stop()
    assert sorted(delivered(runtime)) == sorted(RECIPIENTS.split(","))
    async with runtime.sessions() as session:
        weeks = set(await session.scalars(select(DigestSend.week)))
    assert weeks == {"2026-W47", WEEK}


# Monday 30 November (07:00 passed), Wednesday 2 and Sunday 6 December 2026, in Copenhagen.
@pytest.mark.parametrize(
    "now",
    [MONDAY_LATE, datetime(2026, 12, 2, 12, tzinfo=UTC), datetime(2026, 12, 6, 20, tzinfo=UTC)],
)
async def test_first_start_after_the_upgrade_resends_no_digest(
    make_runtime: Callable[..., Runtime], now: datetime
) -> None:
    runtime = make_runtime(now)  # digest_sends empty: the week went out before it was recorded
    async with runtime.sessions() as session:
        await build_programme(session)
    assert await catch_up_digest(runtime) == 0
    assert delivered(runtime) == []


async def test_start_on_monday_before_seven_does_not_send_last_weeks_digest(
    make_runtime: Callable[..., Runtime],
) -> None:
    runtime = make_runtime(datetime(2026, 11, 30, 5, 30, tzinfo=UTC))  # 06:30 in Copenhagen
    async with runtime.sessions() as session:
        await build_programme(session)
    await sent_before(runtime, "2026-W46")  # W47 unrecorded, but its run is 30 minutes away
    assert await catch_up_digest(runtime) == 0
    assert delivered(runtime) == []

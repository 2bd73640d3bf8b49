"""The scheduler's wiring, the leader lock (one scheduler at a time) and `mentorbot followups`."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import scheduler
from storage.db import create_engine
from storage.leader import LEASE_TTL, make_leader
from storage.models import OutboxMessage
from storage.types import utcnow
from tests.cli_helpers import clean_env, mentorbot
from tests.conftest import COPENHAGEN, NOW
from tests.runtime import FakeClock, make_runtime
from tests.test_followups import make_pair, plan_meeting


async def test_scheduler_jobs_have_fixed_ids_and_the_digest_runs_monday_seven_local(
    engine: AsyncEngine,
) -> None:
    runtime = make_runtime(engine, FakeClock(NOW))
    sched = scheduler.build_scheduler(runtime)
    jobs = {job.id: job for job in sched.get_jobs()}
    assert set(jobs) == {
        scheduler.SWEEP_JOB,
        scheduler.DIGEST_JOB,
        scheduler.RETENTION_JOB,
        scheduler.PAIRS_JOB,
        scheduler.ALERTS_JOB,
    }
    digest = jobs[scheduler.DIGEST_JOB].trigger.get_next_fire_time(None, NOW)
    assert digest.astimezone(COPENHAGEN).strftime("%a %Y-%m-%d %H:%M") == "Mon 2026-11-30 07:00"
    # After the clocks change in spring, Monday 07:00 is still 07:00 local (05:00 UTC).
    spring = jobs[scheduler.DIGEST_JOB].trigger.get_next_fire_time(
        None, datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    )
    assert spring.astimezone(UTC) == datetime(2026, 3, 30, 5, 0, tzinfo=UTC)
    again = scheduler.build_scheduler(runtime)
    assert len(again.get_jobs()) == 5


async def test_scheduler_sweep_job_sends_what_is_due(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    pair = await make_pair(sessions, NOW)
    await plan_meeting(sessions, pair, NOW + timedelta(hours=3), NOW)
    await scheduler.sweep_job(make_runtime(engine, FakeClock(NOW + timedelta(hours=1))))
    async with sessions() as s:
        templates = list(await s.scalars(select(OutboxMessage.template)))
    assert templates == ["followup_meeting_reminder", "followup_meeting_reminder"]


async def test_scheduler_leader_lock_lets_only_one_of_two_candidates_win(db_url: str) -> None:
    clock = FakeClock(NOW)
    engines = [create_engine(db_url), create_engine(db_url)]
    first, second = (make_leader(e, f"process-{i}", clock) for i, e in enumerate(engines))
    try:
        assert await first.acquire()
        assert not await second.acquire()
        assert await first.renew()
        assert not await second.acquire()
        await first.release()
        assert await second.acquire()
        assert not await first.acquire()
    finally:
        await second.release()
        await first.release()
        for e in engines:
            await e.dispose()


async def test_scheduler_sqlite_lease_passes_on_when_the_leader_stops_renewing(
    tmp_path: Path, sqlite_template: Path
) -> None:
    target = tmp_path / "lease.db"
    shutil.copy(sqlite_template, target)
    engine = create_engine(f"sqlite+aiosqlite:///{target}")
    clock = FakeClock(NOW)
    try:
        first, second = make_leader(engine, "a", clock), make_leader(engine, "b", clock)
        assert await first.acquire() and not await second.acquire()
        clock.now = NOW + LEASE_TTL + timedelta(seconds=1)  # the leader died without releasing
        assert await second.acquire()
        assert not await first.renew()
    finally:
        await engine.dispose()


async def test_scheduler_service_runs_in_exactly_one_of_two_processes(db_url: str) -> None:
    engines = [create_engine(db_url), create_engine(db_url)]
    services = [scheduler.SchedulerService(make_runtime(e, FakeClock(NOW))) for e in engines]
    try:
        assert [await s.check() for s in services] == [True, False]
        assert [s.running for s in services] == [True, False]
        await services[0].stop()
        assert await services[1].check() and services[1].running
    finally:
        for s in services:
            await s.stop()
        for e in engines:
            await e.dispose()


async def test_scheduler_cli_followups_lists_what_is_due(
    db_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    now = utcnow()
    await make_pair(sessions, now, accept=False)
    env = clean_env(tmp_path, DATABASE_URL=db_url)
    result = mentorbot("followups", "--days", "4", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["WHEN", "WHO", "WHAT", "WHY"]
    offer, reminder = lines[1], lines[2]
    assert "Henrik (mentor)" in offer and "Vi har fundet en ung" in offer
    assert "et foreslået match venter på mentorens ja" in offer
    assert "Henrik (mentor)" in reminder and "mentoren har ikke svaret" in reminder
    assert lines[-1] == "2 follow-ups due in the next 4 days (! = overdue)."
    as_json = mentorbot("followups", "--days", "4", "--json", env=env, cwd=tmp_path)
    rows = json.loads(as_json.stdout)
    assert [(r["who"], r["role"], r["kind"]) for r in rows] == [
        ("Henrik", "mentor", "match_offer"),
        ("Henrik", "mentor", "accept_reminder"),
    ]
    assert rows[0]["what"].startswith("Hej Sara! Vi har fundet en ung")
    assert mentorbot("followups", "--days", "-1", env=env, cwd=tmp_path).returncode == 2

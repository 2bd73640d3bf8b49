"""APScheduler wiring: which recurring jobs run when. No business rules live here.

Jobs are plain async functions taking the Runtime, so tests call them directly:
- the follow-up sweep every minute (mentoring.sweep),
- the weekly digest, Monday 07:00 programme time (mentoring.digest_mail.send_weekly_digest),
- the daily retention clean-up at 03:30 (mentoring.privacy.purge),
- the daily closing of pairs 14 days past their end date at 03:45 (mentoring.pair_closing),
- the coordinator's alert e-mails every 5 minutes (mentoring.alerts.send_due_alerts batches
  them to at most one an hour itself).

Misfire policy: every job coalesces a backlog into one run (`coalesce=True`, at most one
instance). The sweep gets a short grace time (60 s): it catches up on late rows by itself, so
a missed minute needs no replay. Jobs live in memory, so a scheduler that starts computes its
next runs from the start time: when a process becomes the leader it first runs `catch_up_job`
once, which sends the due week's digest to every recipient who has not had it (each send is
recorded per week and recipient, so nobody gets it twice; only this week's, and only once a send
has been recorded before: `mentoring.digest_mail.catch_up_digest`) and runs the retention purge.

Only one process runs the scheduler: the one holding the leader lock (storage.leader). Others
keep trying every LEADER_CHECK seconds and take over when the leader goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.runtime import Runtime
from storage.leader import Leader, make_leader

log = logging.getLogger(__name__)

SWEEP_JOB = "followup-sweep"
DIGEST_JOB = "weekly-digest"
RETENTION_JOB = "retention-purge"
CATCH_UP_JOB = "catch-up"
PAIRS_JOB = "pairs-past-end"
ALERTS_JOB = "coordinator-alerts"
LEADER_CHECK = 30.0  # seconds between leadership checks; well inside the SQLite lease


async def sweep_job(runtime: Runtime) -> None:
    from mentoring.sweep import sweep

    result = await sweep(runtime)
    if result.claimed:
        log.info(
            "sweep",
            extra={"done": result.done, "dropped": result.dropped, "failed": result.failed},
        )


async def digest_job(runtime: Runtime) -> None:
    from mentoring.digest_mail import send_weekly_digest

    await send_weekly_digest(runtime)


async def catch_up_job(runtime: Runtime) -> None:
    """Run once when this process becomes the leader: what was due while no scheduler ran.
    The digest of the due week goes to whoever has not had it (its sends are recorded), and
    the retention purge runs (it is idempotent); the sweep catches up on its own."""
    from mentoring.digest_mail import catch_up_digest
    from mentoring.privacy import purge

    await catch_up_digest(runtime)
    await purge(runtime)


async def retention_job(runtime: Runtime) -> None:
    from mentoring.privacy import purge

    await purge(runtime)


async def pairs_job(runtime: Runtime) -> None:
    from mentoring.pair_closing import close_pairs_past_end

    await close_pairs_past_end(runtime)


async def alerts_job(runtime: Runtime) -> None:
    from mentoring.alerts import send_due_alerts

    await send_due_alerts(runtime)


def _log_event(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.warning(
            "scheduled job missed",
            extra={"job_id": event.job_id, "scheduled": str(event.scheduled_run_time)},
        )
    else:
        log.error(
            "scheduled job failed",
            extra={"job_id": event.job_id, "error": repr(event.exception)},
            exc_info=event.exception,
        )


def build_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """The scheduler with its jobs added (not started)."""
    tz = runtime.settings.tz
    scheduler = AsyncIOScheduler(timezone=tz, job_defaults={"coalesce": True, "max_instances": 1})
    common: dict[str, Any] = {"args": [runtime], "replace_existing": True, "coalesce": True}
    scheduler.add_job(
        sweep_job,
        IntervalTrigger(minutes=1, timezone=tz),
        id=SWEEP_JOB,
        misfire_grace_time=60,
        **common,
    )
    scheduler.add_job(
        digest_job,
        # mentoring.digest_mail.DIGEST_WEEKDAY/DIGEST_HOUR: the catch-up reads the same time.
        CronTrigger(day_of_week="mon", hour=7, minute=0, timezone=tz),
        id=DIGEST_JOB,
        misfire_grace_time=6 * 3600,
        **common,
    )
    scheduler.add_job(
        retention_job,
        CronTrigger(hour=3, minute=30, timezone=tz),
        id=RETENTION_JOB,
        misfire_grace_time=12 * 3600,
        **common,
    )
    scheduler.add_job(
        pairs_job,
        CronTrigger(hour=3, minute=45, timezone=tz),
        id=PAIRS_JOB,
        misfire_grace_time=12 * 3600,
        **common,
    )
    scheduler.add_job(
        alerts_job,
        IntervalTrigger(minutes=5, timezone=tz),
        id=ALERTS_JOB,
        misfire_grace_time=300,
        **common,
    )
    scheduler.add_listener(_log_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler


class SchedulerService:
    """Runs the scheduler while this process holds the leader lock."""

    def __init__(self, runtime: Runtime, leader: Leader | None = None) -> None:
        holder = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.runtime = runtime
        self.leader = leader or make_leader(runtime.engine, holder, runtime.clock)
        self.scheduler: AsyncIOScheduler | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    @property
    def running(self) -> bool:
        return self.scheduler is not None

    async def check(self) -> bool:
        """One leadership step: start the scheduler on winning, stop it on losing."""
        try:
            leading = await (self.leader.renew() if self.running else self.leader.acquire())
        except Exception:
            log.exception("leader check failed")
            leading = False
        if leading and self.scheduler is None:
            self.scheduler = build_scheduler(self.runtime)
            # No trigger: runs once, now (jobs live in memory; a start computes the next
            # Monday and would skip the digest that fell due while no scheduler ran).
            self.scheduler.add_job(catch_up_job, args=[self.runtime], id=CATCH_UP_JOB)
            self.scheduler.start()
            log.info("scheduler started (leader)")
        elif not leading and self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
            log.warning("scheduler stopped (leadership lost)")
        return leading

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            await self.check()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), LEADER_CHECK)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Stop between leadership checks, never inside one's database transaction."""
        if self._task is not None:
            self._stopping.set()
            await self._task
            self._task = None
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        await self.leader.release()


SERVICE: web.AppKey[SchedulerService] = web.AppKey("scheduler_service", SchedulerService)


def setup(app: web.Application, runtime: Runtime) -> None:
    """Run the scheduler for the app's lifetime (when this process wins the leader lock)."""

    service = SchedulerService(runtime)
    app[SERVICE] = service

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        service.start()
        yield
        await service.stop()

    app.cleanup_ctx.append(lifetime)

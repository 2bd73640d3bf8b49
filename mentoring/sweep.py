"""The minute sweep: claim the follow-ups that are due, act on each, exactly once.

The claim is one statement: `UPDATE followups SET state='done' WHERE id IN (the oldest due
pending rows, FOR UPDATE SKIP LOCKED on PostgreSQL) AND state='pending' RETURNING id`. A second
process either skips the locked rows or, finding them no longer pending, gets nothing back; on
SQLite the transaction takes the write lock up front (BEGIN IMMEDIATE), which serialises sweeps.
Acting happens in the same transaction, each row in a savepoint: the messages a row queues are
committed together with its new state, and a row whose action fails rolls back alone and is
retried a little later (dropped after a few failures, with a log line).

The cost follows what is due, not what is pending: the claim walks the (state, due_at) index.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from mentoring.followups import Ctx, act
from mentoring.runtime import Runtime
from storage.models import FollowUp

log = logging.getLogger(__name__)

BATCH = 200
RETRY_AFTER = timedelta(minutes=10)
MAX_FAILURES = 5


@dataclass
class SweepResult:
    done: int = 0
    dropped: int = 0
    postponed: int = 0
    failed: int = 0

    @property
    def claimed(self) -> int:
        return self.done + self.dropped + self.postponed + self.failed


async def sweep(runtime: Runtime, now: datetime | None = None, batch: int = BATCH) -> SweepResult:
    """Act on every follow-up due at `now` (default: the runtime's clock)."""
    now = now or runtime.clock()
    result = SweepResult()
    while True:
        claimed = await _sweep_batch(runtime, now, batch, result)
        if claimed < batch:
            return result


async def _sweep_batch(runtime: Runtime, now: datetime, batch: int, result: SweepResult) -> int:
    due = (
        select(FollowUp.id)
        .where(FollowUp.state == "pending", FollowUp.due_at <= now)
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    claim = (
        update(FollowUp)
        .where(FollowUp.id.in_(due), FollowUp.state == "pending")
        .values(state="done", done_at=now)
        .returning(FollowUp.id)
        .execution_options(synchronize_session=False)
    )
    async with runtime.sessions() as session, session.begin():
        ids = list((await session.scalars(claim)).all())
        if not ids:
            return 0
        rows = await session.scalars(
            select(FollowUp).where(FollowUp.id.in_(ids)).order_by(FollowUp.due_at, FollowUp.id)
        )
        ctx = Ctx(session, runtime.renderer, now, runtime.settings.tz)
        for fu in list(rows):
            try:
                async with session.begin_nested():
                    outcome = await act(ctx, fu)
            except Exception:
                log.exception("follow-up failed", extra={"key": fu.key, "kind": fu.kind})
                await session.refresh(fu)
                failures = int(fu.payload.get("failures", 0)) + 1
                fu.payload = {**fu.payload, "failures": failures}
                if failures >= MAX_FAILURES:
                    fu.state = "dropped"
                    log.warning("follow-up dropped after failures", extra={"key": fu.key})
                else:
                    fu.state, fu.due_at, fu.done_at = "pending", now + RETRY_AFTER, None
                result.failed += 1
                continue
            if outcome.state == "postponed" and outcome.due_at is not None:
                fu.state, fu.due_at, fu.done_at = "pending", outcome.due_at, None
                result.postponed += 1
            elif outcome.state == "dropped":
                fu.state = "dropped"
                result.dropped += 1
                log.info(
                    "follow-up dropped",
                    extra={"key": fu.key, "kind": fu.kind, "reason": outcome.reason},
                )
            else:
                result.done += 1
        return len(ids)

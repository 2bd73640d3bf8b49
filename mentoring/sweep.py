"""The minute sweep: claim the follow-ups that are due, act on each, exactly once.

The claim is two statements: select the oldest due pending rows (FOR UPDATE SKIP LOCKED on
PostgreSQL, so a second process skips them), then mark exactly those ids done. On SQLite the
transaction takes the write lock up front (BEGIN IMMEDIATE), which serialises sweeps. The update
names the ids and nothing else on purpose: with `AND state = 'pending'` added, SQLite walks the
(state, due_at) index through every pending row instead of looking up the ids.
Acting happens in the same transaction: the messages a row queues are committed together with
its new state. The batch runs in one savepoint; if a row's action fails, the batch is run again
with a savepoint per row, so the failing row alone rolls back and is retried a little later
(dropped after a few failures, with a log line). Savepoints cost two statements each, which is
why the common case, where nothing fails, does without them.

The cost follows what is due, not what is pending: the claim walks the (state, due_at) index.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.runtime import Runtime
from core.statuses import FollowUpState
from mentoring.followups import Ctx, Result, act
from storage.models import FollowUp, Match, Meeting, Outcome, Person, Youth

log = logging.getLogger(__name__)

BATCH = 200
OUTCOME_KINDS = frozenset({"outcome_survey", "outcome_coordinator"})
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
        select(FollowUp)
        .where(FollowUp.state == FollowUpState.PENDING, FollowUp.due_at <= now)
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    async with runtime.sessions() as session, session.begin():
        rows = list(await session.scalars(due))
        if not rows:
            return 0
        await session.execute(
            update(FollowUp)
            .where(FollowUp.id.in_([fu.id for fu in rows]))
            .values(state=FollowUpState.DONE, done_at=now)
            .execution_options(synchronize_session="evaluate")
        )
        ctx = Ctx(session, runtime.renderer, now, runtime.settings.tz)
        await _preload(ctx, rows)
        try:
            async with session.begin_nested():
                outcomes = [await act(ctx, fu) for fu in rows]
                await ctx.write_flags()
        except Exception:
            # One row failed: run the batch again, each row alone, so only that row retries.
            outcomes = [await _act_alone(ctx, fu) for fu in rows]
        for fu, outcome in zip(rows, outcomes, strict=True):
            _settle(fu, outcome, result)
        return len(rows)


async def _preload(ctx: Ctx, rows: list[FollowUp]) -> None:
    """Load what the batch's handlers look up, a few statements for the batch instead of some
    for every row: the matches, meetings, people and youths it refers to (the handlers then find
    them in the session's identity map: `session.get` asks no query) and the youths' latest
    outcomes (the outcome survey and its reminder to the coordinator)."""
    session = ctx.session
    for model, ids in (
        (Match, {fu.match_id for fu in rows}),
        (Meeting, {fu.meeting_id for fu in rows}),
    ):
        wanted = {i for i in ids if i is not None}
        if wanted:
            await session.scalars(select(model).where(model.id.in_(wanted)))
    people = {fu.person_id for fu in rows}
    for match in session.identity_map.values():
        if isinstance(match, Match):
            people |= {match.youth_id, match.mentor_id}
    wanted = {i for i in people if i is not None}
    if wanted:
        await session.scalars(select(Person).where(Person.id.in_(wanted)))
        await session.scalars(select(Youth).where(Youth.person_id.in_(wanted)))
    youths = {fu.person_id for fu in rows if fu.kind in OUTCOME_KINDS and fu.person_id}
    if youths:
        latest = await session.execute(
            select(Outcome.youth_id, func.max(Outcome.observed_on))
            .where(Outcome.youth_id.in_(youths), Outcome.at_closure.is_(False))
            .group_by(Outcome.youth_id)
        )
        ctx.latest_outcome = {youth: day for youth, day in latest.all() if youth is not None}


async def _act_alone(ctx: Ctx, fu: FollowUp) -> Result:
    ctx.flags.clear()
    try:
        async with ctx.session.begin_nested():
            outcome = await act(ctx, fu)
            await ctx.write_flags()
            return outcome
    except Exception:
        log.exception("follow-up failed", extra={"key": fu.key, "kind": fu.kind})
        return await _failed(ctx.session, fu, ctx.now)


async def _failed(session: AsyncSession, fu: FollowUp, now: datetime) -> Result:
    """Count the failure on the row: retried a little later, dropped after a few tries."""
    await session.refresh(fu)
    failures = int(fu.payload.get("failures", 0)) + 1
    fu.payload = {**fu.payload, "failures": failures}
    if failures >= MAX_FAILURES:
        log.warning("follow-up dropped after failures", extra={"key": fu.key})
        return Result("failed", f"failed {failures} times")
    return Result("failed", "will retry", now + RETRY_AFTER)


def _settle(fu: FollowUp, outcome: Result, result: SweepResult) -> None:
    """Write what became of a claimed row (already marked done by the claim)."""
    if outcome.state == "failed":
        if outcome.due_at is None:
            fu.state = FollowUpState.DROPPED
        else:
            fu.state, fu.due_at, fu.done_at = FollowUpState.PENDING, outcome.due_at, None
        result.failed += 1
    elif outcome.state == "postponed" and outcome.due_at is not None:
        fu.state, fu.due_at, fu.done_at = FollowUpState.PENDING, outcome.due_at, None
        result.postponed += 1
    elif outcome.state == "dropped":
        fu.state = FollowUpState.DROPPED
        result.dropped += 1
        log.info(
            "follow-up dropped", extra={"key": fu.key, "kind": fu.kind, "reason": outcome.reason}
        )
    else:
        result.done += 1

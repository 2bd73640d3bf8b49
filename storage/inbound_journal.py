"""The inbound journal's statements (storage.models.InboundEvent), prebuilt Core, in bulk.

Webhooks record events through a `GroupCommit`: every event that arrives while the previous
commit is in flight is inserted and committed together, and each webhook answers once its
commit returned. Conversation workers claim a batch (`claim`), handle it in one transaction and
mark it (`finish`). A claim takes, per sender, only their oldest pending event, and only when no
older event of theirs is pending (one another worker may hold): so one person's texts are
handled one at a time, in the order they arrived. On PostgreSQL the claimed rows are locked
(FOR UPDATE SKIP LOCKED): processes and workers never take the same row.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, delete, func, literal, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import aliased

from core.statuses import InboundState
from storage.db import once_more_if_disconnected
from storage.models import InboundEvent
from storage.types import storable

log = logging.getLogger(__name__)
EVENTS = cast(Table, InboundEvent.__table__)
KEY_LENGTH = 64  # a longer key is compared as stored: sent again, it is a repeat
ERROR_LENGTH = 200


def _record(insert: Callable[..., Any]) -> Any:
    return insert(EVENTS).on_conflict_do_nothing(index_elements=[EVENTS.c.channel, EVENTS.c.key])


RECORD = {"postgresql": _record(postgresql.insert), "sqlite": _record(sqlite.insert)}


# Written into the statement, not bound: PostgreSQL's generic plan for a prepared claim (asyncpg
# prepares it) would otherwise not know the state is 'pending' and walk every handled row by id.
_PENDING = literal(InboundState.PENDING.value, literal_execute=True)
_NONE = literal(0, literal_execute=True)


def _claim(retries: bool, lock: bool) -> Any:
    older = aliased(InboundEvent, name="older")
    query = (
        select(EVENTS.c.id, EVENTS.c.channel, EVENTS.c.address, EVENTS.c.payload, EVENTS.c.tries)
        .where(
            EVENTS.c.state == _PENDING,
            EVENTS.c.tries > _NONE if retries else EVENTS.c.tries == _NONE,
            ~select(older.id)
            .where(
                older.state == _PENDING,
                older.channel == EVENTS.c.channel,
                older.address == EVENTS.c.address,
                older.id < EVENTS.c.id,
            )
            .exists(),
        )
        .order_by(EVENTS.c.id)
        .limit(bindparam("limit"))
    )
    return query.with_for_update(skip_locked=True, of=EVENTS) if lock else query


CLAIM = {(r, lock): _claim(r, lock) for r in (False, True) for lock in (False, True)}
DONE = (
    update(EVENTS)
    .where(EVENTS.c.id == bindparam("event_id"))
    .values(state=InboundState.DONE.value, payload=None, address="", handled_at=bindparam("now"))
)
_LAST_TRY = EVENTS.c.tries + 1 >= bindparam("max_tries")
FAILED = (
    update(EVENTS)
    .where(EVENTS.c.id == bindparam("event_id"))
    .values(
        tries=EVENTS.c.tries + 1,
        last_error=bindparam("error"),
        state=case((_LAST_TRY, InboundState.DEAD.value), else_=InboundState.PENDING.value),
        # What they wrote goes to the coordinator's inbox (CPR numbers redacted), not kept here.
        payload=case((_LAST_TRY, null()), else_=EVENTS.c.payload),
        address=case((_LAST_TRY, ""), else_=EVENTS.c.address),
    )
)
PENDING = select(func.count()).select_from(EVENTS).where(EVENTS.c.state == _PENDING)
FORGET = delete(EVENTS).where(
    EVENTS.c.state != InboundState.PENDING.value, EVENTS.c.received_at < bindparam("before")
)


@dataclass(frozen=True)
class Event:
    """A claimed journal row: what arrived, from whom, and how often handling it raised."""

    id: int
    channel: str
    address: str
    payload: dict[str, Any]
    tries: int


async def claim(conn: AsyncConnection, limit: int, *, retries: bool = False) -> list[Event]:
    """Up to `limit` events to handle in the caller's transaction, oldest first; with `retries`
    only events that raised before (the caller handles those one at a time)."""
    lock = conn.dialect.name == "postgresql"
    rows = await conn.execute(CLAIM[retries, lock], {"limit": limit})
    return [Event(r.id, r.channel, r.address, r.payload or {}, r.tries) for r in rows]


@dataclass(frozen=True)
class Failure:
    event: Event
    reason: str


async def finish(
    conn: AsyncConnection,
    done: Sequence[int],
    failed: Sequence[Failure],
    *,
    now: datetime,
    max_tries: int,
) -> list[Failure]:
    """Mark the batch in the transaction that handled it; returns the failures that are now
    dead (tried `max_tries` times)."""
    if done:
        await conn.execute(DONE, [{"event_id": i, "now": now} for i in done])
    if failed:
        rows = [
            {"event_id": f.event.id, "error": f.reason[:ERROR_LENGTH], "max_tries": max_tries}
            for f in failed
        ]
        await conn.execute(FAILED, rows)
    return [f for f in failed if f.event.tries + 1 >= max_tries]


async def pending(conn: AsyncConnection) -> int:
    """Events recorded and not handled yet (dead ones are not pending)."""
    return int(await conn.scalar(PENDING) or 0)


async def forget_handled(conn: AsyncConnection, before: datetime) -> int:
    """Delete handled and dead rows received before `before`; returns how many. A repeat of
    one of their keys after that would be recorded again, so `before` is kept well behind the
    providers' retries."""
    result = await conn.execute(FORGET, {"before": before})
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class Arrival:
    channel: str
    key: str
    address: str
    payload: dict[str, Any]


class GroupCommit:
    """Record arrivals in as few transactions as the database allows: whatever arrives while a
    commit is in flight goes into the next one. `record` returns once its row is committed (or a
    repeat of one that was), so the webhook may answer; `recorded(n)` is called after each commit
    of n arrivals."""

    def __init__(self, engine: AsyncEngine, recorded: Callable[[int], None]) -> None:
        self.engine, self.recorded = engine, recorded
        self.waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self.writer: asyncio.Task[None] | None = None

    async def record(self, arrival: Arrival, now: datetime) -> None:
        row = {
            "channel": arrival.channel,
            "key": storable(arrival.key)[:KEY_LENGTH],
            "address": storable(arrival.address),
            "payload": _storable(arrival.payload),
            "state": InboundState.PENDING.value,
            "tries": 0,
            "received_at": now,
        }
        done = asyncio.get_running_loop().create_future()
        self.waiting.append((row, done))
        if self.writer is None or self.writer.done():
            self.writer = asyncio.create_task(self._write())
        await asyncio.shield(done)

    async def _write(self) -> None:
        while self.waiting:
            await asyncio.sleep(0)  # let the requests already read in this loop turn join
            batch, self.waiting = self.waiting, []
            try:
                await self._commit([row for row, _ in batch])
            except Exception:
                # One row the database refuses must not fail the others: each on its own.
                for row, done in batch:
                    await self._settle([(row, done)])
            else:
                _resolve(batch, None)
            self.recorded(len(batch))

    async def _settle(self, batch: list[tuple[dict[str, Any], asyncio.Future[None]]]) -> None:
        try:
            await self._commit([row for row, _ in batch])
        except Exception as exc:
            _resolve(batch, exc)
        else:
            _resolve(batch, None)

    async def _commit(self, rows: list[dict[str, Any]]) -> None:
        await once_more_if_disconnected(functools.partial(self._insert, _unique(rows)))

    async def _insert(self, rows: list[dict[str, Any]]) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(RECORD[conn.dialect.name], rows)

    async def close(self) -> None:
        if self.writer is not None:
            await asyncio.gather(self.writer, return_exceptions=True)


def _resolve(
    batch: list[tuple[dict[str, Any], asyncio.Future[None]]], error: Exception | None
) -> None:
    for _, done in batch:
        if done.done():
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)


def _storable(value: Any) -> Any:
    """The payload with every text in it storable (storage.types.storable): no NUL for
    PostgreSQL's JSONB, no lone surrogate."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {storable(str(k)): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def _unique(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per key (a repeat in the same batch would be a second insert of it)."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        seen.setdefault((row["channel"], row["key"]), row)
    return list(seen.values())

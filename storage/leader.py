"""One scheduler at a time: a PostgreSQL advisory lock, or a lease row on SQLite.

The advisory lock is session-level, so it lives exactly as long as the connection that took it.
That connection is a dedicated one (its own engine without a pool), so it is never handed to
other work and never recycled behind our back; if it drops, the lock is gone and `renew` says so.
SQLite has no advisory locks: a row in `leases` names the holder until it expires, and the holder
renews it well before then.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.db import is_sqlite, session_factory
from storage.models import Lease

log = logging.getLogger(__name__)

# Any fixed 64-bit number that no other part of the product uses for an advisory lock.
SCHEDULER_LOCK_KEY = 0x6D656E746F72  # "mentor"
LEASE_TTL = timedelta(minutes=2)


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class Leader(Protocol):
    async def acquire(self) -> bool: ...

    async def renew(self) -> bool: ...

    async def release(self) -> None: ...


class AdvisoryLockLeader:
    """PostgreSQL: `pg_try_advisory_lock` held on a dedicated connection."""

    def __init__(self, url: str, key: int = SCHEDULER_LOCK_KEY) -> None:
        self._engine: AsyncEngine = create_async_engine(url, poolclass=NullPool)
        self._key = key
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self._conn is not None:
            return await self.renew()
        conn = await self._engine.connect()
        won = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}))
        await conn.commit()  # end the implicit transaction; the session-level lock stays
        if won:
            self._conn = conn
        else:
            await conn.close()
        return won

    async def renew(self) -> bool:
        """Still the leader while the connection that holds the lock is alive."""
        if self._conn is None:
            return False
        try:
            await self._conn.scalar(text("SELECT 1"))
            await self._conn.commit()
            return True
        except (DBAPIError, OSError):
            log.warning("scheduler lock connection lost")
            self._conn = None
            return False

    async def release(self) -> None:
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
                await self._conn.commit()
            finally:
                await self._conn.close()
                self._conn = None
        await self._engine.dispose()


class LeaseLeader:
    """SQLite: a `leases` row; taken when absent, expired, or already ours."""

    def __init__(
        self,
        engine: AsyncEngine,
        holder: str,
        clock: Clock,
        name: str = "scheduler",
        ttl: timedelta = LEASE_TTL,
    ) -> None:
        self._sessions = session_factory(engine)
        self._holder, self._clock, self._name, self._ttl = holder, clock, name, ttl

    async def acquire(self) -> bool:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            lease = await session.scalar(select(Lease).where(Lease.name == self._name))
            if lease is None:
                session.add(Lease(name=self._name, holder=self._holder, expires_at=now + self._ttl))
                return True
            if lease.holder != self._holder and lease.expires_at > now:
                return False
            lease.holder, lease.expires_at = self._holder, now + self._ttl
            return True

    async def renew(self) -> bool:
        return await self.acquire()

    async def release(self) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(Lease).where(Lease.name == self._name, Lease.holder == self._holder)
            )


def make_leader(engine: AsyncEngine, holder: str, clock: Clock) -> Leader:
    url = engine.url.render_as_string(hide_password=False)
    if is_sqlite(url):
        return LeaseLeader(engine, holder, clock)
    return AdvisoryLockLeader(url)

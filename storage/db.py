"""Engines and sessions: SQLite (WAL, busy timeout, foreign keys) or PostgreSQL, async API.

SQLite allows one writer at a time and every transaction here is a write transaction (BEGIN
IMMEDIATE), so a file database gets a pool of one connection: the process's transactions queue
for it in order, instead of several connections polling SQLite's lock with the busy handler's
sleeps (up to 100 ms each), which made a lock hand-over cost far more than the transaction. The
busy timeout still covers other processes (a CLI command next to `serve`).

A task whose short transactions must not wait behind the web requests' (the outbox
dispatcher's outcomes: what is sent but not yet recorded is sent again after a crash) gets an
engine of its own (`separate_engine`). On SQLite its commit then waits only for the one
transaction holding the write lock, not for the queue behind the shared connection; the web side
meets the dispatcher's few commits a second in the busy handler instead.

PostgreSQL connections are tested before use only when they sat idle for a while: a connection
used a moment ago is alive, and testing every checkout (pool_pre_ping) costs a round trip per
transaction (about 15 % of an inbound text's CPU time in the inbound benchmark).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
SQLITE_BUSY_MS = 15_000
IDLE_PING_SECONDS = 1.0


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """The async engine; SQLite gets WAL, a busy timeout and foreign keys on every connection."""
    if not is_sqlite(url):
        engine = create_async_engine(url, **kwargs)
        _ping_when_idle(engine)
        return engine
    database = make_url(url).database
    if database and database != ":memory:":
        private_file(Path(database))
        kwargs = {"pool_size": 1, "max_overflow": 0, **kwargs}
    engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite would skip BEGIN for SELECTs; we issue BEGIN IMMEDIATE ourselves so that a
        # read-then-write transaction never fails on a lock upgrade under concurrency.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        # Deleted and overwritten content is zeroed on disk, not left in free pages.
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def private_file(path: Path) -> None:
    """The database file (and so its -wal and -shm, which SQLite creates with the file's own
    mode) readable by this user only, in a folder only this user can enter: it holds people's
    names, numbers and messages. A file from before is tightened, not only a new one.

    An existing file is never opened here: closing any descriptor of it drops every POSIX lock
    this process holds on it, so another process closing its last connection would take the
    file for unused and delete the WAL this process is still writing (lost commits).
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    for existing in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if existing.exists() and existing.stat().st_mode & 0o077:
            existing.chmod(0o600)


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a pooled connection that was idle over IDLE_PING_SECONDS; a dead one is replaced."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _idle(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _check(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except (engine.dialect.loaded_dbapi.Error, OSError) as exc:
            raise DisconnectionError("pooled connection is gone") from exc


async def checkpoint(engine: AsyncEngine) -> None:
    """Move the SQLite WAL into the database and empty it, after an erasure or a purge: the
    WAL keeps the old page images (names, numbers, messages) until it is checkpointed.
    Nothing to do on PostgreSQL (VACUUM reclaims its dead rows)."""
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection  # aiosqlite, outside our BEGIN IMMEDIATE
        assert driver is not None
        await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def once_more_if_disconnected(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run a unit of work; when its connection turned out to be dead (PostgreSQL restarted,
    a failover, an idle connection cut by a firewall), run it once more on a fresh one.

    The failed attempt rolled back with its connection, so nothing of it is kept; a commit
    that did reach the server before the drop is found by the retry's de-duplication key.
    So a webhook answers 500 (and Twilio or Telegram try again) only when the database is
    really gone, not for the first request after a drop.
    """
    try:
        return await attempt()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        log.warning(
            "database connection dropped; retrying once", extra={"error": type(exc.orig).__name__}
        )
        return await attempt()


@asynccontextmanager
async def separate_engine(engine: AsyncEngine, connections: int = 2) -> AsyncIterator[AsyncEngine]:
    """A second engine on `engine`'s database with a small pool of its own (one connection on
    SQLite), disposed on exit. An in-memory SQLite database exists only on its own connection,
    so it is shared as it is."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        yield engine
        return
    kwargs = {} if is_sqlite(str(url)) else {"pool_size": connections, "max_overflow": 0}
    own = create_engine(url.render_as_string(hide_password=False), **kwargs)
    try:
        yield own
    finally:
        await own.dispose()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


CHECKPOINT_AFTER_COMMIT = "checkpoint_after_commit"


def checkpoint_after_commit(session: AsyncSession) -> None:
    """Empty the SQLite WAL as soon as this session's unit of work commits: it erased someone,
    and the WAL would keep their rows' old page images until the next checkpoint."""
    session.info[CHECKPOINT_AFTER_COMMIT] = True


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One session per unit of work: commit on success, roll back on any error; checkpoint
    after the commit when the work asked for it (`checkpoint_after_commit`), whatever route it
    came by (the chat, an SMS, the dashboard, a restore)."""
    async with sessions() as session:
        async with session.begin():
            yield session
        if session.info.pop(CHECKPOINT_AFTER_COMMIT, False) and isinstance(
            session.bind, AsyncEngine
        ):
            await checkpoint(session.bind)


def reads_at_once(engine: AsyncEngine) -> bool:
    """Whether independent reads gain from sessions of their own at the same time: on PostgreSQL
    each connection is a server process of its own; a SQLite file here has a pool of one
    connection, on which they would only queue (and an in-memory one cannot share it)."""
    return engine.dialect.name == "postgresql"


async def read_together(
    sessions: async_sessionmaker[AsyncSession],
    *parts: Callable[[AsyncSession], Awaitable[Any]],
    at_once: bool,
) -> list[Any]:
    """Run reading parts that do not depend on each other: `at_once`, each in a session of its
    own, at the same time (each sees the database as of its own start); otherwise one after the
    other in one session. Nothing is committed."""
    if not at_once:
        async with sessions() as session:
            return [await part(session) for part in parts]

    async def alone(part: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        async with sessions() as session:
            return await part(session)

    return list(await asyncio.gather(*(alone(part) for part in parts)))

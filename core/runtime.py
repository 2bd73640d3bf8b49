"""What a running process shares: settings, database sessions, the renderer and the clock.

Built once in `cli`/`web.app` and handed down explicitly (aiogram workflow data, aiohttp AppKeys,
function parameters), never kept in a module global.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.clock import Clock, system_clock
from messaging.render import Renderer
from settings import Settings
from storage.db import (
    create_engine,
    once_more_if_disconnected,
    read_together,
    reads_at_once,
    separate_engine,
    session_factory,
    unit_of_work,
)

T = TypeVar("T")


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    renderer: Renderer
    clock: Clock = field(default=system_clock)

    @classmethod
    def build(cls, settings: Settings, clock: Clock = system_clock) -> Runtime:
        engine = create_engine(settings.db_url)
        return cls(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            renderer=Renderer(tz=settings.tz),
            clock=clock,
        )

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """One unit of work (commit on success, roll back on any error): what a web request or
        an inbound event opens where it arrives, and hands to the domain."""
        return unit_of_work(self.sessions)

    @asynccontextmanager
    async def separate_sessions(self) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
        """Sessions on connections of their own (storage.db.separate_engine), for the outbox
        dispatcher: its outcome commits never queue behind the web requests' transactions."""
        async with separate_engine(self.engine) as engine:
            yield session_factory(engine)

    async def read_together(self, *parts: Callable[[AsyncSession], Awaitable[Any]]) -> list[Any]:
        """Reading parts that do not depend on each other, at the same time where that gains
        (storage.db.read_together): what a page built from several heavy reads calls."""
        return await read_together(self.sessions, *parts, at_once=reads_at_once(self.engine))

    async def retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run a unit of work, once more if its database connection had dropped
        (storage.db.once_more_if_disconnected): what a webhook wraps its transaction in."""
        return await once_more_if_disconnected(attempt)

    async def close(self) -> None:
        await self.engine.dispose()

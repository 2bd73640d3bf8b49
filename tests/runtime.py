"""The one test clock and the one way tests build a `Runtime` around a database they made."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from messaging.render import Renderer
from settings import load_settings
from storage.db import session_factory


@dataclass
class FakeClock:
    """Now is what the test says it is; move it with `advance` or by setting `now`."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> datetime:
        self.now += by
        return self.now


def make_runtime(
    engine: AsyncEngine,
    clock: Callable[[], datetime] | datetime,
    sessions: async_sessionmaker[AsyncSession] | None = None,
    **settings: Any,
) -> Runtime:
    """A runtime on `engine` (its URL in the settings), at a fixed moment or on a given clock;
    `settings` override the environment's."""
    settings.setdefault("database_url", engine.url.render_as_string(hide_password=False))
    loaded = load_settings(**settings)
    return Runtime(
        settings=loaded,
        engine=engine,
        sessions=sessions or session_factory(engine),
        renderer=Renderer(tz=loaded.tz),
        clock=clock if callable(clock) else FakeClock(clock),
    )

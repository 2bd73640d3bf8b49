"""Assemble the aiohttp application from its parts; each part registers its own routes."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from core.runtime import Runtime
from mentoring.delivery_news import dispatching
from web import (
    dashboard,
    dev_chat,
    email_inbound,
    event_links,
    guardian_links,
    health,
    inbound,
    links,
    mentor_role,
    sms,
)
from web.keys import DISPATCHER, RUNTIME
from web.limits import json_limits


async def _outbox_dispatcher(app: web.Application) -> AsyncIterator[None]:
    """Send the outbox while the app runs; handlers wake it after committing a message."""
    runtime = app[RUNTIME]
    async with dispatching(runtime) as running:
        app[DISPATCHER] = running
        yield


def create_app(runtime: Runtime) -> web.Application:
    app = web.Application(client_max_size=1024**2, middlewares=[json_limits])
    app[RUNTIME] = runtime
    app.add_routes(health.routes)
    app.add_routes(links.routes)
    app.add_routes(guardian_links.routes)
    app.add_routes(event_links.routes)
    app.add_routes(mentor_role.routes)
    dashboard.setup(app)
    app.cleanup_ctx.append(_outbox_dispatcher)
    inbound.setup(app)  # after the outbox (its workers wake it), before the channels
    sms.setup(app)
    email_inbound.setup(app, runtime)
    if runtime.settings.telegram_enabled:
        # Imported only when configured: aiogram builds ~130 MB of pydantic models on import.
        from web import telegram

        telegram.setup(app, runtime)
    dev_chat.setup(app, runtime)
    if runtime.settings.run_scheduler:
        import scheduler

        scheduler.setup(app, runtime)
    return app

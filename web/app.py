"""Assemble the aiohttp application from its parts; each part registers its own routes."""

from __future__ import annotations

from aiohttp import web

from mentoring.runtime import Runtime
from web import dashboard, health, links
from web.keys import RUNTIME


def create_app(runtime: Runtime) -> web.Application:
    app = web.Application(client_max_size=1024**2)
    app[RUNTIME] = runtime
    app.add_routes(health.routes)
    app.add_routes(links.routes)
    dashboard.setup(app)
    if runtime.settings.run_scheduler:
        import scheduler

        scheduler.setup(app, runtime)
    return app

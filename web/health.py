"""`/healthz` (JSON, 200 when the database answers) and `/metrics` (Prometheus text format)."""

from __future__ import annotations

import logging
from collections import Counter

from aiohttp import web
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from storage.migrate import current_revision, head_revision
from storage.models import OutboxMessage
from web.keys import RUNTIME

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        async with runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        revision = await current_revision(runtime.engine)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("health check: database unreachable", extra={"error": type(exc).__name__})
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    head = head_revision()
    return web.json_response(
        {
            "status": "ok",
            "database": "ok",
            "migrations": {"current": revision, "head": head, "up_to_date": revision == head},
        }
    )


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    async with runtime.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.channel, OutboxMessage.status, func.count()).group_by(
                OutboxMessage.channel, OutboxMessage.status
            )
        )
        outbox = Counter({(c, s): n for c, s, n in rows.all()})
    lines = [
        "# HELP mentorbot_outbox_messages Messages in the outbox by channel and status.",
        "# TYPE mentorbot_outbox_messages gauge",
    ]
    lines += [
        f'mentorbot_outbox_messages{{channel="{c}",status="{s}"}} {n}'
        for (c, s), n in sorted(outbox.items())
    ]
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")

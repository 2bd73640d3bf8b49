"""`/healthz` (JSON, 200 when the database answers) and `/metrics` (Prometheus text format)."""

from __future__ import annotations

import hmac
import ipaddress
import logging
from importlib.metadata import PackageNotFoundError, version

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from messaging.delivery import outbox_figures
from storage import queries
from storage.migrate import current_revision, head_revision
from web.keys import RUNTIME

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


def code_version() -> str:
    """The installed package's version (pyproject.toml), so an operator sees what runs."""
    try:
        return version("mentorbot")
    except PackageNotFoundError:
        return "unknown"


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
    async with runtime.sessions() as session:
        figures = await outbox_figures(session, runtime.clock())
    return web.json_response(
        {
            "status": "ok",
            "version": code_version(),
            "database": "ok",
            "migrations": {"current": revision, "head": head, "up_to_date": revision == head},
            "outbox": {
                "backlog": figures.backlog,
                "dead_letters": figures.dead,
                "oldest_due_seconds": round(figures.oldest_due_seconds, 1),
            },
        }
    )


PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def metrics_allowed(request: web.Request) -> bool:
    """From this machine (and not relayed by a proxy on it), or with `METRICS_TOKEN` as a
    bearer token: the figures are operational, but they are ours to give."""
    token = request.app[RUNTIME].settings.metrics_token
    if token is not None:
        sent = request.headers.get("Authorization", "").encode()
        if hmac.compare_digest(sent, f"Bearer {token.get_secret_value()}".encode()):
            return True
    try:
        local = ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        local = False
    return local and not any(h in request.headers for h in PROXY_HEADERS)


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    if not metrics_allowed(request):
        raise web.HTTPForbidden()
    runtime = request.app[RUNTIME]
    now = runtime.clock()
    async with runtime.sessions() as session:
        figures = await outbox_figures(session, now)
        followups_due = await queries.followups_due(session, now)
    registry = CollectorRegistry()
    by_status = Gauge(
        "mentorbot_outbox_messages",
        "Messages in the outbox by channel and status.",
        ["channel", "status"],
        registry=registry,
    )
    for (channel, status), n in sorted(figures.by_channel_status.items()):
        by_status.labels(channel=channel, status=status).set(n)
    gauges = {
        "mentorbot_outbox_backlog": ("Messages waiting to be sent.", figures.backlog),
        "mentorbot_outbox_oldest_due_seconds": (
            "How long the oldest due message has waited.",
            figures.oldest_due_seconds,
        ),
        "mentorbot_outbox_dead_letters": ("Messages given up after retries.", figures.dead),
        "mentorbot_followups_due": ("Follow-ups due and not yet sent.", followups_due or 0),
    }
    for name, (doc, value) in gauges.items():
        Gauge(name, doc, registry=registry).set(value)
    return web.Response(
        body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )

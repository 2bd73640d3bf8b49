"""The chat simulator at /dev/chat (development only): talk to the real flows through the local
"web" channel as a new youth, a new mentor (with a fresh invitation) or a demo person.

The page posts what the person types or taps to /dev/chat/api/send, which runs the same engine
as Telegram and SMS (bot.engine.process), and polls /dev/chat/api/messages for the outbox rows
addressed to its session.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from bot.engine import process
from bot.events import Incoming
from core.runtime import Runtime
from mentoring import simulator
from storage.types import storable
from web.keys import RUNTIME

routes = web.RouteTableDef()
MAX_TEXT = 2000


def _runtime(request: web.Request) -> Runtime:
    return request.app[RUNTIME]


@routes.get("/dev/chat")
async def page(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    async with runtime.sessions() as session:
        people = await simulator.demo_people(session)
    language = request.query.get("lang", runtime.settings.default_language)
    if language not in ("da", "en"):
        language = runtime.settings.default_language
    html = runtime.renderer.render("web/dev_chat.html", language, people=people)
    return web.Response(text=html, content_type="text/html")


async def _demo_exists(runtime: Runtime, address: str) -> bool:
    """Only the simulator's own sessions and the demo people's web addresses may be used."""
    async with runtime.sessions() as session:
        return await simulator.is_demo_address(session, address)


async def _json_object(request: web.Request) -> dict[str, Any]:
    """The request's JSON object; anything else is the caller's mistake (400), not ours."""
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest() from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest()
    return body


@routes.post("/dev/chat/api/start")
async def start(request: web.Request) -> web.Response:
    """Begin a conversation: {"kind": "youth" | "mentor" | "person", "address"?: demo address}."""
    runtime = _runtime(request)
    body = await _json_object(request)
    kind = body.get("kind")
    if kind == "person":
        address = storable(str(body.get("address", "")))
        if not await _demo_exists(runtime, address):
            raise web.HTTPNotFound()
        return web.json_response({"address": address})
    if kind not in ("youth", "mentor"):
        raise web.HTTPBadRequest()
    address = f"sim-{secrets.token_urlsafe(9)}"
    payload = None
    if kind == "mentor":
        payload = f"sim{secrets.token_urlsafe(12)}"
        async with runtime.transaction() as session:
            await simulator.invite_mentor(session, payload, runtime.clock(), runtime.settings.tz)
    text = f"/start {payload}" if payload else "/start"
    await process(runtime, Incoming("web", address, text=text, start_payload=payload))
    return web.json_response({"address": address})


@routes.post("/dev/chat/api/send")
async def send(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    body = await _json_object(request)
    address = storable(str(body.get("address", "")))
    if not address.startswith("sim-") and not await _demo_exists(runtime, address):
        raise web.HTTPBadRequest()
    text = body.get("text")
    option = body.get("option")
    await process(
        runtime,
        Incoming(
            "web",
            address,
            text=str(text)[:MAX_TEXT] if text else None,
            option=str(option)[:64] if option else None,
        ),
    )
    return web.json_response({"ok": True})


@routes.get("/dev/chat/api/messages")
async def messages(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    address = storable(request.query.get("address", ""))
    try:
        after = int(request.query.get("after", "0") or 0)
    except ValueError:
        raise web.HTTPBadRequest() from None
    if not 0 <= after < 2**63:  # beyond what an id column holds
        raise web.HTTPBadRequest()
    async with runtime.sessions() as session:
        shown = await simulator.sent_to(session, address, after)
    return web.json_response([{"id": m.id, "body": m.body, "options": m.options} for m in shown])


def setup(app: web.Application, runtime: Runtime) -> None:
    """Only in development: the simulator needs no token and no account, and no login."""
    if runtime.settings.is_production:
        return
    app.add_routes(routes)

"""`/links/event/{token}`: a guest answers an event invitation (yes, no, maybe) from the e-mail.

GET only shows the event and three buttons (mail scanners and link previews open every link);
POST records the chosen answer. The signed token names the event and the guest and lives until
the event ends; answering again replaces the answer (people change their minds).
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from core.statuses import Rsvp
from mentoring.event_invitations import guest_language, rsvp_by_link, rsvp_state
from messaging.links import LinkError, verify
from web.keys import RUNTIME

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
PATH = "/links/event/{token}"
PURPOSE = "event_rsvp"
STATUS = {"ask": 200, "answered": 200, "failed": 410, "forged": 403, "expired": 410}


async def _page(request: web.Request, answer: str | None) -> web.Response:
    runtime = request.app[RUNTIME]
    now = runtime.clock()
    language: str = runtime.settings.default_language
    context: dict[str, Any] = {"guest": None, "event": None}
    try:
        payload = verify(runtime.settings.signing_keys(), request.match_info["token"], now)
        if payload.get("purpose") != PURPOSE or not all(
            isinstance(payload.get(k), int) for k in ("e", "g")
        ):
            raise LinkError("forged")
        async with runtime.transaction() as session:
            if answer is None:
                outcome, guest, event = await rsvp_state(session, payload, now)
            else:
                outcome, guest, event = await rsvp_by_link(session, payload, answer, now)
            language = await guest_language(session, guest) or language
            context = {"guest": guest, "event": event}
    except LinkError as exc:
        outcome = exc.reason
    log.info("event rsvp link", extra={"outcome": outcome, "method": request.method})
    html = runtime.renderer.render(
        "web/event_rsvp.html", language, outcome=outcome, action=request.path, **context
    )
    return web.Response(
        text=html,
        content_type="text/html",
        status=STATUS[outcome],
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@routes.get(PATH)
async def show(request: web.Request) -> web.Response:
    return await _page(request, None)


@routes.post(PATH)
async def answer(request: web.Request) -> web.Response:
    form = await request.post()
    said = str(form.get("answer", ""))
    if said not in {r.value for r in Rsvp}:
        raise web.HTTPBadRequest()
    return await _page(request, said)

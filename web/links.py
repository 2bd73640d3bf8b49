"""`/links/confirm/{token}`: a mentor confirms a meeting with one click from an e-mail.

A GET changes nothing: mail scanners and link previews fetch every link in an e-mail, so the GET
only shows the meeting and one "Bekræft" button, which POSTs the same signed token. The POST
confirms, tells the other side, and uses the token once: its digest goes into `inbound_keys`
(channel "link") in the same transaction, so a second POST finds it there. A token is for one
version of the meeting (its SEQUENCE): after a reschedule the old link no longer confirms.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from core.runtime import Runtime
from mentoring import meeting_links
from mentoring.errors import DomainError
from messaging.links import LinkError, digest, verify
from web.keys import RUNTIME
from web.sms import wake

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
STATUS = {
    "ask": 200,
    "confirmed": 200,
    "used": 409,
    "forged": 403,
    "expired": 410,
    "failed": 409,
}


class _NotOpen(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _page(
    runtime: Runtime, request: web.Request, language: str, outcome: str, **context: Any
) -> web.Response:
    log.info("confirm link", extra={"outcome": outcome, "method": request.method})
    html = runtime.renderer.render(
        "email/link_result.html.j2", language, outcome=outcome, action=request.path, **context
    )
    return web.Response(
        text=html,
        content_type="text/html",
        status=STATUS[outcome],
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@routes.get("/links/confirm/{token}")
async def show_confirm(request: web.Request) -> web.Response:
    """Read only: what the button would do, or why it cannot."""
    runtime = request.app[RUNTIME]
    now, token = runtime.clock(), request.match_info["token"]
    language: str = runtime.settings.default_language
    try:
        payload = verify(runtime.settings.signing_keys(), token, now)
    except LinkError as exc:
        return _page(runtime, request, language, exc.reason)
    try:
        async with runtime.sessions() as session:
            language = await meeting_links.language_of(session, payload) or language
            used = await meeting_links.used(session, digest(token))
            outcome, meeting, other = await meeting_links.state(session, payload, now)
    except (KeyError, ValueError, TypeError):
        return _page(runtime, request, language, "failed")
    if used:
        outcome = "used"
    return _page(runtime, request, language, outcome, meeting=meeting, other=other)


@routes.post("/links/confirm/{token}")
async def confirm(request: web.Request) -> web.Response:
    """The button: confirm once, in one transaction with the token's use."""
    runtime = request.app[RUNTIME]
    now, token = runtime.clock(), request.match_info["token"]
    language: str = runtime.settings.default_language
    outcome = "confirmed"
    try:
        payload = verify(runtime.settings.signing_keys(), token, now)
        async with runtime.transaction() as session:
            language = await meeting_links.language_of(session, payload) or language
            state = await meeting_links.confirm(
                session, runtime.renderer, payload, digest(token), now, runtime.settings.tz
            )
            if state != "ask":
                raise _NotOpen(state)
    except (LinkError, _NotOpen) as exc:
        outcome = exc.reason
    except IntegrityError:
        outcome = "used"
    except (DomainError, KeyError, ValueError, TypeError):
        outcome = "failed"
    if outcome == "confirmed":
        wake(request)
    return _page(runtime, request, language, outcome)

"""`GET /links/confirm/{token}`: a mentor confirms a meeting with one click from an e-mail.

The token is signed (messaging.links) and works once: its digest goes into `inbound_keys`
(channel "link") in the same transaction as the confirmation, so a second click finds it there.
"""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from mentoring.errors import DomainError
from mentoring.meetings import confirm_meeting
from messaging.links import LinkError, digest, verify
from storage.db import unit_of_work
from storage.models import InboundKey, Person
from web.keys import RUNTIME

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
STATUS = {"confirmed": 200, "used": 409, "forged": 403, "expired": 410, "failed": 409}


@routes.get("/links/confirm/{token}")
async def confirm_link(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    now = runtime.clock()
    token = request.match_info["token"]
    language: str = runtime.settings.default_language
    outcome = "confirmed"
    try:
        payload = verify(runtime.settings.secret(), token, now)
        async with unit_of_work(runtime.sessions) as session:
            person = await session.get(Person, int(payload["p"]))
            language = person.language if person else language
            session.add(InboundKey(channel="link", key=digest(token), received_at=now))
            await session.flush()
            await confirm_meeting(session, int(payload["m"]), int(payload["p"]), now=now)
    except LinkError as exc:
        outcome = exc.reason
    except IntegrityError:
        outcome = "used"
    except (DomainError, KeyError, ValueError):
        outcome = "failed"
    log.info("confirm link", extra={"outcome": outcome})
    html = runtime.renderer.render("email/link_result.html.j2", language, outcome=outcome)
    return web.Response(text=html, content_type="text/html", status=STATUS[outcome])

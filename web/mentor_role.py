"""`/links/mentor-role/{token}`: the introduction to the mentor's role, reopened from the link in
the approval e-mail (mentoring/onboarding.py). Read-only, so a GET is all it needs; the signed
token names the mentor and expires."""

from __future__ import annotations

import logging

from aiohttp import web

from mentoring.onboarding import LINK_PURPOSE, role_context
from mentoring.people import person_by_id
from messaging.links import LinkError, verify
from web.keys import RUNTIME

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
STATUS = {"ok": 200, "gone": 410, "forged": 403, "expired": 410}


@routes.get("/links/mentor-role/{token}")
async def role_page(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    language: str = runtime.settings.default_language
    context: dict[str, object] = {}
    try:
        payload = verify(
            runtime.settings.signing_keys(), request.match_info["token"], runtime.clock()
        )
        if payload.get("purpose") != LINK_PURPOSE or not isinstance(payload.get("m"), int):
            raise LinkError("forged")
        async with runtime.sessions() as session:
            person = await person_by_id(session, payload["m"])
            if person is None or person.erased_at is not None:
                outcome = "gone"
            else:
                outcome, language = "ok", person.language
                context = await role_context(session, person)
    except LinkError as exc:
        outcome = exc.reason
    log.info("mentor role link", extra={"outcome": outcome})
    html = runtime.renderer.render("web/mentor_role.html", language, outcome=outcome, **context)
    return web.Response(text=html, content_type="text/html", status=STATUS[outcome])

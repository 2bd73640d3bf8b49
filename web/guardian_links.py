"""`/links/guardian/{token}`: a guardian objects with the link in their e-mail.

GET only asks to confirm (mail scanners and link previews open links); POST records the objection,
which pauses the youth's programme and tells the coordinator, as the SMS answer NEJ does. The
signed token names the youth and expires; a second objection changes nothing.
"""

from __future__ import annotations

import logging

from aiohttp import web

from core.statuses import PersonStatus
from mentoring.guardians import LINK_PURPOSE, record_objection, youth_and_person
from messaging.links import LinkError, verify
from web.keys import RUNTIME

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
PATH = "/links/guardian/{token}"
STATUS = {"ask": 200, "objected": 200, "already": 200, "gone": 410, "forged": 403, "expired": 410}


async def _answer(request: web.Request, *, confirm: bool) -> web.Response:
    runtime = request.app[RUNTIME]
    now = runtime.clock()
    language: str = runtime.settings.default_language
    name: str | None = None
    try:
        payload = verify(runtime.settings.signing_keys(), request.match_info["token"], now)
        if payload.get("purpose") != LINK_PURPOSE or not isinstance(payload.get("y"), int):
            raise LinkError("forged")
        async with runtime.transaction() as session:
            youth, person = await youth_and_person(session, payload["y"])
            if youth is None or person is None or person.status == PersonStatus.ERASED:
                outcome = "gone"
            elif youth.guardian_objected_at is not None:
                outcome = "already"
            elif not confirm:
                outcome = "ask"
            else:
                await record_objection(
                    session,
                    runtime.renderer,
                    youth,
                    now=now,
                    tz=runtime.settings.tz,
                    actor="guardian:link",
                )
                outcome = "objected"
            if person is not None:
                language, name = person.language, person.first_name
    except LinkError as exc:
        outcome = exc.reason
    log.info("guardian link", extra={"outcome": outcome})
    html = runtime.renderer.render(
        "web/guardian_objection.html", language, outcome=outcome, youth_name=name
    )
    return web.Response(text=html, content_type="text/html", status=STATUS[outcome])


@routes.get(PATH)
async def ask(request: web.Request) -> web.Response:
    return await _answer(request, confirm=False)


@routes.post(PATH)
async def objected(request: web.Request) -> web.Response:
    return await _answer(request, confirm=True)

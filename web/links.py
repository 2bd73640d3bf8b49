"""`/links/confirm/{token}`: a mentor confirms a meeting with one click from an e-mail.

A GET changes nothing: mail scanners and link previews fetch every link in an e-mail, so the GET
only shows the meeting and one "Bekræft" button, which POSTs the same signed token. The POST
confirms, tells the other side, and uses the token once: its digest goes into `inbound_keys`
(channel "link") in the same transaction, so a second POST finds it there. A token is for one
version of the meeting (its SEQUENCE): after a reschedule the old link no longer confirms.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.runtime import Runtime
from core.statuses import MeetingStatus
from mentoring.errors import DomainError
from mentoring.meetings import answer_meeting
from messaging.links import LinkError, digest, verify
from storage.models import InboundKey, Match, Meeting, Person
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


async def _meeting_state(
    session: AsyncSession, payload: dict[str, Any], now: datetime
) -> tuple[str, Meeting | None, str]:
    """("ask", meeting, proposer's first name) while the token's version of the meeting waits
    for this person; ("used", ...) once it is confirmed; ("failed", ...) when it moved, passed,
    or was never theirs to confirm."""
    meeting = await session.get(Meeting, int(payload["m"]))
    match = await session.get(Match, meeting.match_id) if meeting else None
    person_id = int(payload["p"])
    if meeting is None or match is None or not match.has(person_id):
        return "failed", None, ""
    if int(payload.get("s", meeting.sequence)) != meeting.sequence:
        return "failed", meeting, ""
    if meeting.status == MeetingStatus.CONFIRMED:
        return "used", meeting, ""
    if meeting.status != MeetingStatus.PROPOSED or meeting.starts_at <= now:
        return "failed", meeting, ""
    if meeting.proposed_by == person_id:
        return "failed", meeting, ""
    other = await session.get(Person, meeting.proposed_by) if meeting.proposed_by else None
    return "ask", meeting, (other.first_name if other else "") or ""


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
            person = await session.get(Person, int(payload["p"]))
            language = person.language if person else language
            used = await session.scalar(
                select(InboundKey.id).where(
                    InboundKey.channel == "link", InboundKey.key == digest(token)
                )
            )
            outcome, meeting, other = await _meeting_state(session, payload, now)
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
            person = await session.get(Person, int(payload["p"]))
            language = person.language if person else language
            session.add(InboundKey(channel="link", key=digest(token), received_at=now))
            await session.flush()
            state, _, _ = await _meeting_state(session, payload, now)
            if state != "ask":
                raise _NotOpen(state)
            await answer_meeting(
                session, runtime.renderer, int(payload["m"]), int(payload["p"]), True, now=now
            )
    except (LinkError, _NotOpen) as exc:
        outcome = exc.reason
    except IntegrityError:
        outcome = "used"
    except (DomainError, KeyError, ValueError, TypeError):
        outcome = "failed"
    if outcome == "confirmed":
        wake(request)
    return _page(runtime, request, language, outcome)

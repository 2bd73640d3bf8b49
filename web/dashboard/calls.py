"""Logging a call to a pair ("ringet til den unge / mentoren / begge", with an optional note),
from the pair page and from the overview's call list; the list empties as calls are logged."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.calls import log_call
from web.auth import SignedIn, check_csrf, login_required, safe_next
from web.dashboard.common import act, now_and_today, route_id, text_field

routes = web.RouteTableDef()


@routes.post("/pairs/{id}/call")
@login_required
async def call(request: web.Request) -> web.StreamResponse:
    match_id = route_id(request)
    form = await check_csrf(request)
    now, _ = now_and_today(request)
    back = safe_next(form.get("back") or f"/pairs/{match_id}")

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        side = text_field(form, "side")
        await log_call(
            db,
            match_id,
            side,
            actor=who.actor,
            author_id=who.id,
            now=now,
            note=form.get("note", ""),
        )
        return "call_logged", {"side": side}

    return await act(request, back, action)

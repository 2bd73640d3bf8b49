"""Pairs, a page at a time and filtered: status, last meeting, hours this month and flags; close
with a reason, re-match or extend."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import add_months
from core.statuses import MatchStatus
from mentoring import pair_actions
from mentoring.errors import DomainError
from mentoring.lookups import lookup
from mentoring.outreach_figures import code_of_care_answers
from mentoring.pair_list import pair_page, past_end
from mentoring.pair_talk import talk_by_pair
from mentoring.pairs import match_by_id
from web.auth import SignedIn, check_csrf, login_required, safe_next
from web.dashboard.common import (
    act,
    date_field,
    now_and_today,
    programme_of,
    render,
    route_id,
    text_field,
)
from web.dashboard.paging import filters_of, pager, paging_of
from web.keys import RUNTIME

routes = web.RouteTableDef()


@routes.get("/pairs")
@login_required
async def pairs(request: web.Request) -> web.StreamResponse:
    """One page of the pairs (active first), narrowed by status, the youth's target group and
    area, and the mentor (id or the start of a name); each with its facts as of now."""
    runtime = request.app[RUNTIME]
    now, today = now_and_today(request)
    paging = paging_of(request)
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        groups = list(await lookup(db, "target_group"))
        filters = filters_of(
            request,
            {"status": tuple(MatchStatus), "target_group": groups, "mentor": None, "area": None},
        )
        rows, total = await pair_page(
            db, programme.id, now=now, today=today, tz=runtime.settings.tz,
            monthly_hours=programme.monthly_hours, **filters, offset=paging.offset,
            limit=paging.size,
        )  # fmt: skip
        ended, ended_total = await past_end(db, programme.id, today)
        reasons = list(await lookup(db, "end_reason"))
        ids = [p.match_id for p in rows]
        talk = await talk_by_pair(db, ids)
        coc = await code_of_care_answers(db, ids)
    return render(
        request,
        "web/pairs.html",
        rows=rows,
        reasons=reasons,
        monthly_hours=programme.monthly_hours,
        past_end=ended,
        past_end_total=ended_total,
        today=today,
        talk=talk,
        coc=coc,
        total=total,
        groups=groups,
        statuses=tuple(MatchStatus),
        filters=filters,
        pager=pager(request, paging, total, filters),
    )


@routes.post("/pairs/{id}/close")
@login_required
async def close(request: web.Request) -> web.StreamResponse:
    """Close a pair (mentoring.pair_actions.close): both people are told, follow-ups stop."""
    match_id = route_id(request)
    form = await check_csrf(request)
    reason = form.get("reason", "")
    now, today = now_and_today(request)
    runtime = request.app[RUNTIME]

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        chosen = text_field(form, "reason")
        match = await pair_actions.close(
            db, runtime.renderer, match_id, chosen, now=now, today=today,
            tz=runtime.settings.tz, actor=who.actor,
        )  # fmt: skip
        return ("match_closed_rematch" if match.end_reason == "rematch" else "match_closed"), {}

    back = safe_next(form.get("back") or "/pairs")
    return await act(request, "/youths" if reason == "rematch" else back, action)


@routes.post("/pairs/{id}/extend")
@login_required
async def extend(request: web.Request) -> web.StreamResponse:
    """A later end date for an active pair (a month more when none is given: the youth's or
    mentor's wish, or the coordinator's decision on a pair past its end date); both are told,
    and the 3-month target still measures the original term."""
    match_id = route_id(request)
    form = await check_csrf(request)
    _, today = now_and_today(request)
    runtime = request.app[RUNTIME]

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        current = await match_by_id(db, match_id)
        if current is None or current.ends_on is None:
            raise DomainError("match_not_open")
        ends_on = date_field(form, "ends_on", add_months(current.ends_on, 1))
        match = await pair_actions.extend_to(
            db, runtime.renderer, match_id, ends_on, today=today, tz=runtime.settings.tz,
            actor=who.actor,
        )  # fmt: skip
        return "match_extended", {
            "ends_on": match.ends_on.strftime("%d.%m.%Y") if match.ends_on else ""
        }

    return await act(request, safe_next(form.get("back") or "/pairs"), action)

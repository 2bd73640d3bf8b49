"""Pairs: status, last meeting, hours this month and flags; close with a reason or re-match."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import month_start
from core.statuses import OPEN, MatchStatus
from mentoring.audit import record
from mentoring.digest import PairFacts
from mentoring.digest_model import Reason
from mentoring.lookups import lookup
from mentoring.matches import close_match, extend_match
from mentoring.pair_talk import talk_by_pair
from mentoring.today import pairs_now
from web.auth import SignedIn, check_csrf, login_required
from web.dashboard.common import act, now_and_today, programme_of, render, route_id, text_field
from web.keys import RUNTIME

routes = web.RouteTableDef()


@dataclass(frozen=True)
class PairRow:
    pair: PairFacts
    hours: float
    risks: tuple[Reason, ...]

    @property
    def open(self) -> bool:
        return self.pair.status in OPEN


ORDER = {
    MatchStatus.ACTIVE: 0,
    MatchStatus.PROPOSED: 1,
    MatchStatus.COMPLETED: 2,
    MatchStatus.ENDED_EARLY: 3,
    MatchStatus.DECLINED: 4,
}


@routes.get("/pairs")
@login_required
async def pairs(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    now, today = now_and_today(request)
    tz = runtime.settings.tz
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        facts, digest = await pairs_now(db, programme.id, now, tz)
        reasons = list(await lookup(db, "end_reason"))
        talk = await talk_by_pair(db, [p.match_id for p in facts.pairs])
    risks = {r.pair.match_id: r.reasons for r in digest.at_risk}
    month = month_start(today)
    rows = sorted(
        (
            PairRow(p, p.minutes_by_month.get(month, 0) / 60, risks.get(p.match_id, ()))
            for p in facts.pairs
        ),
        key=lambda r: (ORDER.get(r.pair.status, 9), -len(r.risks), r.pair.match_id),
    )
    return render(
        request,
        "web/pairs.html",
        rows=rows,
        reasons=reasons,
        monthly_hours=programme.monthly_hours,
        past_end=digest.past_end,
        today=today,
        talk=talk,
    )


@routes.post("/pairs/{id}/close")
@login_required
async def close(request: web.Request) -> web.StreamResponse:
    match_id = route_id(request)
    form = await check_csrf(request)
    reason = form.get("reason", "")
    now, today = now_and_today(request)
    tz = request.app[RUNTIME].settings.tz

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        chosen = text_field(form, "reason")
        match = await close_match(db, match_id, chosen, now=now, today=today, tz=tz)
        await record(db, who.actor, "match_closed", "match", match.id, reason=match.end_reason)
        return ("match_closed_rematch" if match.end_reason == "rematch" else "match_closed"), {}

    return await act(request, "/youths" if reason == "rematch" else "/pairs", action)


@routes.post("/pairs/{id}/extend")
@login_required
async def extend(request: web.Request) -> web.StreamResponse:
    """A month more for an active pair (the youth's or mentor's wish, or the coordinator's
    decision on a pair past its end date); the 3-month target still measures the original term."""
    match_id = route_id(request)
    await check_csrf(request)
    tz = request.app[RUNTIME].settings.tz

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        match = await extend_match(db, match_id, tz=tz)
        await record(db, who.actor, "match_extended", "match", match.id, ends_on=str(match.ends_on))
        return "match_extended", {
            "ends_on": match.ends_on.strftime("%d.%m.%Y") if match.ends_on else ""
        }

    return await act(request, "/pairs", action)

"""Pairs: status, last meeting, hours this month and flags; close with a reason or re-match."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import add_months, month_start
from core.statuses import OPEN, MatchStatus
from mentoring import pair_actions
from mentoring.digest import PairFacts
from mentoring.digest_model import Reason
from mentoring.errors import DomainError
from mentoring.lookups import lookup
from mentoring.outreach_figures import code_of_care_answers
from mentoring.pair_talk import talk_by_pair
from mentoring.pairs import match_by_id
from mentoring.today import pairs_now
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
        coc = await code_of_care_answers(db, [p.match_id for p in facts.pairs])
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
        coc=coc,
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

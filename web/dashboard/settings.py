"""The programme's settings page: dates, targets, cost figures and the outcome window (audited).

The same settings as `mentorbot programme set`; see mentoring/programme_settings.py.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.errors import DomainError
from mentoring.programme_settings import (
    SETTINGS,
    change_settings,
    current_values,
    parse_budget,
    parse_value,
)
from web.auth import SignedIn, check_csrf, login_required
from web.dashboard.common import act, programme_of, render
from web.keys import RUNTIME

routes = web.RouteTableDef()


@routes.get("/settings")
@login_required
async def settings_page(request: web.Request) -> web.StreamResponse:
    async with request.app[RUNTIME].sessions() as db:
        values = current_values(await programme_of(request, db))
    budget = values.pop("budget_dkk")
    return render(request, "web/settings.html", settings=SETTINGS, values=values, budget=budget)


@routes.post("/settings")
@login_required
async def save_settings(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        changes = {
            s.name: parse_value(s, form[s.name]) for s in SETTINGS if form.get(s.name) is not None
        }
        lines = [line for line in form.get("budget", "").splitlines() if line.strip()]
        try:
            budget = parse_budget(lines)
        except DomainError:
            raise DomainError("dashboard_field_invalid", field="budget") from None
        programme = await programme_of(request, db)
        changed = await change_settings(db, programme, changes, actor=who.actor, budget=budget)
        return "settings_saved", {"count": len(changed)}

    return await act(request, "/settings", action)

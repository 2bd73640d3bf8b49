"""The audit log for a coordinator: who did what to which record, newest first, filterable."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from mentoring.audit import AuditFilter, actors, entries
from web.auth import login_required
from web.dashboard.common import DB_INT_MAX, render
from web.dashboard.paging import filters_of, pager, paging_of
from web.keys import RUNTIME

routes = web.RouteTableDef()


def _day(value: str | None, tz: ZoneInfo) -> datetime | None:
    """The start of a local day given as 2026-12-04; None when missing or not a date."""
    try:
        return datetime.combine(date.fromisoformat(value or ""), time(), tzinfo=tz)
    except ValueError:
        return None


@routes.get("/audit")
@login_required
async def audit_page(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    paging = paging_of(request)
    async with runtime.sessions() as db:
        names = await actors(db)
        filters = filters_of(
            request,
            {"actor": (*names, "system", "cli"), "action": None, "entity": None,
             "entity_id": None, "from": None, "to": None},
        )  # fmt: skip
        entity_id = filters.get("entity_id", "")
        until = _day(filters.get("to"), runtime.settings.tz)
        chosen = AuditFilter(
            actor=filters.get("actor"),
            action=filters.get("action"),
            entity=filters.get("entity"),
            entity_id=int(entity_id)
            if entity_id.isdigit() and int(entity_id) <= DB_INT_MAX
            else None,
            since=_day(filters.get("from"), runtime.settings.tz),
            until=until + timedelta(days=1) if until else None,
        )
        rows, total = await entries(db, chosen, offset=paging.offset, limit=paging.size)
    return render(
        request,
        "web/audit.html",
        rows=rows,
        names=names,
        filters=filters,
        pager=pager(request, paging, total, filters),
    )

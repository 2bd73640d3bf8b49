"""The digest preview: this week's digest e-mail as the coordinator will receive it."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from mentoring.digest_mail import digest_for, preview_html, render_digest
from mentoring.digest_model import default_week, parse_week
from mentoring.errors import DomainError
from mentoring.report import report_bytes
from web.auth import language_of, login_required
from web.dashboard.common import (
    date_field,
    error_text,
    now_and_today,
    programme_of,
    redirect_with,
    render,
)
from web.keys import RUNTIME

routes = web.RouteTableDef()

# The e-mail carries its CSS inline (as mail clients need) and its charts as data: images.
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)


@routes.get("/digest")
@login_required
async def digest_page(request: web.Request) -> web.StreamResponse:
    """The last complete week's digest (the only dashboard page about a past week, so it
    names the week and its dates; every other page shows today's state)."""
    now, today = now_and_today(request)
    week = default_week(now, request.app[RUNTIME].settings.tz)
    monday = parse_week(week)
    async with request.app[RUNTIME].sessions() as db:
        programme = await programme_of(request, db)
    return render(
        request,
        "web/digest.html",
        starts_on=programme.starts_on,
        today=today,
        week_number=monday.isocalendar()[1],
        week_start=monday,
        week_end=monday + timedelta(days=6),
    )


@routes.get("/digest/report")
@login_required
async def report_download(request: web.Request) -> web.StreamResponse:
    """The committee report for a period (default: the programme so far), .xlsx or .csv."""
    runtime = request.app[RUNTIME]
    _, today = now_and_today(request)
    query = dict(request.query)
    suffix = ".csv" if query.get("format") == "csv" else ".xlsx"
    try:
        async with runtime.sessions() as db:
            programme = await programme_of(request, db)
        start = date_field(query, "from", programme.starts_on)
        end = date_field(query, "to", today)
        if start > end:
            raise DomainError("dashboard_field_invalid", field="from")
    except DomainError as error:
        raise redirect_with("/digest", "error", error_text(request, error)) from None
    body = await report_bytes(runtime, start, end, suffix, language_of(request))
    kind = (
        "text/csv"
        if suffix == ".csv"
        else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    return web.Response(
        body=body,
        content_type=kind,
        headers={
            "Content-Disposition": f'attachment; filename="rapport-{start}-{end}{suffix}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@routes.get("/digest/preview")
@login_required
async def digest_preview(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    digest = await digest_for(runtime, None)
    html = preview_html(render_digest(digest, runtime.renderer, language_of(request)))
    response = web.Response(text=html, content_type="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response

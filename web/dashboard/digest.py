"""The digest preview: this week's digest e-mail as the coordinator will receive it."""

from __future__ import annotations

from aiohttp import web

from mentoring.digest_mail import digest_for, preview_html, render_digest
from web.auth import language_of, login_required
from web.dashboard.common import render
from web.keys import RUNTIME

routes = web.RouteTableDef()

# The e-mail carries its CSS inline (as mail clients need) and its charts as data: images.
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)


@routes.get("/digest")
@login_required
async def digest_page(request: web.Request) -> web.StreamResponse:
    return render(request, "web/digest.html")


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

"""The login page, logout and the language toggle (the rules themselves live in web.auth)."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from mentoring.logins import authenticate, end_sessions, set_language
from web.auth import (
    DEVICE_COOKIE,
    LANG_COOKIE,
    LANGUAGES,
    SESSION_COOKIE,
    WebSession,
    check_csrf,
    ensure_session,
    read_session,
    safe_next,
    store_device,
    store_session,
)
from web.dashboard.common import render
from web.keys import RUNTIME

routes = web.RouteTableDef()


def _login_page(request: web.Request, *, status: int = 200, **context: Any) -> web.Response:
    session = ensure_session(request)
    context.setdefault("next", safe_next(request.query.get("next")))
    context.setdefault("email", "")
    context.setdefault("problem", None)
    context.setdefault("minutes", 0)
    response = render(request, "web/login.html", status=status, **context)
    store_session(request, response, session)
    return response


@routes.get("/login")
async def login_form(request: web.Request) -> web.StreamResponse:
    return _login_page(request)


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)
    runtime = request.app[RUNTIME]
    now = runtime.clock()
    result = await authenticate(
        runtime.sessions,
        runtime.settings.secret(),
        form.get("email", ""),
        form.get("password", ""),
        now,
        device=request.cookies.get(DEVICE_COOKIE),
        keys=runtime.settings.signing_keys(),
    )
    target = safe_next(form.get("next"))
    if result.outcome != "ok":
        return _login_page(
            request,
            status=403 if result.outcome == "locked" else 401,
            problem=result.outcome,
            minutes=result.minutes,
            email=form.get("email", "").strip(),
            next=target,
        )
    response = web.HTTPSeeOther(target)
    fresh = WebSession(
        result.coordinator_id,
        secrets.token_urlsafe(32),
        int(now.timestamp()),
        result.session_version,
    )
    store_session(request, response, fresh)
    if result.device:
        store_device(request, response, result.device)
    raise response


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    session = read_session(request)
    if session is not None and session.coordinator_id is not None:
        async with request.app[RUNTIME].transaction() as db:
            await end_sessions(db, session.coordinator_id, f"coordinator:{session.coordinator_id}")
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


@routes.post("/language")
async def choose_language(request: web.Request) -> web.StreamResponse:
    """The Danish/English toggle; remembered on the coordinator when signed in."""
    form = await check_csrf(request)
    language = form.get("language", "")
    if language not in LANGUAGES:
        raise web.HTTPBadRequest()
    session = read_session(request)
    if session is not None and session.coordinator_id is not None:
        async with request.app[RUNTIME].transaction() as db:
            await set_language(db, session.coordinator_id, language)
    response = web.HTTPSeeOther(safe_next(form.get("next")))
    response.set_cookie(LANG_COOKIE, language, max_age=365 * 86400, samesite="Lax", path="/")
    raise response

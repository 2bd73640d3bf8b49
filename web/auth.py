"""Coordinator login: the session cookie, CSRF tokens and the login gate of every page.

The session lives in one cookie signed with itsdangerous (every accepted key, so a SECRET_KEY
rotation keeps coordinators signed in while SECRET_KEY_PREVIOUS is set). It carries the
coordinator id, the coordinator's session version (mentoring.logins: logout, a new password and
a lock-out bump it, which ends every session), a CSRF token and when it was issued. Every POST
form sends the CSRF token back and a request without it is refused with 403. Password checks and
the lock-out live in mentoring.logins.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import web
from itsdangerous import BadData, URLSafeSerializer

from core.statuses import CoordinatorRole
from mentoring.logins import DEVICE_LIFE, session_holder
from storage.types import storable
from web.keys import RUNTIME

SESSION_COOKIE = "mb_session"
# Set at a successful login: a login from this browser is not held by the account's lock
# (mentoring.logins, device cookies). Sent to /login only.
DEVICE_COOKIE = "mb_device"
LANG_COOKIE = "mb_lang"
SESSION_SECONDS = 12 * 3600
LANGUAGES = ("da", "en")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class WebSession:
    coordinator_id: int | None
    csrf: str
    issued: int  # unix seconds
    version: int = 0  # the coordinator's session_version when it was signed in


@dataclass(frozen=True)
class SignedIn:
    """The coordinator behind a request, as the views need it (never the ORM row)."""

    id: int
    email: str
    name: str | None
    language: str
    role: CoordinatorRole = CoordinatorRole.COORDINATOR

    @property
    def actor(self) -> str:
        return f"coordinator:{self.id}"

    @property
    def viewer(self) -> bool:
        return self.role == CoordinatorRole.VIEWER


SESSION = web.RequestKey("web_session", WebSession)
FORM = web.RequestKey("form", dict)  # the posted fields once check_csrf has read them
COORDINATOR = web.RequestKey("coordinator", SignedIn)


def _serializer(request: web.Request) -> URLSafeSerializer:
    keys = request.app[RUNTIME].settings.signing_keys()
    return URLSafeSerializer(keys, salt="mentorbot.session")


def _unsign(request: web.Request, value: str) -> dict[str, Any] | None:
    try:
        data = _serializer(request).loads(value)
    except (BadData, ValueError, TypeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _now(request: web.Request) -> datetime:
    return request.app[RUNTIME].clock()


def read_session(request: web.Request) -> WebSession | None:
    """The valid, unexpired session of this request, if any."""
    if SESSION in request:
        return request[SESSION]
    raw = request.cookies.get(SESSION_COOKIE)
    data = _unsign(request, raw) if raw else None
    if data is None:
        return None
    try:
        issued, version = int(data.get("t", 0)), int(data.get("v", 0))
        coordinator = None if data.get("c") is None else int(data["c"])
    except (ValueError, TypeError):
        return None
    if _now(request).timestamp() - issued > SESSION_SECONDS:
        return None
    session = WebSession(coordinator, str(data.get("x", "")), issued, version)
    request[SESSION] = session
    return session


def ensure_session(request: web.Request) -> WebSession:
    """The request's session, or a new anonymous one (so the login form has a CSRF token)."""
    session = read_session(request)
    if session is None:
        session = WebSession(None, secrets.token_urlsafe(32), int(_now(request).timestamp()))
        request[SESSION] = session
    return session


def _secure(request: web.Request) -> bool:
    settings = request.app[RUNTIME].settings
    return settings.is_production or (settings.public_base_url or "").startswith("https://")


def store_device(request: web.Request, response: web.StreamResponse, token: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=int(DEVICE_LIFE.total_seconds()),
        httponly=True,
        secure=_secure(request),
        samesite="Strict",
        path="/login",
    )


def store_session(request: web.Request, response: web.StreamResponse, session: WebSession) -> None:
    secure = _secure(request)
    value = _serializer(request).dumps(
        {"c": session.coordinator_id, "x": session.csrf, "t": session.issued, "v": session.version}
    )
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_SECONDS,
        httponly=True,
        secure=secure,
        samesite="Lax",
        path="/",
    )


def csrf_token(request: web.Request) -> str:
    return ensure_session(request).csrf


def check_csrf_token(request: web.Request, sent: object) -> None:
    """The CSRF token sent with a form against the session's; 403 otherwise."""
    session = read_session(request)
    if session is None or not isinstance(sent, str) or not hmac.compare_digest(sent, session.csrf):
        raise web.HTTPForbidden(text="CSRF token missing or wrong")


async def check_csrf(request: web.Request) -> dict[str, str]:
    """The posted form, after checking its CSRF token against the session's; 403 otherwise.
    The body is read whole, so the app's request limit (web/app.py) applies."""
    form = await request.post()
    check_csrf_token(request, form.get("csrf"))
    fields = {k: storable(v) for k, v in form.items() if isinstance(v, str)}
    request[FORM] = fields
    return fields


def language_of(request: web.Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    if COORDINATOR in request:
        return request[COORDINATOR].language
    default = request.app[RUNTIME].settings.default_language
    return default if default in LANGUAGES else "da"


# What a viewer may open: figures and lists without contact details, and only to read. Every
# other route (a person's page, the inbox, search, imports, the audit log, every POST) answers
# 403 to a viewer, so a page added later is closed to viewers until it is listed here.
VIEWER_PAGES = frozenset(
    {
        "/",
        "/youths",
        "/pairs",
        "/mentors",
        "/companies",
        "/openings",
        "/outcomes",
        "/digest",
        "/digest/preview",
        "/digest/report",
        # Events and the groups: the events list (titles and counts), the groups' action list
        # and their targets page; never the guests, the members' contact details or a change.
        "/events",
        "/actions",
        "/group-targets",
    }
)


def may_open(signed_in: SignedIn | None, href: str) -> bool:
    """Whether a dashboard link opens for the signed-in coordinator: a viewer only the
    VIEWER_PAGES (the pages render a viewer's other links as plain text, so none answers 403)."""
    if signed_in is None or not signed_in.viewer:
        return True
    path = href.split("#", 1)[0].split("?", 1)[0]
    return not path or path in VIEWER_PAGES


def _open_to_viewers(request: web.Request) -> bool:
    route = request.match_info.route.resource
    path = route.canonical if route is not None else request.path
    return request.method in ("GET", "HEAD") and path in VIEWER_PAGES


def login_required(handler: Handler) -> Handler:
    """Pages need a signed-in coordinator (else: the login page); POSTs need the CSRF token."""
    return _signed_in_only(handler, read_form=True)


def login_required_streamed(handler: Handler) -> Handler:
    """As `login_required`, for a POST whose body is a large upload the handler streams
    (web/dashboard/imports.py): the body is not read here, so the app's request limit does not
    apply, and the handler checks the CSRF token (`check_csrf_token`) before it keeps anything."""
    return _signed_in_only(handler, read_form=False)


def _signed_in_only(handler: Handler, *, read_form: bool) -> Handler:
    async def wrapper(request: web.Request) -> web.StreamResponse:
        session = read_session(request)
        if session is None or session.coordinator_id is None:
            target = request.path_qs if request.method == "GET" else "/"
            raise web.HTTPSeeOther(f"/login?next={quote(target, safe='')}")
        holder = await session_holder(
            request.app[RUNTIME].sessions, session.coordinator_id, session.version
        )
        if holder is None:  # signed out everywhere, locked, a new password, or removed
            target = request.path_qs if request.method == "GET" else "/"
            raise web.HTTPSeeOther(f"/login?next={quote(target, safe='')}")
        signed_in = SignedIn(holder.id, holder.email, holder.name, holder.language, holder.role)
        request[COORDINATOR] = signed_in
        if signed_in.viewer and not _open_to_viewers(request):
            raise web.HTTPForbidden(text="Read-only access: this page is for coordinators.")
        if request.method == "POST" and read_form:
            await check_csrf(request)
        return await handler(request)

    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    return wrapper


def safe_next(target: str | None) -> str:
    """Where to go after login: only a path on this site, rebuilt from the parsed URL.

    Browsers drop tab, CR and LF inside URLs and read a backslash as a slash, so `/%09/evil`
    or `/\\evil` would be `//evil`, another site; anything that is not plainly one local path
    goes to the overview instead.
    """
    if not target or any(ord(c) < 0x21 or c in "\\\x7f" for c in target):
        return "/"
    try:
        parts = urlsplit(target)
    except ValueError:
        return "/"
    path = parts.path
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return "/"
    return path + (f"?{parts.query}" if parts.query else "")

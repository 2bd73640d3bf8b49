"""Coordinator login: argon2 passwords, a signed session cookie, CSRF tokens and lock-out.

The session lives in one cookie, HMAC-signed with the deployment's secret (no server-side store,
so any web process can check it). It carries the coordinator id and a CSRF token; every POST form
sends the token back and a request without it is refused with 403. Five wrong passwords in a row
lock the account for LOCK_MINUTES; the lock and the counter live on `Coordinator`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import quote

from aiohttp import web
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.audit import record
from mentoring.coordinators import hasher
from storage.models import Coordinator
from storage.types import storable
from web.keys import RUNTIME

SESSION_COOKIE = "mb_session"
LANG_COOKIE = "mb_lang"
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
SESSION_SECONDS = 12 * 3600
LANGUAGES = ("da", "en")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class WebSession:
    coordinator_id: int | None
    csrf: str
    issued: int  # unix seconds


@dataclass(frozen=True)
class SignedIn:
    """The coordinator behind a request, as the views need it (never the ORM row)."""

    id: int
    email: str
    name: str | None
    language: str

    @property
    def actor(self) -> str:
        return f"coordinator:{self.id}"


SESSION = web.RequestKey("web_session", WebSession)
COORDINATOR = web.RequestKey("coordinator", SignedIn)


def _secret(request: web.Request) -> bytes:
    return request.app[RUNTIME].settings.secret().encode()


def _sign(secret: bytes, payload: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
    mac = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def _unsign(secret: bytes, value: str) -> dict[str, Any] | None:
    body, _, mac = value.rpartition(".")
    expected = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(mac, expected):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _now(request: web.Request) -> datetime:
    return request.app[RUNTIME].clock()


def read_session(request: web.Request) -> WebSession | None:
    """The valid, unexpired session of this request, if any."""
    if SESSION in request:
        return request[SESSION]
    raw = request.cookies.get(SESSION_COOKIE)
    data = _unsign(_secret(request), raw) if raw else None
    if data is None:
        return None
    issued = int(data.get("t", 0))
    if _now(request).timestamp() - issued > SESSION_SECONDS:
        return None
    session = WebSession(data.get("c"), str(data.get("x", "")), issued)
    request[SESSION] = session
    return session


def ensure_session(request: web.Request) -> WebSession:
    """The request's session, or a new anonymous one (so the login form has a CSRF token)."""
    session = read_session(request)
    if session is None:
        session = WebSession(None, secrets.token_urlsafe(32), int(_now(request).timestamp()))
        request[SESSION] = session
    return session


def store_session(request: web.Request, response: web.StreamResponse, session: WebSession) -> None:
    settings = request.app[RUNTIME].settings
    secure = settings.is_production or (settings.public_base_url or "").startswith("https://")
    value = _sign(
        _secret(request), {"c": session.coordinator_id, "x": session.csrf, "t": session.issued}
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


async def check_csrf(request: web.Request) -> dict[str, str]:
    """The posted form, after checking its CSRF token against the session's; 403 otherwise."""
    form = await request.post()
    session = read_session(request)
    sent = form.get("csrf")
    if session is None or not isinstance(sent, str) or not hmac.compare_digest(sent, session.csrf):
        raise web.HTTPForbidden(text="CSRF token missing or wrong")
    return {k: storable(v) for k, v in form.items() if isinstance(v, str)}


def language_of(request: web.Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    if COORDINATOR in request:
        return request[COORDINATOR].language
    default = request.app[RUNTIME].settings.default_language
    return default if default in LANGUAGES else "da"


def login_required(handler: Handler) -> Handler:
    """Pages need a signed-in coordinator (else: the login page); POSTs need the CSRF token."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        session = read_session(request)
        if session is None or session.coordinator_id is None:
            target = request.path_qs if request.method == "GET" else "/"
            raise web.HTTPSeeOther(f"/login?next={quote(target, safe='')}")
        async with request.app[RUNTIME].sessions() as db:
            row = await db.get(Coordinator, session.coordinator_id)
        if row is None:
            raise web.HTTPSeeOther("/login")
        request[COORDINATOR] = SignedIn(row.id, row.email, row.name, row.language)
        if request.method == "POST":
            await check_csrf(request)
        return await handler(request)

    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    return wrapper


@cache
def _dummy_hash() -> str:
    """Checked against for unknown addresses, so both cases take the same time."""
    return hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class LoginResult:
    outcome: str  # ok, wrong, locked
    coordinator_id: int | None = None
    minutes: int = 0  # how long the account stays locked


async def authenticate(db: AsyncSession, email: str, password: str, now: datetime) -> LoginResult:
    """Check a password, counting failures and locking after MAX_FAILED_LOGINS; audited."""
    row = await db.scalar(select(Coordinator).where(Coordinator.email == email.strip().lower()))
    if row is None:
        with contextlib.suppress(VerificationError):
            hasher.verify(_dummy_hash(), password)
        return LoginResult("wrong")
    if row.locked_until is not None and row.locked_until > now:
        minutes = max(1, int((row.locked_until - now).total_seconds() // 60) + 1)
        await record(db, f"coordinator:{row.id}", "login_refused_locked", "coordinator", row.id)
        return LoginResult("locked", row.id, minutes)
    outcome, minutes = _verify(row, password, now)
    action = {"ok": "login", "wrong": "login_failed", "locked": "login_locked"}[outcome]
    await record(db, f"coordinator:{row.id}", action, "coordinator", row.id)
    return LoginResult(outcome, row.id, minutes)


def safe_next(target: str | None) -> str:
    """Only local paths: a login link must not send the coordinator to another site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _verify(row: Coordinator, password: str, now: datetime) -> tuple[str, int]:
    if row.locked_until is not None and row.locked_until <= now:
        row.failed_logins, row.locked_until = 0, None
    try:
        hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        row.failed_logins += 1
        if row.failed_logins >= MAX_FAILED_LOGINS:
            row.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            return "locked", LOCK_MINUTES
        return "wrong", 0
    row.failed_logins, row.locked_until = 0, None
    if hasher.check_needs_rehash(row.password_hash):
        row.password_hash = hasher.hash(password)
    return "ok", 0

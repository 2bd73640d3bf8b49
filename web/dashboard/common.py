"""What every dashboard page shares: rendering in the coordinator's language, flash messages,
form parsing and running one coordinator action as one audited unit of work."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import local_date
from core.runtime import Runtime
from mentoring.audit import record
from mentoring.cpr import contains_cpr
from mentoring.errors import DomainError
from mentoring.programmes import Programme, current_programme
from web.auth import (
    COORDINATOR,
    FORM,
    LANGUAGES,
    SignedIn,
    check_csrf,
    csrf_token,
    language_of,
    may_open,
)
from web.keys import RUNTIME

FLASH_COOKIE = "mb_flash"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
        "form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

UNCHECKED = frozenset({"csrf", "password"})  # never stored, so never searched for CPR numbers
Action = Callable[[AsyncSession, SignedIn], Awaitable[tuple[str, dict[str, Any]]]]


def now_and_today(request: web.Request) -> tuple[datetime, date]:
    runtime = request.app[RUNTIME]
    now = runtime.clock()
    return now, local_date(now, runtime.settings.tz)


async def programme_of(request: web.Request, db: AsyncSession) -> Programme:
    return await current_programme(db, now_and_today(request)[1])


def me(request: web.Request) -> SignedIn:
    return request[COORDINATOR]


def _read_flash(request: web.Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("kind") not in ("ok", "error"):
        return None
    return {"kind": str(data["kind"]), "text": str(data.get("text", ""))}


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    """A page in the coordinator's language, with the CSRF token and any flash message."""
    runtime = request.app[RUNTIME]
    language = language_of(request)
    flash = _read_flash(request)
    signed_in = request.get(COORDINATOR)
    html = runtime.renderer.render(
        template,
        language,
        csrf=csrf_token(request),
        me=signed_in,
        opens=lambda href: may_open(signed_in, href),
        path=request.path,
        path_qs=request.path_qs,
        other_language=next(lang for lang in LANGUAGES if lang != language),
        flash=flash,
        **context,
    )
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers.update(SECURITY_HEADERS)
    if flash is not None:
        response.del_cookie(FLASH_COOKIE, path="/")
    return response


Load = Callable[[AsyncSession, Programme], Awaitable[dict[str, Any]]]


async def programme_page(request: web.Request, template: str, load: Load) -> web.Response:
    """A page of the current programme: `load` reads what the page shows in one session, and
    the template gets it with today's date."""
    _, today = now_and_today(request)
    async with request.app[RUNTIME].sessions() as db:
        page = await load(db, await programme_of(request, db))
    return render(request, template, today=today, **page)


def error_text(request: web.Request, error: DomainError) -> str:
    """The explanation of a broken rule, from templates/errors/<key>.j2."""
    renderer = request.app[RUNTIME].renderer
    language = language_of(request)
    try:
        return renderer.error(error.key, language, channel="web", **error.params)
    except jinja2.TemplateNotFound:
        return renderer.render("web/unexplained_error.j2", language, key=error.key)


def notice_text(request: web.Request, key: str, **params: Any) -> str:
    renderer = request.app[RUNTIME].renderer
    return renderer.render("web/notice.j2", language_of(request), key=key, **params)


def redirect_with(location: str, kind: str, text: str) -> web.HTTPSeeOther:
    response = web.HTTPSeeOther(location)
    value = base64.urlsafe_b64encode(json.dumps({"kind": kind, "text": text}).encode()).decode()
    response.set_cookie(FLASH_COOKIE, value, max_age=120, httponly=True, samesite="Lax", path="/")
    return response


async def act(request: web.Request, back: str, action: Action) -> web.StreamResponse:
    """Run one coordinator action in one transaction, then show what happened.

    The action returns a notice key and its parameters; a DomainError rolls everything back
    and is explained to the coordinator on the page they came from.
    """
    runtime = request.app[RUNTIME]
    if any(contains_cpr(v) for k, v in request.get(FORM, {}).items() if k not in UNCHECKED):
        # Refused before anything is written; the coordinator's browser keeps what was typed.
        raise redirect_with(back, "error", error_text(request, DomainError("cpr_refused")))
    try:
        async with runtime.transaction() as db:
            key, params = await action(db, me(request))
    except DomainError as error:
        raise redirect_with(back, "error", error_text(request, error)) from None
    raise redirect_with(back, "ok", notice_text(request, key, **params))


@dataclass(frozen=True)
class Posted:
    """A coordinator's form as `form_action` hands it to its step: the route's `{id}` (0 when
    the route has none), the fields (CSRF-checked by `login_required`), now and today."""

    request: web.Request
    id: int
    form: dict[str, str]
    now: datetime
    today: date

    @property
    def runtime(self) -> Runtime:
        return self.request.app[RUNTIME]

    async def programme(self, db: AsyncSession) -> Programme:
        return await current_programme(db, self.today)

    async def ids(self, name: str) -> list[int]:
        """The ids ticked in a group of checkboxes (the fields keep one value per name)."""
        values = (await self.request.post()).getall(name, [])
        return [int(v) for v in map(str, values) if v.isdigit() and len(v) < 10]


@dataclass(frozen=True)
class Done:
    """What a form's step did: its audit row (`action` on `entity` `entity_id`, with
    `details`), the notice shown (a key of templates/web/notice.j2 with its params; the audit
    action unless told otherwise) and where to go when not back to the form's page.
    Made by `audited(...)`, then `.tell(notice, **params)` and `.going(path)` as needed."""

    action: str
    entity: str
    entity_id: int | None
    details: dict[str, Any] = field(default_factory=dict)
    notice: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    go: str | None = None

    def tell(self, notice: str, **params: Any) -> Done:
        return replace(self, notice=notice, params=params)

    def going(self, path: str) -> Done:
        return replace(self, go=path)


def audited(action: str, entity: str, entity_id: int | None, **details: Any) -> Done:
    return Done(action, entity, entity_id, details, notice=action)


Step = Callable[[AsyncSession, SignedIn, Posted], Awaitable[Done]]


def form_action(
    back: str | Callable[[Posted], str],
) -> Callable[[Step], Callable[[web.Request], Awaitable[web.StreamResponse]]]:
    """A form's route from its step, under `@login_required`: the step gets the posted form
    and does the change; the audit row it names is written in the same transaction, and the
    coordinator is sent `back` (or to `Done.go`) with the notice, as `act` does."""

    def route(step: Step) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handler(request: web.Request) -> web.StreamResponse:
            now, today = now_and_today(request)
            form = request[FORM] if FORM in request else await check_csrf(request)
            has_id = "id" in request.match_info
            posted = Posted(request, route_id(request) if has_id else 0, form, now, today)
            went: list[str] = []

            async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
                done = await step(db, who, posted)
                await record(
                    db, who.actor, done.action, done.entity, done.entity_id, **done.details
                )
                if done.go:
                    went.append(done.go)
                return done.notice, done.params

            try:
                return await act(request, back(posted) if callable(back) else back, action)
            except web.HTTPSeeOther as sent:
                if went:  # done: on to the page it names, with the same notice
                    sent.headers["Location"] = went[0]
                raise

        handler.__name__, handler.__doc__ = step.__name__, step.__doc__
        return handler

    return route


def text_field(form: dict[str, str], name: str, *, required: bool = True) -> str:
    value = form.get(name, "").strip()
    if required and not value:
        raise DomainError("dashboard_field_missing", field=name)
    return value


# Ids and numbers the database can hold (PostgreSQL's INTEGER, a signed 32-bit integer, the type of
# every id the dashboard takes); a larger one is no row of ours, not a database error.
DB_INT_MAX = 2**31 - 1


def _db_int(value: str) -> int:
    number = int(value)
    if not -DB_INT_MAX <= number <= DB_INT_MAX:
        raise ValueError(value)
    return number


def int_field(form: dict[str, str], name: str) -> int:
    value = text_field(form, name)
    try:
        return _db_int(value)
    except ValueError:
        raise DomainError("dashboard_field_invalid", field=name) from None


def date_field(form: dict[str, str], name: str, default: date | None = None) -> date:
    value = text_field(form, name, required=default is None)
    if not value and default is not None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError("dashboard_field_invalid", field=name) from None


def route_id(request: web.Request, name: str = "id") -> int:
    try:
        return _db_int(request.match_info[name])
    except (KeyError, ValueError):
        raise web.HTTPNotFound() from None

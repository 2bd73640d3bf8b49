"""Events: the list and a new event, one event's page (details, invitations, answers,
attendance, the openings it produced), and the invitations sent from it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import GROUP_MEETINGS, EventKind
from mentoring import event_invitations as invitations
from mentoring import events, signup_codes
from mentoring.audit import record
from mentoring.companies import companies_by_name
from mentoring.errors import DomainError
from mentoring.groups import GROUPS, actions_of, members_of
from mentoring.lookups import lookup
from web.auth import SignedIn, check_csrf, login_required
from web.dashboard.common import (
    act,
    date_field,
    int_field,
    now_and_today,
    programme_of,
    render,
    route_id,
    text_field,
)
from web.keys import RUNTIME, TELEGRAM_USERNAME

routes = web.RouteTableDef()


def _fields(request: web.Request, form: dict[str, str]) -> events.EventFields:
    tz = request.app[RUNTIME].settings.tz
    try:
        kind = EventKind(form.get("kind", ""))
    except ValueError:
        raise DomainError("dashboard_field_invalid", field="kind") from None
    return events.EventFields(
        kind=kind,
        title=text_field(form, "title"),
        starts_at=events.local_start(date_field(form, "day"), text_field(form, "time"), tz),
        duration_minutes=int_field(form, "duration_minutes"),
        place=form.get("place"),
        description=form.get("description"),
    )


def _ids(form: MultiDictProxy[Any], name: str) -> Iterator[int]:
    """The ids of a group of checkboxes (the CSRF-checked form keeps one value per name)."""
    for value in form.getall(name, []):
        text = str(value)
        if text.isdigit() and len(text) < 10:
            yield int(text)


def _optional_int(form: dict[str, str], name: str) -> int | None:
    return int_field(form, name) if form.get(name, "").strip() else None


@routes.get("/events")
@login_required
async def event_list(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    _, today = now_and_today(request)
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        rows = await events.events_of(db, programme.id)
    return render(request, "web/events.html", rows=rows, kinds=list(EventKind), today=today)


@routes.post("/events")
@login_required
async def add_event(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)
    created: list[int] = []

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        programme = await programme_of(request, db)
        event = await events.create_event(
            db, programme.id, _fields(request, form), created_by=who.id
        )
        await record(db, who.actor, "event_created", "event", event.id, kind=event.kind)
        created.append(event.id)
        return "event_created", {}

    try:
        return await act(request, "/events", action)
    except web.HTTPSeeOther as done:
        if created:  # to the new event's page, with the same notice
            done.headers["Location"] = f"/events/{created[0]}"
        raise


@routes.get("/events/{id}")
@login_required
async def event_page(request: web.Request) -> web.StreamResponse:
    event_id = route_id(request)
    runtime = request.app[RUNTIME]
    now, today = now_and_today(request)
    async with runtime.sessions() as db:
        programme = await programme_of(request, db)
        event = await events.find_event(db, programme.id, event_id)
        if event is None:
            raise web.HTTPNotFound()
        guests = await events.guests_of(db, event_id)
        mentors = [
            {"person": p, "company": c}
            for p, c in await invitations.invitable_mentors(db, programme.id, event_id)
        ]
        companies = await companies_by_name(db, programme.id)
        openings = await events.openings_of(db, event_id)
        kinds = list(await lookup(db, "job_kind"))
        actions = await actions_of(db, event_id=event_id)
        members = await members_of(db, programme.id)
        contacts = await invitations.invitable_contacts(db, programme.id, event_id)
        code = await signup_codes.code_of(db, event)
        recruited = await signup_codes.recruited_by(db, event)
    bot = request.app.get(TELEGRAM_USERNAME)
    return render(
        request,
        "web/event.html",
        event=event,
        local=event.starts_at.astimezone(runtime.settings.tz),
        guests=guests,
        companies={c.id: c.name for c in companies},
        mentors=mentors,
        openings=openings,
        job_kinds=kinds,
        kinds=list(EventKind),
        groups=GROUPS,
        group_meeting=event.kind in GROUP_MEETINGS,
        actions=actions,
        members=members,
        is_open=event.cancelled_at is None and events.ends_at(event) > now,
        today=today,
        contacts=contacts,
        code=code,
        code_link=f"https://t.me/{bot}?start={code}" if bot and code else None,
        recruited=recruited,
    )


def _back(event_id: int) -> str:
    return f"/events/{event_id}"


@routes.post("/events/{id}")
@login_required
async def change_event(request: web.Request) -> web.StreamResponse:
    event_id = route_id(request)
    form = await check_csrf(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        before = (await events.get_event(db, event_id)).sequence
        event = await events.change_event(db, event_id, _fields(request, form))
        await record(db, who.actor, "event_changed", "event", event.id, sequence=event.sequence)
        if event.sequence == before:
            return "event_changed", {}
        runtime = request.app[RUNTIME]
        told = await invitations.tell_guests_it_moved(
            db, runtime.renderer, event_id, now=runtime.clock(), tz=runtime.settings.tz
        )
        return "event_moved", {"count": told}

    return await act(request, _back(event_id), action)


@routes.post("/events/{id}/invite-mentors")
@login_required
async def invite_mentors(request: web.Request) -> web.StreamResponse:
    event_id = route_id(request)
    await check_csrf(request)
    chosen = list(_ids(await request.post(), "mentor_id"))
    runtime = request.app[RUNTIME]

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        if not chosen:
            raise DomainError("dashboard_field_missing", field="mentor_id")
        count = await invitations.invite_mentors(
            db, runtime.renderer, event_id, chosen, now=runtime.clock(), tz=runtime.settings.tz
        )
        await record(db, who.actor, "event_mentors_invited", "event", event_id, count=count)
        return "event_invited", {"count": count}

    return await act(request, _back(event_id), action)


@routes.post("/events/{id}/invite")
@login_required
async def invite_by_email(request: web.Request) -> web.StreamResponse:
    event_id = route_id(request)
    form = await check_csrf(request)
    runtime = request.app[RUNTIME]

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        guest = await invitations.invite_by_email(
            db,
            runtime.renderer,
            event_id,
            text_field(form, "name"),
            text_field(form, "email"),
            now=runtime.clock(),
            company_id=_optional_int(form, "company_id"),
        )
        await record(db, who.actor, "event_guest_invited", "event", event_id, guest=guest.id)
        return "event_invited", {"count": 1}

    return await act(request, _back(event_id), action)


@routes.post("/events/{id}/invite-contacts")
@login_required
async def invite_contacts(request: web.Request) -> web.StreamResponse:
    event_id = route_id(request)
    await check_csrf(request)
    chosen = list(_ids(await request.post(), "contact_id"))
    runtime = request.app[RUNTIME]

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        if not chosen:
            raise DomainError("dashboard_field_missing", field="contact_id")
        programme = await programme_of(request, db)
        count = await invitations.invite_contacts(
            db, runtime.renderer, programme.id, event_id, chosen, now=runtime.clock()
        )
        await record(db, who.actor, "event_contacts_invited", "event", event_id, count=count)
        return "event_invited", {"count": count}

    return await act(request, _back(event_id), action)


@routes.post("/events/{id}/invite-group")
@login_required
async def invite_group(request: web.Request) -> web.StreamResponse:
    event_id = route_id(request)
    form = await check_csrf(request)
    runtime = request.app[RUNTIME]

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        group = form.get("group", "")
        if group not in GROUPS:
            raise DomainError("dashboard_field_invalid", field="group")
        count = await invitations.invite_members(
            db, runtime.renderer, event_id, group, now=runtime.clock()
        )
        await record(db, who.actor, "event_group_invited", "event", event_id, group=group)
        return "event_invited", {"count": count}

    return await act(request, _back(event_id), action)


@routes.post("/events/{id}/guests")
@login_required
async def register_guest(request: web.Request) -> web.StreamResponse:
    """A registration the coordinator takes down (a phone call, at the door)."""
    event_id = route_id(request)
    form = await check_csrf(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        event = await events.get_event(db, event_id)
        guest = await events.add_guest(
            db,
            event,
            text_field(form, "name"),
            email=form.get("email", "").strip() or None,
            company_id=_optional_int(form, "company_id"),
        )
        if guest.rsvp is None:
            await events.answer(db, guest.id, events.Rsvp.YES, request.app[RUNTIME].clock())
        await record(db, who.actor, "event_guest_registered", "event", event_id, guest=guest.id)
        return "event_registered", {}

    return await act(request, _back(event_id), action)


@routes.post("/events/{id}/attendance")
@login_required
async def attendance(request: web.Request) -> web.StreamResponse:
    event_id = route_id(request)
    await check_csrf(request)
    present = set(_ids(await request.post(), "present"))

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        came = await events.record_attendance(db, event_id, present)
        await record(db, who.actor, "event_attendance", "event", event_id, attended=came)
        return "event_attendance", {"count": came}

    return await act(request, _back(event_id), action)


@routes.post("/events/{id}/openings")
@login_required
async def add_opening(request: web.Request) -> web.StreamResponse:
    event_id = route_id(request)
    form = await check_csrf(request)
    _, today = now_and_today(request)

    async def action(db: AsyncSession, who: SignedIn) -> tuple[str, dict[str, Any]]:
        opening = await events.opening_from_event(
            db,
            event_id,
            int_field(form, "company_id"),
            text_field(form, "kind"),
            date_field(form, "created_on", today),
        )
        await record(
            db, who.actor, "job_opening_registered", "job_opening", opening.id, event=event_id
        )
        return "opening_registered", {}

    return await act(request, _back(event_id), action)

"""Events: the list and a new event, one event's page (details, invitations, answers,
attendance, the openings it produced), and the invitations sent from it."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import GROUP_MEETINGS, EventKind
from mentoring import event_invitations as invitations
from mentoring import events, signup_codes
from mentoring.companies import companies_by_name
from mentoring.errors import DomainError
from mentoring.groups import GROUPS, actions_of, members_of
from mentoring.lookups import lookup
from web.auth import SignedIn, login_required
from web.dashboard.common import (
    Done,
    Posted,
    audited,
    date_field,
    form_action,
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
@form_action("/events")
async def add_event(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    programme = await p.programme(db)
    event = await events.create_event(
        db, programme.id, _fields(p.request, p.form), created_by=who.id
    )
    return audited("event_created", "event", event.id, kind=event.kind).going(f"/events/{event.id}")


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


def _back(p: Posted) -> str:
    return f"/events/{p.id}"


@routes.post("/events/{id}")
@login_required
@form_action(_back)
async def change_event(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    before = (await events.get_event(db, p.id)).sequence
    event = await events.change_event(db, p.id, _fields(p.request, p.form))
    done = audited("event_changed", "event", event.id, sequence=event.sequence)
    if event.sequence == before:
        return done
    told = await invitations.tell_guests_it_moved(
        db, p.runtime.renderer, p.id, now=p.now, tz=p.runtime.settings.tz
    )
    return done.tell("event_moved", count=told)


@routes.post("/events/{id}/invite-mentors")
@login_required
@form_action(_back)
async def invite_mentors(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    chosen = await p.ids("mentor_id")
    if not chosen:
        raise DomainError("dashboard_field_missing", field="mentor_id")
    count = await invitations.invite_mentors(
        db, p.runtime.renderer, p.id, chosen, now=p.now, tz=p.runtime.settings.tz
    )
    return audited("event_mentors_invited", "event", p.id, count=count).tell(
        "event_invited", count=count
    )


@routes.post("/events/{id}/invite")
@login_required
@form_action(_back)
async def invite_by_email(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    guest = await invitations.invite_by_email(
        db,
        p.runtime.renderer,
        p.id,
        text_field(p.form, "name"),
        text_field(p.form, "email"),
        now=p.now,
        company_id=_optional_int(p.form, "company_id"),
    )
    return audited("event_guest_invited", "event", p.id, guest=guest.id).tell(
        "event_invited", count=1
    )


@routes.post("/events/{id}/invite-contacts")
@login_required
@form_action(_back)
async def invite_contacts(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    chosen = await p.ids("contact_id")
    if not chosen:
        raise DomainError("dashboard_field_missing", field="contact_id")
    programme = await p.programme(db)
    count = await invitations.invite_contacts(
        db, p.runtime.renderer, programme.id, p.id, chosen, now=p.now
    )
    return audited("event_contacts_invited", "event", p.id, count=count).tell(
        "event_invited", count=count
    )


@routes.post("/events/{id}/invite-group")
@login_required
@form_action(_back)
async def invite_group(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    group = p.form.get("group", "")
    if group not in GROUPS:
        raise DomainError("dashboard_field_invalid", field="group")
    count = await invitations.invite_members(db, p.runtime.renderer, p.id, group, now=p.now)
    return audited("event_group_invited", "event", p.id, group=group).tell(
        "event_invited", count=count
    )


@routes.post("/events/{id}/guests")
@login_required
@form_action(_back)
async def register_guest(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    """A registration the coordinator takes down (a phone call, at the door)."""
    event = await events.get_event(db, p.id)
    guest = await events.add_guest(
        db,
        event,
        text_field(p.form, "name"),
        email=p.form.get("email", "").strip() or None,
        company_id=_optional_int(p.form, "company_id"),
    )
    if guest.rsvp is None:
        await events.answer(db, guest.id, events.Rsvp.YES, p.now)
    return audited("event_guest_registered", "event", p.id, guest=guest.id).tell("event_registered")


@routes.post("/events/{id}/attendance")
@login_required
@form_action(_back)
async def attendance(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    came = await events.record_attendance(db, p.id, set(await p.ids("present")))
    return audited("event_attendance", "event", p.id, attended=came).tell(
        "event_attendance", count=came
    )


@routes.post("/events/{id}/openings")
@login_required
@form_action(_back)
async def add_opening(db: AsyncSession, who: SignedIn, p: Posted) -> Done:
    opening = await events.opening_from_event(
        db,
        p.id,
        int_field(p.form, "company_id"),
        text_field(p.form, "kind"),
        date_field(p.form, "created_on", p.today),
    )
    return audited("job_opening_registered", "job_opening", opening.id, event=p.id).tell(
        "opening_registered"
    )

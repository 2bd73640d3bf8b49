"""A person's rights and retention: see their data, export it, erase it; purge what is old.

Erasure anonymises rather than deletes the rows the programme's figures rest on (matches,
meetings, hours, outcomes): names, contact points, free text, consent and conversation state go;
the target group, the dates and the counts stay, so the digest's totals do not move.

Some messages are tied to nobody (person_id NULL): answers to a guardian, the farewell after an
erasure, an SMS opt-out confirmation to an unknown number. Their address and body go when the
person they were about is erased, and in any case at the retention purge once the body-retention
period has passed; the farewell's address goes as soon as it is sent (messaging.delivery).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import add_months
from core.runtime import Runtime
from core.statuses import ENDED, OPEN, SENT, UNDELIVERED, OutboxStatus, PersonStatus
from mentoring import journal
from mentoring.audit import record
from mentoring.errors import NotFound
from mentoring.importing import forget_old_uploads
from mentoring.logins import purge_throttles
from storage.db import checkpoint, checkpoint_after_commit, unit_of_work
from storage.models import (
    CheckinAnswer,
    Consent,
    ContactPoint,
    ConversationState,
    ErasureLog,
    HoursReport,
    InboxItem,
    Match,
    Meeting,
    Mentor,
    Note,
    OutboxMessage,
    Person,
    Programme,
    Youth,
)

log = logging.getLogger(__name__)
# Outbox statuses that will not be sent again.
DONE = (*SENT, *UNDELIVERED)
FAREWELL = "privacy_erased"


def _row(obj: object) -> dict[str, Any]:
    table = obj.__table__  # type: ignore[attr-defined]
    return {c.key: _plain(getattr(obj, c.key)) for c in table.columns}


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


async def export_person(session: AsyncSession, person_id: int) -> dict[str, Any]:
    """Everything we hold about one person, as JSON-ready data (the access copy, art. 15)."""
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound("person", person_id)
    data: dict[str, Any] = {"person": _row(person)}
    for name, model, column in (
        ("youth", Youth, Youth.person_id),
        ("mentor", Mentor, Mentor.person_id),
    ):
        found = await session.scalar(select(model).where(column == person_id))
        data[name] = _row(found) if found is not None else None
    related: tuple[tuple[str, Any, Any], ...] = (
        ("contact_points", ContactPoint, ContactPoint.person_id),
        ("consents", Consent, Consent.person_id),
        ("checkin_answers", CheckinAnswer, CheckinAnswer.person_id),
        ("inbox_items", InboxItem, InboxItem.person_id),
        ("messages", OutboxMessage, OutboxMessage.person_id),
    )
    for name, model, column in related:
        data[name] = [
            _row(r) for r in await session.scalars(select(model).where(column == person_id))
        ]
    matches = list(
        await session.scalars(
            select(Match).where((Match.youth_id == person_id) | (Match.mentor_id == person_id))
        )
    )
    data["matches"] = [_row(m) for m in matches]
    ids = [m.id for m in matches]
    data["meetings"] = [
        _row(m) for m in await session.scalars(select(Meeting).where(Meeting.match_id.in_(ids)))
    ]
    data["hours"] = [
        _row(h)
        for h in await session.scalars(select(HoursReport).where(HoursReport.match_id.in_(ids)))
    ]
    data["notes"] = [
        _row(n)
        for n in await session.scalars(
            select(Note).where((Note.person_id == person_id) | Note.match_id.in_(ids))
        )
    ]
    return data


async def erase_person(session: AsyncSession, person_id: int, *, actor: str, now: datetime) -> None:
    """Remove or anonymise a person's personal data; the programme's figures stay unchanged."""
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound("person", person_id)
    person.first_name, person.status, person.erased_at = None, PersonStatus.ERASED, now
    checkpoint_after_commit(session)  # out of the SQLite WAL as soon as this commits
    youth = await session.get(Youth, person_id)
    addresses = set(
        await session.scalars(
            select(ContactPoint.address).where(ContactPoint.person_id == person_id)
        )
    )
    if youth is not None:
        addresses |= {a for a in (youth.guardian_phone, youth.guardian_email) if a}
    if addresses:
        await _forget_untied(session, OutboxMessage.address.in_(sorted(addresses)), unsent_too=True)
    personal: tuple[tuple[Any, Any], ...] = (
        (ContactPoint, ContactPoint.person_id),
        (Consent, Consent.person_id),
        (ConversationState, ConversationState.person_id),
    )
    for table, key in personal:
        for row in await session.scalars(select(table).where(key == person_id)):
            await session.delete(row)
    await session.execute(
        update(Youth)
        .where(Youth.person_id == person_id)
        .values(
            interests_text=None,
            postcode=None,
            area=None,
            guardian_name=None,
            guardian_phone=None,
            guardian_email=None,
            external_ref=None,
            waiting_since=None,
        )
    )
    await session.execute(
        update(Mentor)
        .where(Mentor.person_id == person_id)
        .values(last_name=None, role_title=None, availability=None, postcode=None, area=None,
                external_ref=None)
    )  # fmt: skip
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.person_id == person_id)
        .values(body=None, address=None, options=[])
    )
    await session.execute(
        update(InboxItem).where(InboxItem.person_id == person_id).values(body=None)
    )
    await session.execute(
        update(CheckinAnswer).where(CheckinAnswer.person_id == person_id).values(comment=None)
    )
    match_ids = select(Match.id).where(
        (Match.youth_id == person_id) | (Match.mentor_id == person_id)
    )
    await session.execute(update(Meeting).where(Meeting.match_id.in_(match_ids)).values(place=None))
    await session.execute(update(Match).where(Match.id.in_(match_ids)).values(decline_reason=None))
    # The coordinator's notes on the person and on their pairs are about them: they go.
    for note in await session.scalars(
        select(Note).where((Note.person_id == person_id) | Note.match_id.in_(match_ids))
    ):
        await session.delete(note)
    await session.merge(ErasureLog(person_id=person_id, erased_at=now))
    await record(session, actor, "person.erased", "person", person_id)


async def _forget_untied(session: AsyncSession, which: Any, *, unsent_too: bool = False) -> int:
    """Blank the address and body of messages tied to nobody: those sent (or given up), and with
    `unsent_too` (an erasure) also those still waiting, which then are never sent."""
    done = OutboxMessage.status.in_(DONE)
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.person_id.is_(None),
            OutboxMessage.address.is_not(None) | OutboxMessage.body.is_not(None),
            which,
            true() if unsent_too else done,
        )
        .values(
            address=None,
            body=None,
            options=[],
            status=case(
                (OutboxMessage.status == OutboxStatus.PENDING, OutboxStatus.FAILED.value),
                else_=OutboxMessage.status,
            ),
        )
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


async def purge(runtime: Runtime) -> dict[str, int]:
    """The daily retention job: message bodies after N days, personal data after M months.

    Counted from the end of the person's last programme (match). Messages tied to nobody lose
    their address and body after the shortest body-retention period, a farewell at once. Logs
    how many rows it touched. The inbound journal's handled keys go after a week
    (mentoring.journal.KEEP_HANDLED), CSV uploads never imported or discarded after theirs
    (mentoring.importing.UPLOAD_RETENTION).
    """
    now = runtime.clock()
    today = now.astimezone(runtime.settings.tz).date()
    touched = {
        "message_bodies": 0,
        "people_erased": 0,
        "untied_messages": 0,
        "never_paired_erased": 0,
        "login_throttles": 0,
        "inbound_events": 0,
        "import_uploads": 0,
    }
    async with unit_of_work(runtime.sessions) as session:
        shortest = await session.scalar(select(func.min(Programme.retain_bodies_days)))
        if shortest is not None:
            old = OutboxMessage.created_at <= now - timedelta(days=shortest)
            touched["untied_messages"] = await _forget_untied(
                session, or_(old, OutboxMessage.template == FAREWELL)
            )
        for programme in await session.scalars(select(Programme)):
            ended = (
                select(
                    Match.youth_id.label("youth"),
                    Match.mentor_id.label("mentor"),
                    func.max(Match.ended_at).label("ended"),
                )
                .where(
                    Match.programme_id == programme.id,
                    Match.status.in_(ENDED),
                )
                .group_by(Match.youth_id, Match.mentor_id)
            )
            rows = (await session.execute(ended)).all()
            still_open = set(
                await session.scalars(select(Match.youth_id).where(Match.status.in_(OPEN)))
            ) | set(await session.scalars(select(Match.mentor_id).where(Match.status.in_(OPEN))))
            last_end: dict[int, datetime] = {}
            for youth, mentor, ended_at in rows:
                for pid in (youth, mentor):
                    if pid not in still_open and ended_at is not None:
                        last_end[pid] = max(last_end.get(pid, ended_at), ended_at)
            body_cut = now - timedelta(days=programme.retain_bodies_days)
            purge_bodies = [pid for pid, end in last_end.items() if end <= body_cut]
            if purge_bodies:
                result = await session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.person_id.in_(purge_bodies), OutboxMessage.body.is_not(None)
                    )
                    .values(body=None)
                )
                touched["message_bodies"] += result.rowcount or 0  # type: ignore[attr-defined]
            for pid, end in last_end.items():
                cut = add_months(end.astimezone(runtime.settings.tz).date(),
                                 programme.retain_personal_months)  # fmt: skip
                person = await session.get(Person, pid)
                if cut <= today and person is not None and person.status != PersonStatus.ERASED:
                    await erase_person(session, pid, actor="system:retention", now=now)
                    touched["people_erased"] += 1
            touched["never_paired_erased"] += await _purge_never_paired(session, programme, now)
        touched["login_throttles"] = await purge_throttles(session, now)
        touched["inbound_events"] = await journal.forget_handled(session, now)
    await checkpoint(runtime.engine)  # the erased rows leave the SQLite WAL too
    folder = runtime.settings.imports_dir
    touched["import_uploads"] = await asyncio.to_thread(forget_old_uploads, folder, now)
    log.info("retention purge", extra=touched)
    return touched


async def _purge_never_paired(session: AsyncSession, programme: Programme, now: datetime) -> int:
    """People who were never in a pair: refused or abandoned sign-ups, youths never matched,
    mentors never approved or never given a mentee. Counted from their last activity (their
    conversation's last step, else their sign-up): a sign-up never finished is erased after
    `retain_bodies_days`, anyone else after `retain_personal_months`, like a pair's people."""
    paired = select(Match.youth_id).union(select(Match.mentor_id)).scalar_subquery()
    last_seen = func.coalesce(ConversationState.updated_at, Person.created_at)
    rows = (
        await session.execute(
            select(Person.id, Person.status, last_seen)
            .outerjoin(ConversationState, ConversationState.person_id == Person.id)
            .where(
                Person.programme_id == programme.id,
                Person.status != PersonStatus.ERASED,
                Person.id.not_in(paired),
            )
        )
    ).all()
    short = now - timedelta(days=programme.retain_bodies_days)
    erased = 0
    for person_id, status, seen in rows:
        if status == PersonStatus.SIGNING_UP:
            due = seen <= short
        else:
            due = add_months(seen.date(), programme.retain_personal_months) <= now.date()
        if due:
            await erase_person(session, person_id, actor="system:retention", now=now)
            erased += 1
    return erased

"""Sending outbox rows: claim them, decide whether they may go, send, record what happened.

These are the building blocks of the paced, long-running dispatcher (messaging/dispatcher.py);
`send_due_once` drains the outbox in one pass for tests and the simulator. Both claim rows the
same way, so they never send the same row twice at the same time.

A claimed row has status "sending" and `next_attempt_at` = the end of its lease: if the process
dies, the row is claimed again once the lease runs out (the only case where a message can go out
twice: it was sent, but the process died before recording it).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol, cast

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    not_,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from core.statuses import QUEUED, OutboxStatus, PersonStatus
from messaging.senders import PermanentFailure, Sender, TemporaryFailure
from storage.models import ContactPoint, OutboxMessage, Person

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=60)
SEND_TIMEOUT = 30.0

# Sent to an unverified SMS number: only the code that verifies it (a typo in a number
# never sends a stranger our messages). Other rows to that number wait until it is verified.
# A youth the coordinator signed up by hand is asked to confirm by SMS, and a caseworker's
# referral invites a youth once: their answer proves the number.
UNVERIFIED_SMS_ALLOWED = frozenset(
    {"verify_code", "sms_opted_out", "sms_opted_in", "added_by_hand_invite", "referral_invite"}
)
# Sent even to an opted-out number: the one confirmation of the STOP that opted it out.
OPTED_OUT_ALLOWED = frozenset({"sms_opted_out"})
# Sent to a paused person: only answers to what they just wrote (the engine lets a paused person
# stop, get help, see their data and change language); never a follow-up's nudge.
PAUSED_ALLOWED = frozenset(
    {
        "sms_opted_out",
        "sms_opted_in",
        "sms_only_text",
        "sms_flood",
        "stopped",
        "paused_reminder",
        "help",
        "my_data",
        "language_ask",
        "language_set",
        "text_only",
        "cpr_refused",
        "error",
        "privacy_erase_confirm",
        "privacy_erase_kept",
        "privacy_consent_withdrawn",
        "privacy_consent_none",
        "privacy_guardian_paused",
        "write_ask",  # a paused person can always write to the coordinator (bot/flows/paused.py)
        "write_sent",
        "write_not_sent",
        "question_back",
        "offer_coordinator",
    }
)

# Rows whose address is blanked once sent (or finally failed): the erasure farewell goes to someone
# we no longer hold any data about. Not on "web": the simulator reads its outbox by address.
FORGET_ADDRESS = frozenset({"privacy_erased"})

outbox = cast(Table, OutboxMessage.__table__)
contacts = cast(Table, ContactPoint.__table__)
people = cast(Table, Person.__table__)

CLAIM_COLUMNS = (
    outbox.c.id,
    outbox.c.person_id,
    outbox.c.channel,
    outbox.c.address,
    outbox.c.template,
    outbox.c.body,
    outbox.c.options,
    outbox.c.attempts,
    outbox.c.awaiting_reply,
    outbox.c.dedupe_key,
)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, `retry_after` honoured, dead letter after `max_attempts`."""

    max_attempts: int = MAX_ATTEMPTS
    base_seconds: float = 2.0
    cap_seconds: float = 3600.0

    def delay(self, attempts: int, retry_after: float | None) -> timedelta:
        if retry_after is not None:
            return timedelta(seconds=retry_after)
        ceiling = min(self.base_seconds**attempts, self.cap_seconds)
        return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    return RetryPolicy().delay(attempts, retry_after)


@dataclass
class Outcome:
    """What became of one claimed row; recorded in groups by `record`."""

    message_id: int
    status: str  # sent, pending (retry or deferred), failed, dead
    attempts: int
    provider_id: str | None = None
    next_attempt_at: datetime | None = None
    error: str | None = None
    contact: tuple[str, str, str] | None = None  # channel, address, new state
    retry_after: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def as_message(row: Any) -> OutboxMessage:
    """A claimed row as the (detached) OutboxMessage the Sender protocol takes."""
    return OutboxMessage(
        id=row.id,
        person_id=row.person_id,
        channel=row.channel,
        address=row.address,
        template=row.template,
        body=row.body,
        options=row.options or [],
        attempts=row.attempts,
        awaiting_reply=row.awaiting_reply,
        dedupe_key=row.dedupe_key,
    )


def _held_unverified(rows: Any) -> Any:
    """Rows waiting for their SMS number to be verified (not claimed, not lost)."""
    return and_(
        rows.c.channel == "sms",
        rows.c.template.not_in(sorted(UNVERIFIED_SMS_ALLOWED)),
        exists().where(
            contacts.c.channel == "sms",
            contacts.c.address == rows.c.address,
            contacts.c.verified.is_(False),
        ),
    )


async def claim(
    conn: AsyncConnection,
    channels: Sequence[str],
    now: datetime,
    limit: int,
    lease: timedelta = LEASE,
) -> list[OutboxMessage]:
    """Mark up to `limit` due rows "sending" until `now + lease`, and return them.

    A row is due when pending and its time has come, or when "sending" with an expired lease (the
    process that claimed it died). PostgreSQL: FOR UPDATE SKIP LOCKED, so several dispatchers
    take disjoint rows. SQLite: the write transaction (BEGIN IMMEDIATE) serialises claims.
    """
    rows = outbox.alias("due")
    due = (
        select(rows.c.id)
        .where(
            rows.c.status.in_(QUEUED),
            rows.c.next_attempt_at <= now,
            rows.c.channel.in_(list(channels)),
            not_(_held_unverified(rows)),
        )
        .order_by(rows.c.next_attempt_at, rows.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    stmt = (
        update(outbox)
        .where(outbox.c.id.in_(due.scalar_subquery()))
        .values(status=OutboxStatus.SENDING, next_attempt_at=now + lease)
        .returning(*CLAIM_COLUMNS)
    )
    claimed = (await conn.execute(stmt)).all()
    return sorted((as_message(r) for r in claimed), key=lambda m: m.id)


async def screen(conn: AsyncConnection, claimed: Sequence[OutboxMessage]) -> dict[int, str]:
    """Claimed rows that must not go out, with the reason: never to a contact point that is not
    "ok", never to a paused or erased person, except what they just asked for."""
    if not claimed:
        return {}
    pairs = {(m.channel, m.address) for m in claimed if m.address}
    states: dict[tuple[str, str], str] = {}
    if pairs:
        result = await conn.execute(
            select(contacts.c.channel, contacts.c.address, contacts.c.state).where(
                tuple_(contacts.c.channel, contacts.c.address).in_(sorted(pairs))
            )
        )
        states = {(c, a): s for c, a, s in result.all()}
    person_ids = {m.person_id for m in claimed if m.person_id is not None}
    statuses: dict[int, str] = {}
    if person_ids:
        found = await conn.execute(
            select(people.c.id, people.c.status).where(people.c.id.in_(sorted(person_ids)))
        )
        statuses = {i: s for i, s in found.all()}
    refused: dict[int, str] = {}
    for m in claimed:
        state = states.get((m.channel, m.address or ""), "ok")
        status = statuses.get(m.person_id or 0, PersonStatus.ACTIVE)
        if state != "ok" and not (state == "opted_out" and m.template in OPTED_OUT_ALLOWED):
            refused[m.id] = f"suppressed: contact {state}"
        elif status == PersonStatus.ERASED or (
            status == PersonStatus.PAUSED and m.template not in PAUSED_ALLOWED
        ):
            refused[m.id] = f"suppressed: person {status}"
    return refused


async def attempt(
    sender: Sender,
    message: OutboxMessage,
    now: datetime,
    policy: RetryPolicy = RetryPolicy(),
    send_timeout: float = SEND_TIMEOUT,
) -> Outcome:
    """Send one claimed message and say what should be recorded (nothing is written here)."""
    attempts = message.attempts + 1
    try:
        async with asyncio.timeout(send_timeout):
            sent = await sender.send(message)
    except TemporaryFailure as exc:
        return retry_outcome(message, now, exc.reason, exc.retry_after, policy)
    except PermanentFailure as exc:
        log.info("send failed", extra={"outbox_id": message.id, "reason": exc.reason})
        contact = (message.channel, message.address, exc.state) if message.address else None
        return Outcome(message.id, "failed", attempts, error=exc.reason, contact=contact)
    except TimeoutError:
        return retry_outcome(message, now, "timeout", None, policy)
    except Exception as exc:  # a bug or an unexpected library error: retry, then dead-letter
        log.exception("sender raised", extra={"outbox_id": message.id})
        return retry_outcome(message, now, type(exc).__name__, None, policy)
    return Outcome(message.id, "sent", attempts, provider_id=sent.provider_id)


def retry_outcome(
    message: OutboxMessage,
    now: datetime,
    reason: str,
    retry_after: float | None,
    policy: RetryPolicy,
) -> Outcome:
    attempts = message.attempts + 1
    if attempts >= policy.max_attempts:
        log.warning("dead letter", extra={"outbox_id": message.id, "reason": reason})
        return Outcome(message.id, "dead", attempts, error=reason)
    log.info("send deferred", extra={"outbox_id": message.id, "reason": reason})
    return Outcome(
        message.id,
        "pending",
        attempts,
        next_attempt_at=now + policy.delay(attempts, retry_after),
        error=reason,
        retry_after=retry_after,
    )


# Plain comparisons, not IN: record() runs these as executemany, which cannot expand a list.
_FORGOTTEN = and_(
    or_(*(outbox.c.template == t for t in sorted(FORGET_ADDRESS))), outbox.c.channel != "web"
)
_SENT = (
    update(outbox)
    .where(outbox.c.id == bindparam("mid"))
    .values(
        # A status callback may already have said "delivered" (or asked for a retry).
        status=case(
            (outbox.c.status == OutboxStatus.SENDING, OutboxStatus.SENT.value),
            else_=outbox.c.status,
        ),
        attempts=bindparam("attempts"),
        provider_id=bindparam("provider_id"),
        sent_at=bindparam("at"),
        last_error=None,
        address=case((_FORGOTTEN, None), else_=outbox.c.address),
    )
)
_RETRY = (
    update(outbox)
    .where(outbox.c.id == bindparam("mid"), outbox.c.status == OutboxStatus.SENDING)
    .values(
        status=OutboxStatus.PENDING,
        attempts=bindparam("attempts"),
        next_attempt_at=bindparam("next_at"),
        last_error=bindparam("error"),
    )
)
_FINAL = (
    update(outbox)
    .where(outbox.c.id == bindparam("mid"), outbox.c.status == OutboxStatus.SENDING)
    .values(
        status=bindparam("new_status"),
        attempts=bindparam("attempts"),
        last_error=bindparam("error"),
        address=case((_FORGOTTEN, None), else_=outbox.c.address),
    )
)


class AddressFailure(NamedTuple):
    """A provider's final word about an address: it blocked us, opted out, does not exist."""

    channel: str
    address: str
    state: str  # blocked, opted_out, invalid, unreachable
    reason: str


class DeliveryNews(Protocol):
    """What a delivery outcome means for people is the domain's to decide (ARCHITECTURE.md,
    "Layers"): the dispatcher reports it in its group-commit transaction through this interface,
    which `mentoring.delivery_news` implements (contact states, the coordinator's inbox)."""

    async def addresses_failed(
        self, conn: AsyncConnection, failures: Sequence[AddressFailure], now: datetime
    ) -> None: ...

    async def messages_dead(
        self, conn: AsyncConnection, message_ids: Sequence[int], now: datetime
    ) -> None: ...


async def record(
    conn: AsyncConnection, outcomes: Iterable[Outcome], now: datetime, news: DeliveryNews
) -> None:
    """Write many outcomes in a few executemany statements (one transaction: group commit)."""
    sent, retry, final = [], [], []
    failed: list[AddressFailure] = []
    dead: list[int] = []
    for o in outcomes:
        error = (o.error or "")[:120] or None
        if o.status == OutboxStatus.SENT:
            sent.append(
                {
                    "mid": o.message_id,
                    "attempts": o.attempts,
                    "provider_id": o.provider_id,
                    "at": now,
                }
            )
        elif o.status == OutboxStatus.PENDING:
            retry.append(
                {
                    "mid": o.message_id,
                    "attempts": o.attempts,
                    "next_at": o.next_attempt_at,
                    "error": error,
                }
            )
        else:
            if o.status == OutboxStatus.DEAD:
                dead.append(o.message_id)
            final.append(
                {
                    "mid": o.message_id,
                    "attempts": o.attempts,
                    "new_status": o.status,
                    "error": error,
                }
            )
        if o.contact is not None:
            channel, address, state = o.contact
            failed.append(AddressFailure(channel, address, state, error or ""))
    for stmt, params in ((_SENT, sent), (_RETRY, retry), (_FINAL, final)):
        if params:
            await conn.execute(stmt, params)
    if failed:
        await news.addresses_failed(conn, failed, now)
    if dead:
        await news.messages_dead(conn, dead, now)


def refusals(refused: Mapping[int, str], claimed: Sequence[OutboxMessage]) -> list[Outcome]:
    by_id = {m.id: m for m in claimed}
    return [Outcome(i, "failed", by_id[i].attempts, error=reason) for i, reason in refused.items()]


async def send_one(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    message: OutboxMessage,
    now: datetime,
    news: DeliveryNews,
) -> str:
    """Send one already-claimed message and record the result; returns the new status."""
    outcome = await attempt(sender, message, now)
    async with sessions() as session, session.begin():
        conn = await session.connection()
        await record(conn, [outcome], now, news)
    return outcome.status


async def send_due_once(
    sessions: async_sessionmaker[AsyncSession],
    senders: Mapping[str, Sender],
    now: datetime,
    news: DeliveryNews,
    limit: int = 1000,
) -> int:
    """Send every message that is due, once each, without pacing. Returns how many were tried."""
    async with sessions() as session, session.begin():
        conn = await session.connection()
        claimed = await claim(conn, list(senders), now, limit)
        refused = await screen(conn, claimed)
        await record(conn, refusals(refused, claimed), now, news)
    for message in claimed:
        if message.id not in refused:
            await send_one(sessions, senders[message.channel], message, now, news)
    return len(claimed) - len(refused)


@dataclass(frozen=True)
class OutboxFigures:
    """What /healthz and /metrics say about the outbox."""

    by_channel_status: dict[tuple[str, str], int]
    backlog: int  # pending or sending
    dead: int
    oldest_due_seconds: float  # how long the oldest due, unsent message has waited


async def outbox_figures(session: AsyncSession, now: datetime) -> OutboxFigures:
    rows = await session.execute(
        select(outbox.c.channel, outbox.c.status, func.count()).group_by(
            outbox.c.channel, outbox.c.status
        )
    )
    counts = {(c, s): int(n) for c, s, n in rows.all()}
    oldest = await session.scalar(
        select(func.min(outbox.c.created_at)).where(
            outbox.c.status.in_(QUEUED), outbox.c.next_attempt_at <= now
        )
    )
    age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return OutboxFigures(
        by_channel_status=counts,
        backlog=sum(n for (_, s), n in counts.items() if s in ("pending", "sending")),
        dead=sum(n for (_, s), n in counts.items() if s == "dead"),
        oldest_due_seconds=age,
    )

"""Coordinator logins: password checks counted atomically, lock-out, and ending sessions.

Counting: every password check first reserves an attempt with one UPDATE (failed_logins + 1,
and the lock set when that reaches MAX_FAILED_LOGINS) on a row that is not locked. The UPDATE is
atomic on both databases (PostgreSQL re-checks its WHERE on a row another transaction just
changed; SQLite runs one write transaction at a time), so however many guesses arrive at once,
at most MAX_FAILED_LOGINS passwords are checked per lock period; the right password then clears
the count. Addresses that are no coordinator are counted the same way in `login_throttles`
(keyed by an HMAC of the address), and a locked account still runs one password hash, so neither
the answer nor its timing tells whether an account exists.

The lock is no denial of service (OWASP, "Slow Down Online Guessing Attacks with Device
Cookies"): a successful login leaves a signed device cookie in that browser (`device_token`).
A login that brings a valid one for the same coordinator is counted on that cookie's own row in
`login_throttles` (keyed by an HMAC of its random nonce) and is not held by the account's lock,
which only holds browsers without one. So someone guessing from outside, however often, locks
out only other untrusted browsers; the coordinator signs in from their usual browser, and a
stolen device cookie still gets MAX_FAILED_LOGINS guesses per lock period.

Sessions carry the coordinator's `session_version`; logout, a new password and a lock-out bump
it, which ends every session of that coordinator at its next request.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Table, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.statuses import CoordinatorRole
from mentoring.audit import record
from mentoring.coordinators import MIN_PASSWORD, hasher
from mentoring.errors import DomainError
from messaging.links import LinkError, sign, verify
from storage.db import unit_of_work
from storage.models import Coordinator, LoginThrottle

COORDINATORS = cast(Table, Coordinator.__table__)
THROTTLES = cast(Table, LoginThrottle.__table__)
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
THROTTLE_KEEP = timedelta(days=1)
DEVICE_LIFE = timedelta(days=90)  # a browser not used to sign in for this long is a new one


@dataclass(frozen=True)
class LoginResult:
    outcome: str  # ok, wrong, locked
    coordinator_id: int | None = None
    minutes: int = 0  # how long the account stays locked
    session_version: int = 0
    device: str | None = None  # after a login: the device cookie for this browser


@dataclass(frozen=True)
class SessionHolder:
    """The coordinator behind a live session, as the web layer needs it (never the ORM row)."""

    id: int
    email: str
    name: str | None
    language: str
    role: CoordinatorRole = CoordinatorRole.COORDINATOR


@cache
def _dummy_hash() -> str:
    """Checked against for unknown and locked accounts, so every answer costs one hash."""
    return hasher.hash(secrets.token_urlsafe(16))


def _check(password_hash: str, password: str) -> bool:
    try:
        return bool(hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


async def _checked(password_hash: str, password: str) -> bool:
    """One argon2 check off the event loop (it takes tens of milliseconds of CPU)."""
    return await asyncio.to_thread(_check, password_hash, password)


def throttle_key(secret: str, email: str) -> str:
    return hmac.new(secret.encode(), email.encode(), hashlib.sha256).hexdigest()


def device_token(keys: Sequence[str], coordinator_id: int, now: datetime) -> str:
    """A device cookie: this browser signed in as the coordinator (signed, random nonce)."""
    payload = {"device": secrets.token_urlsafe(16), "coordinator": coordinator_id}
    return sign(keys, payload, now + DEVICE_LIFE)


def _device_nonce(
    keys: Sequence[str], token: str | None, coordinator_id: int, now: datetime
) -> str | None:
    """The nonce of a valid, unexpired device cookie issued to this coordinator, else None."""
    if not token:
        return None
    try:
        payload = verify(keys, token, now)
    except LinkError:
        return None
    nonce = payload.get("device")
    if payload.get("coordinator") != coordinator_id or not isinstance(nonce, str):
        return None
    return nonce


async def _reserve(session: AsyncSession, table: Table, where: Any, now: datetime) -> int | None:
    """Count one more attempt on an unlocked row; its new count, or None while it is locked."""
    await session.execute(
        update(table)
        .where(where, table.c.locked_until.is_not(None), table.c.locked_until <= now)
        .values(failed_logins=0, locked_until=None)
    )
    count = await session.scalar(
        update(table)
        .where(where, table.c.locked_until.is_(None))
        .values(
            failed_logins=table.c.failed_logins + 1,
            locked_until=case(
                (
                    table.c.failed_logins + 1 >= MAX_FAILED_LOGINS,
                    now + timedelta(minutes=LOCK_MINUTES),
                ),
                else_=None,
            ),
        )
        .returning(table.c.failed_logins)
    )
    return None if count is None else int(count)


async def _throttle_row(session: AsyncSession, key: str, now: datetime) -> None:
    table = THROTTLES
    connection = await session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    await session.execute(
        insert(table)
        .values(key=key, failed_logins=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=[table.c.key])
    )
    await session.execute(update(table).where(table.c.key == key).values(updated_at=now))


async def _minutes_locked(session: AsyncSession, table: Table, where: Any, now: datetime) -> int:
    until = await session.scalar(select(table.c.locked_until).where(where))
    if until is None:
        return LOCK_MINUTES
    return max(1, int((until - now).total_seconds() // 60) + 1)


async def authenticate(
    sessions: async_sessionmaker[AsyncSession],
    secret: str,
    email: str,
    password: str,
    now: datetime,
    device: str | None = None,
    keys: Sequence[str] | None = None,
) -> LoginResult:
    """Check a password, counting failures and locking after MAX_FAILED_LOGINS; audited.

    `device` is the browser's device cookie, if any; `keys` verify and sign it (default: the
    secret alone)."""
    keys = list(keys or [secret])
    address = email.strip().lower()
    async with unit_of_work(sessions) as db:
        found = (
            await db.execute(
                select(Coordinator.id, Coordinator.password_hash).where(
                    Coordinator.email == address
                )
            )
        ).one_or_none()
        nonce = None if found is None else _device_nonce(keys, device, found.id, now)
        if found is None or nonce is not None:
            key = throttle_key(secret, address if nonce is None else f"device:{nonce}")
            table, where = THROTTLES, THROTTLES.c.key == key
            await _throttle_row(db, key, now)
        else:
            table, where = COORDINATORS, COORDINATORS.c.id == found.id
        count = await _reserve(db, table, where, now)
        minutes = await _minutes_locked(db, table, where, now) if count is None else 0
    if count is None or found is None:
        await _checked(_dummy_hash(), password)
        if found is not None:
            async with unit_of_work(sessions) as db:
                await record(db, f"coordinator:{found.id}", "login_refused_locked",
                             "coordinator", found.id)  # fmt: skip
        if count is None:
            return LoginResult("locked", None, minutes)
        if count >= MAX_FAILED_LOGINS:
            return LoginResult("locked", None, LOCK_MINUTES)
        return LoginResult("wrong")
    if not await _checked(found.password_hash, password):
        locked = count >= MAX_FAILED_LOGINS
        async with unit_of_work(sessions) as db:
            if locked:
                await db.execute(
                    update(Coordinator)
                    .where(Coordinator.id == found.id)
                    .values(session_version=Coordinator.session_version + 1)
                )
            action = "login_locked" if locked else "login_failed"
            await record(db, f"coordinator:{found.id}", action, "coordinator", found.id)
        if locked:
            return LoginResult("locked", found.id, LOCK_MINUTES)
        return LoginResult("wrong", found.id)
    async with unit_of_work(sessions) as db:
        row = await db.get(Coordinator, found.id, with_for_update=True)
        assert row is not None
        if nonce is None:
            row.failed_logins, row.locked_until = 0, None
        else:  # the account's lock holds the untrusted browsers still
            await db.execute(
                update(THROTTLES).where(where).values(failed_logins=0, locked_until=None)
            )
        if hasher.check_needs_rehash(row.password_hash):
            row.password_hash = hasher.hash(password)
        await record(db, f"coordinator:{row.id}", "login", "coordinator", row.id)
        return LoginResult(
            "ok",
            row.id,
            session_version=row.session_version,
            device=device_token(keys, row.id, now),
        )


async def session_holder(
    sessions: async_sessionmaker[AsyncSession], coordinator_id: int, version: int
) -> SessionHolder | None:
    """The coordinator of a session, while the session's version is still theirs."""
    async with sessions() as db:
        row = await db.get(Coordinator, coordinator_id)
    if row is None or row.session_version != version:
        return None
    return SessionHolder(row.id, row.email, row.name, row.language, CoordinatorRole(row.role))


async def end_sessions(session: AsyncSession, coordinator_id: int, actor: str) -> None:
    """Sign the coordinator out everywhere (logout ends every session, not only this one)."""
    await session.execute(
        update(Coordinator)
        .where(Coordinator.id == coordinator_id)
        .values(session_version=Coordinator.session_version + 1)
    )
    await record(session, actor, "sessions_ended", "coordinator", coordinator_id)


async def set_password(session: AsyncSession, email: str, password: str) -> int:
    """A new password; every session signed in with the old one ends. The coordinator's id."""
    if len(password) < MIN_PASSWORD:
        raise DomainError("password_too_short", min=MIN_PASSWORD)
    row = await session.scalar(
        select(Coordinator).where(Coordinator.email == email.strip().lower())
    )
    if row is None:
        raise DomainError("coordinator_unknown")
    row.password_hash = hasher.hash(password)
    row.failed_logins, row.locked_until = 0, None
    row.session_version += 1
    await record(session, f"coordinator:{row.id}", "password_changed", "coordinator", row.id)
    return row.id


async def set_language(session: AsyncSession, coordinator_id: int, language: str) -> None:
    await session.execute(
        update(Coordinator).where(Coordinator.id == coordinator_id).values(language=language)
    )


async def purge_throttles(session: AsyncSession, now: datetime) -> int:
    """Forget failed logins for unknown addresses a day after the last one."""
    result = await session.execute(
        delete(LoginThrottle).where(LoginThrottle.updated_at < now - THROTTLE_KEEP)
    )
    return int(getattr(result, "rowcount", 0) or 0)

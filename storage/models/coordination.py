"""The coordinator's side: logins, inbox, audit log, and the scheduler's lease."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, created_col


class Coordinator(Base):
    __tablename__ = "coordinators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="da")
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Carried in the session cookie; logout, a new password and a lock-out bump it, which ends
    # every session signed in before (mentoring.logins).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # coordinator (everything) or viewer (figures and lists, read-only): web.auth guards it.
    role: Mapped[str] = mapped_column(
        String(12), default="coordinator", server_default="coordinator"
    )
    created_at: Mapped[datetime] = created_col()


class LoginThrottle(Base):
    """Failed logins for an address that is no coordinator, counted like a coordinator's so the
    answers (and the lock) look the same whether the account exists. `key` is an HMAC of the
    address, never the address; rows are purged a day after their last failure."""

    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = created_col()


class DigestSend(Base):
    """One weekly digest to one recipient, recorded before it is sent and marked after: a rerun
    or a restart after a crash sends only to those not marked sent (mentoring.digest_mail)."""

    __tablename__ = "digest_sends"
    __table_args__ = (UniqueConstraint("week", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(8))  # ISO week, 2026-W49
    recipient: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = created_col()
    sent_at: Mapped[datetime | None]


class InboxItem(Base):
    """Something for the coordinator: a message, an 'I'm unsure' flag, a stop, a flag by a rule."""

    __tablename__ = "inbox_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(24))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_col()
    handled_at: Mapped[datetime | None]
    alerted_at: Mapped[datetime | None]
    # The work queue: who takes it, and the day it comes back when put off (mentoring.inbox).
    assigned_to: Mapped[int | None] = mapped_column(
        ForeignKey("coordinators.id", ondelete="SET NULL")
    )
    snoozed_until: Mapped[date | None] = mapped_column(Date)


class Note(Base):
    """A coordinator's note on a person or a pair (a call's note too): who wrote it and when.
    Erased with the person (mentoring.privacy); a pair's notes go with the pair's people."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("coordinators.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_col()


class AuditEntry(Base):
    __tablename__ = "audit_log"
    # An entity's history, e.g. the coordinator's calls to a pair (the digest's calls due); the
    # calls of every pair at once, by action (the call list, storage/digest_lists.py).
    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id"),
        Index("ix_audit_log_action_entity", "action", "entity", "entity_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = created_col()
    actor: Mapped[str] = mapped_column(String(40))  # coordinator:3, system, person:12, cli
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Lease(Base):
    """A named lease (who runs the scheduler) for databases without advisory locks."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime]

"""Messages in and out and what lies between: outbox, inbound keys, conversations, follow-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.statuses import FollowUpState, InboundState, OutboxStatus
from storage.models.base import Base, created_col, enum_type


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"
    # Messages due to be sent; the messages awaiting a reply, per person (the at-risk rule).
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_awaiting_person", "awaiting_reply", "person_id", "status", "sent_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(80))
    body: Mapped[str | None] = mapped_column(Text)
    options: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_type(OutboxStatus, 12), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = created_col()
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    last_error: Mapped[str | None] = mapped_column(String(120))
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = created_col()
    sent_at: Mapped[datetime | None]
    awaiting_reply: Mapped[bool] = mapped_column(default=False)


class InboundKey(Base):
    """De-duplication of inbound events: Telegram update_id, Twilio MessageSid."""

    __tablename__ = "inbound_keys"
    __table_args__ = (UniqueConstraint("channel", "key"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = created_col()


class InboundEvent(Base):
    """The inbound journal: a text or update as it arrived, recorded before the webhook answers.

    The webhook's answer promises the event is kept, so the row is the source of truth until a
    conversation worker has handled it (in the same transaction as everything the handling
    wrote). The unique (channel, key) is the de-duplication: Twilio's MessageSid, Telegram's
    update_id. The payload and address are blanked once handled: only the key stays.
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        UniqueConstraint("channel", "key"),
        # The workers' claim: pending rows oldest first, and "an older one from the same sender".
        Index("ix_inbound_events_queue", "state", "id"),
        Index("ix_inbound_events_sender", "state", "channel", "address", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(254))
    payload: Mapped[dict[str, Any] | None]
    state: Mapped[InboundState] = mapped_column(
        enum_type(InboundState, 8), default=InboundState.PENDING
    )
    tries: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = created_col()
    handled_at: Mapped[datetime | None]


class ConversationState(Base):
    """Where a person is in a flow; in the database so any worker can take the next message."""

    __tablename__ = "conversation_states"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    misses: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = created_col()


class FollowUp(Base):
    """A follow-up as domain data: what is due when, for whom, sent at most once (unique key)."""

    __tablename__ = "followups"
    __table_args__ = (Index("ix_followups_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime]
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    state: Mapped[FollowUpState] = mapped_column(
        enum_type(FollowUpState, 12), default=FollowUpState.PENDING
    )
    done_at: Mapped[datetime | None]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)

"""What a pair talks about and says to each other through us: topics tagged after a meeting,
and the relayed messages (counted, never kept here: the text lives only in the outbox row that
carried it, under the retention rules)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, created_col


class PairTopic(Base):
    """One topic a side said the pair talked about (at a meeting, or between meetings)."""

    __tablename__ = "pair_topics"
    __table_args__ = (Index("ix_pair_topics_match_topic", "match_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    topic: Mapped[str] = mapped_column(String(40))  # a code of mentoring.topics.TOPICS
    tagged_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    tagged_at: Mapped[datetime] = created_col()


class RelayedMessage(Base):
    """That one side of a pair sent the other a message through us (no text: see the module)."""

    __tablename__ = "relayed_messages"
    __table_args__ = (Index("ix_relayed_messages_match", "match_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = created_col()

"""Pairs and what they do together: matches, meetings, hours and check-in answers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.statuses import CheckinKind, MatchStatus, MeetingStatus
from storage.models.base import Base, created_col, enum_type


class Match(Base):
    __tablename__ = "matches"
    __table_args__ = (
        Index("ix_matches_youth_status", "youth_id", "status"),
        Index("ix_matches_mentor_status", "mentor_id", "status"),
        # The digest's first match per youth (youths matched, and by week) read from this
        # index alone, in youth order.
        Index("ix_matches_programme_youth", "programme_id", "youth_id", "status", "accepted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    youth_id: Mapped[int] = mapped_column(ForeignKey("youths.person_id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentors.person_id", ondelete="CASCADE"))
    status: Mapped[MatchStatus] = mapped_column(
        enum_type(MatchStatus, 12), default=MatchStatus.PROPOSED
    )
    proposed_at: Mapped[datetime] = created_col()
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("coordinators.id"))
    accepted_at: Mapped[datetime | None]
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # The end date before the first extension: the pair's term for the 3-month target.
    original_ends_on: Mapped[date | None] = mapped_column(Date)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(40))
    decline_reason: Mapped[str | None] = mapped_column(String(200))
    at_risk_reason: Mapped[str | None] = mapped_column(String(40))
    unsure_flag_at: Mapped[datetime | None]
    # Paused by the coordinator (an illness, exams): no reminders or nudges until resumed.
    paused_at: Mapped[datetime | None]

    def other(self, person_id: int) -> int:
        """The other side of the pair: the mentor for its youth, the youth for its mentor."""
        if person_id == self.youth_id:
            return self.mentor_id
        if person_id == self.mentor_id:
            return self.youth_id
        raise ValueError(f"person {person_id} is not in match {self.id}")

    def has(self, person_id: int) -> bool:
        return person_id in (self.youth_id, self.mentor_id)


class Meeting(Base):
    __tablename__ = "meetings"
    # A pair's meetings by status and time: the digest's last meeting per pair and its counts
    # read this index alone, without the table. The proposals still to come, counted for the
    # overview and the digest, read the second alone.
    __table_args__ = (
        Index("ix_meetings_match_status_starts", "match_id", "status", "starts_at"),
        Index("ix_meetings_status_starts", "status", "starts_at", "proposed_at", "match_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[MeetingStatus] = mapped_column(
        enum_type(MeetingStatus, 12), default=MeetingStatus.PROPOSED
    )
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = created_col()
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None]
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE, bumped on changes
    updated_at: Mapped[datetime] = created_col()


class MeetingAnswer(Base):
    """One side's own answer to "was the meeting held, and for how long?" (both sides are asked).

    The meeting's status and its one `HoursReport` are what count; these rows keep what each
    side said, so a disagreement can be told to the coordinator (mentoring/meeting_answers.py).
    """

    __tablename__ = "meeting_answers"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    held: Mapped[bool]
    minutes: Mapped[int | None]  # None until the hours are given (or when not held)
    answered_at: Mapped[datetime] = created_col()


class HoursReport(Base):
    __tablename__ = "hours_reports"
    # A pair's reports by month: the digest's hours per pair and per week read this index alone;
    # one month's reports of every pair (the at-risk hours, summed per pair) the second.
    __table_args__ = (
        Index("ix_hours_reports_match_month", "match_id", "month", "reported_at", "minutes"),
        Index("ix_hours_reports_month_match", "month", "match_id", "reported_at", "minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    minutes: Mapped[int]
    month: Mapped[date] = mapped_column(Date)  # first day of the local month it counts for
    reported_at: Mapped[datetime] = created_col()


class CheckinAnswer(Base):
    __tablename__ = "checkin_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[CheckinKind] = mapped_column(enum_type(CheckinKind, 12))
    score: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    wants_extension: Mapped[bool | None]
    answered_at: Mapped[datetime] = created_col()

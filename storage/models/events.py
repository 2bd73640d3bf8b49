"""Events and the two business groups: an event's guests (invited or registered, their answer
and whether they came), the Task Force and steering group members, and a meeting's actions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.statuses import EventKind, Rsvp
from storage.models.base import Base, created_col, enum_type


class Event(Base):
    """A company event, a "To Care or Not", a mentor training, a group meeting or an information
    meeting for caseworkers. `sequence` is the calendar invite's SEQUENCE: raised when the time
    or place changes, so calendars update the invite instead of adding a second one."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind, 24))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=120)
    place: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # A group meeting's minutes (plain text, written by the coordinator).
    minutes: Mapped[str | None] = mapped_column(Text)
    sequence: Mapped[int] = mapped_column(default=0)
    # The event's sign-up code (an outreach source of kind "event" for mentors): who signs up
    # with it counts as recruited by the event.
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("outreach_sources.id", ondelete="SET NULL")
    )
    cancelled_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("coordinators.id"))
    created_at: Mapped[datetime] = created_col()


class GroupMember(Base):
    """A member of the Task Force (business leaders who drive the targets) or the steering
    group. Business contact data, not a programme participant."""

    __tablename__ = "group_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    group_name: Mapped[str] = mapped_column(String(20))  # task_force, steering_group
    name: Mapped[str] = mapped_column(String(160))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    role: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_col()


class EventGuest(Base):
    """Someone invited to, or registered for, an event: a mentor (`person_id`), a group member
    (`member_id`) or a company's contact person (name, e-mail and `company_id`). `invited_at`
    is empty for a registration the coordinator took down; `attended` is ticked afterwards."""

    __tablename__ = "event_guests"
    __table_args__ = (
        UniqueConstraint("event_id", "person_id", name="uq_event_guests_person"),
        UniqueConstraint("event_id", "member_id", name="uq_event_guests_member"),
        UniqueConstraint("event_id", "email", name="uq_event_guests_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_members.id", ondelete="SET NULL")
    )
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(160))
    email: Mapped[str | None] = mapped_column(String(254))
    invited_at: Mapped[datetime | None]
    rsvp: Mapped[Rsvp | None] = mapped_column(enum_type(Rsvp, 8))
    rsvp_at: Mapped[datetime | None]
    attended: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_col()


class EventAction(Base):
    """An action a group meeting decided: what, who owns it, by when, and when it was done."""

    __tablename__ = "event_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(160))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_members.id", ondelete="SET NULL")
    )
    due_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = created_col()

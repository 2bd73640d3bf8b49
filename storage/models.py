"""The domain model as tables. Personal data is kept to the minimum DESIGN.md names.

Codes for target groups, situations, interests, outcome categories and job kinds refer to the
`lookups` table (data, not code: Danish reforms change them); their words live in templates/.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import JSONType, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }


def created_col() -> Mapped[datetime]:
    return mapped_column(default=utcnow)


class Lookup(Base):
    """Versioned lookup data: target groups, situations, interests, outcomes, job kinds, ..."""

    __tablename__ = "lookups"
    __table_args__ = (UniqueConstraint("kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(40))
    sort_order: Mapped[int] = mapped_column(default=0)
    attrs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class Programme(Base):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    pair_months: Mapped[int] = mapped_column(default=3)
    monthly_hours: Mapped[int] = mapped_column(default=3)
    target_matches: Mapped[int] = mapped_column(default=150)
    target_full_term_pct: Mapped[int] = mapped_column(default=75)
    target_self_supporting_pct: Mapped[int] = mapped_column(default=25)
    target_dropout_in_education_pct: Mapped[int] = mapped_column(default=50)
    target_subsidised_pct: Mapped[int] = mapped_column(default=50)
    target_companies_outside: Mapped[int] = mapped_column(default=100)
    target_job_openings: Mapped[int] = mapped_column(default=125)
    yearly_cost_per_youth_dkk: Mapped[int] = mapped_column(default=69_227)
    inform_guardians: Mapped[bool] = mapped_column(default=True)
    # Retention after a pair's programme ends: message bodies, then all personal data.
    retain_bodies_days: Mapped[int] = mapped_column(default=30)
    retain_personal_months: Mapped[int] = mapped_column(default=12)
    created_at: Mapped[datetime] = created_col()


class Coordinator(Base):
    __tablename__ = "coordinators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="da")
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_col()


class Person(Base):
    """Anyone who talks to the bot: a youth or a mentor (or someone half-way through sign-up)."""

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint("role IN ('youth', 'mentor', 'unknown')", name="role"),
        # The digest's sign-ups of the week: a range of this index, not a scan of everyone.
        Index("ix_people_programme_role_created", "programme_id", "role", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    first_name: Mapped[str | None] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(8), default="da")
    # signing_up, active, paused (asked to stop), erased
    status: Mapped[str] = mapped_column(String(16), default="signing_up")
    created_at: Mapped[datetime] = created_col()
    erased_at: Mapped[datetime | None]

    contacts: Mapped[list[ContactPoint]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="raise"
    )


class ContactPoint(Base):
    """A way to reach a person and its state: ok, blocked, opted_out, invalid, unreachable."""

    __tablename__ = "contact_points"
    __table_args__ = (
        UniqueConstraint("channel", "address"),
        # The digest's unreachable contacts: the few whose state is not ok.
        Index("ix_contact_points_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # telegram, sms, email, web
    address: Mapped[str] = mapped_column(String(254))
    verified: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(16), default="ok")
    state_reason: Mapped[str | None] = mapped_column(String(40))
    state_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_col()

    person: Mapped[Person] = relationship(back_populates="contacts", lazy="raise")


class Youth(Base):
    __tablename__ = "youths"
    # The digest's waiting list, oldest first; a text from an unknown number is checked against
    # the guardians' numbers before a sign-up starts.
    __table_args__ = (
        Index("ix_youths_waiting_since", "waiting_since"),
        Index("ix_youths_guardian_phone", "guardian_phone"),
    )

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    birth_year: Mapped[int]
    target_group: Mapped[str] = mapped_column(String(40))
    situation: Mapped[str] = mapped_column(String(40))
    interests: Mapped[list[Any]] = mapped_column(default=list)
    interests_text: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(4))
    area: Mapped[str | None] = mapped_column(String(80))
    guardian_name: Mapped[str | None] = mapped_column(String(120))
    guardian_phone: Mapped[str | None] = mapped_column(String(20))
    guardian_email: Mapped[str | None] = mapped_column(String(254))
    guardian_informed_at: Mapped[datetime | None]
    guardian_objected_at: Mapped[datetime | None]
    waiting_since: Mapped[datetime | None]
    external_ref: Mapped[str | None] = mapped_column(String(64), unique=True)


class Company(Base):
    __tablename__ = "companies"
    __table_args__ = (UniqueConstraint("programme_id", "cvr"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    cvr: Mapped[str | None] = mapped_column(String(8))
    industry: Mapped[str | None] = mapped_column(String(40))
    outside_partnership: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str | None] = mapped_column(String(40))  # mentor, event, outreach, partner
    first_contact_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = created_col()


class Mentor(Base):
    __tablename__ = "mentors"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    last_name: Mapped[str | None] = mapped_column(String(80))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    role_title: Mapped[str | None] = mapped_column(String(120))
    industry: Mapped[str | None] = mapped_column(String(40))
    capacity: Mapped[int] = mapped_column(default=1)
    languages: Mapped[list[Any]] = mapped_column(default=list)
    postcode: Mapped[str | None] = mapped_column(String(4))
    area: Mapped[str | None] = mapped_column(String(80))
    availability: Mapped[str | None] = mapped_column(String(200))
    # pending, approved, rejected
    approval: Mapped[str] = mapped_column(String(12), default="pending")
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("coordinators.id"))
    approved_at: Mapped[datetime | None]
    external_ref: Mapped[str | None] = mapped_column(String(64), unique=True)


class Screening(Base):
    """What was checked about a mentor, when and by whom; never the certificate itself."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("mentors.person_id", ondelete="CASCADE"), index=True
    )
    check_kind: Mapped[str] = mapped_column(String(40))  # straffeattest, boerneattest, interview
    checked_on: Mapped[date] = mapped_column(Date)
    checked_by: Mapped[int | None] = mapped_column(ForeignKey("coordinators.id"))


class Consent(Base):
    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # share_with_mentor, telegram_notice
    text_version: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(10))
    given_at: Mapped[datetime] = created_col()
    withdrawn_at: Mapped[datetime | None]


class Invitation(Base):
    """A mentor invitation code, used as the Telegram deep-link payload `/start <code>`.

    `checks` are the screenings the coordinator did before inviting (dated `checked_on`); with
    at least one, the mentor is approved on sign-up and the checks are kept as Screening rows.
    Without, the mentor waits for screening like anyone else who signs up."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("coordinators.id"))
    created_at: Mapped[datetime] = created_col()
    expires_at: Mapped[datetime | None]
    checks: Mapped[list[Any]] = mapped_column(default=list)
    checked_on: Mapped[date | None] = mapped_column(Date)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None]


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
    # proposed, active, completed, ended_early, declined
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    proposed_at: Mapped[datetime] = created_col()
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("coordinators.id"))
    accepted_at: Mapped[datetime | None]
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(40))
    decline_reason: Mapped[str | None] = mapped_column(String(200))
    at_risk_reason: Mapped[str | None] = mapped_column(String(40))
    unsure_flag_at: Mapped[datetime | None]


class Meeting(Base):
    __tablename__ = "meetings"
    # A pair's meetings by status and time: the digest's last meeting per pair and its counts
    # read this index alone, without the table.
    __table_args__ = (Index("ix_meetings_match_status_starts", "match_id", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    # proposed, confirmed, declined, cancelled, held, no_show
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = created_col()
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None]
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE, bumped on changes
    updated_at: Mapped[datetime] = created_col()


class HoursReport(Base):
    __tablename__ = "hours_reports"
    # A pair's reports by month: the digest's hours per pair and per week read this index alone.
    __table_args__ = (
        Index("ix_hours_reports_match_month", "match_id", "month", "reported_at", "minutes"),
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
    kind: Mapped[str] = mapped_column(String(12))  # checkin, closure
    score: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    wants_extension: Mapped[bool | None]
    answered_at: Mapped[datetime] = created_col()


class Outcome(Base):
    """Where a youth stands after the programme. Survives erasure with youth_id set to NULL."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    youth_id: Mapped[int | None] = mapped_column(
        ForeignKey("youths.person_id", ondelete="SET NULL"), index=True
    )
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id", ondelete="SET NULL"))
    target_group: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(40))
    observed_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))  # survey, coordinator, import
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("coordinators.id"))
    created_at: Mapped[datetime] = created_col()


class JobOpening(Base):
    __tablename__ = "job_openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    origin: Mapped[str | None] = mapped_column(String(40))  # mentor, event, outreach
    created_on: Mapped[date] = mapped_column(Date)
    filled_by: Mapped[int | None] = mapped_column(
        ForeignKey("youths.person_id", ondelete="SET NULL")
    )
    filled_on: Mapped[date | None] = mapped_column(Date)


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


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(80))
    body: Mapped[str | None] = mapped_column(Text)
    options: Mapped[list[Any]] = mapped_column(default=list)
    # pending, sending, sent, delivered, failed, dead
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = created_col()
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    last_error: Mapped[str | None] = mapped_column(String(120))
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = created_col()
    sent_at: Mapped[datetime | None]
    awaiting_reply: Mapped[bool] = mapped_column(default=False)


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
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending done dropped
    done_at: Mapped[datetime | None]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class InboundKey(Base):
    """De-duplication of inbound events: Telegram update_id, Twilio MessageSid."""

    __tablename__ = "inbound_keys"
    __table_args__ = (UniqueConstraint("channel", "key"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = created_col()


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


class AuditEntry(Base):
    __tablename__ = "audit_log"
    # An entity's history, e.g. the coordinator's calls to a pair (the digest's calls due).
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

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

"""People and how to reach them: youths, mentors, their contact points, consents and checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.statuses import Approval, PersonStatus, Role
from storage.models.base import Base, created_col, enum_type


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
    role: Mapped[Role] = mapped_column(enum_type(Role, 10))
    first_name: Mapped[str | None] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(8), default="da")
    status: Mapped[PersonStatus] = mapped_column(
        enum_type(PersonStatus, 16), default=PersonStatus.SIGNING_UP
    )
    created_at: Mapped[datetime] = created_col()
    erased_at: Mapped[datetime | None]
    # The outreach source they signed up through (a code or link; None: came on their own).
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("outreach_sources.id", ondelete="SET NULL"), index=True
    )

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
        # The waiting youths page and its count (mentoring.matching.waiting_page): only those
        # waiting, in waiting order, instead of every youth sorted.
        Index(
            "ix_youths_waiting",
            "waiting_since",
            "person_id",
            sqlite_where=text("waiting_since IS NOT NULL"),
            postgresql_where=text("waiting_since IS NOT NULL"),
        ),
    )

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    birth_year: Mapped[int]
    target_group: Mapped[str] = mapped_column(String(40))
    situation: Mapped[str] = mapped_column(String(40))
    interests: Mapped[list[Any]] = mapped_column(default=list)
    interests_text: Mapped[str | None] = mapped_column(String(200))
    # What the youth wants help with (codes of mentoring.topics.TOPICS), and "other" in their words.
    topics: Mapped[list[Any]] = mapped_column(default=list)
    topics_text: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(4))
    area: Mapped[str | None] = mapped_column(String(80))
    guardian_name: Mapped[str | None] = mapped_column(String(120))
    # Who the guardian is to the youth ("mother"; a code of the words catalogues' relations).
    guardian_relation: Mapped[str | None] = mapped_column(String(20))
    guardian_phone: Mapped[str | None] = mapped_column(String(20))
    guardian_email: Mapped[str | None] = mapped_column(String(254))
    guardian_informed_at: Mapped[datetime | None]
    guardian_objected_at: Mapped[datetime | None]
    waiting_since: Mapped[datetime | None]
    external_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Unemployed (no job or education) for more than one continuous year, as the youth says at
    # sign-up or the coordinator sets it; None: not asked. Never the jobcenter's case data.
    unemployed_over_year: Mapped[bool | None]


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
    approval: Mapped[Approval] = mapped_column(enum_type(Approval, 12), default=Approval.PENDING)
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


class ErasureLog(Base):
    """Who was erased, and when: a restore erases them again (ops.backup), so nobody erased
    after a backup was taken comes back from it. Holds ids only; never purged."""

    __tablename__ = "erasure_log"

    person_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    erased_at: Mapped[datetime]

"""The business side's ledger: a company's contact persons and contact log, and the outreach
sources (sign-up links and codes) youths and mentors come through."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, created_col


class CompanyContact(Base):
    """A person at a company we talk to (business contact data, not a programme participant)."""

    __tablename__ = "company_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    role_title: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = created_col()


class ContactLogEntry(Base):
    """One contact with a company: when, who from our side, how, what came of it, what next."""

    __tablename__ = "company_contact_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    contacted_on: Mapped[date] = mapped_column(Date)
    by_name: Mapped[str] = mapped_column(String(120))  # who from our side
    channel: Mapped[str] = mapped_column(String(20))  # meeting, phone, email, event, other
    outcome: Mapped[str | None] = mapped_column(String(500))
    next_step: Mapped[str | None] = mapped_column(String(500))
    next_step_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("coordinators.id"))
    created_at: Mapped[datetime] = created_col()


class OutreachSource(Base):
    """Where sign-ups come from: a caseworker, a school, an event, a Task Force member, a
    poster. Its `code` is typed at sign-up, or carried in the Telegram deep link
    (`/start <code>`) or an SMS's first text; `audience` says who signs up with it."""

    __tablename__ = "outreach_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # caseworker, school, event, task_force, poster
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    audience: Mapped[str] = mapped_column(String(10), default="youth")  # youth, mentor
    created_by: Mapped[int | None] = mapped_column(ForeignKey("coordinators.id"))
    created_at: Mapped[datetime] = created_col()

"""The programme and what it counts: lookups, companies, job openings and outcomes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.statuses import OpeningStatus, PartnerKind
from storage.models.base import Base, created_col, enum_type
from storage.types import JSONType


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
    # The programme's budget by calendar year ("2026" -> DKK), for the report's cost side.
    budget_dkk: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    # An outcome counts for the targets when observed inside the youth's window:
    # [end + outcome_after_months - before days, end + outcome_after_months + after days].
    outcome_after_months: Mapped[int] = mapped_column(default=3)
    outcome_window_before_days: Mapped[int] = mapped_column(default=14)
    outcome_window_after_days: Mapped[int] = mapped_column(default=45)
    inform_guardians: Mapped[bool] = mapped_column(default=True)
    # Retention after a pair's programme ends: message bodies, then all personal data.
    retain_bodies_days: Mapped[int] = mapped_column(default=30)
    retain_personal_months: Mapped[int] = mapped_column(default=12)
    # The programme's own towns and villages, "postcode town" a line, read before the country's
    # largest towns when a typed area is normalised; empty: Viborg Kommune's (mentoring/places).
    local_places: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_col()


class Company(Base):
    __tablename__ = "companies"
    __table_args__ = (UniqueConstraint("programme_id", "cvr"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    cvr: Mapped[str | None] = mapped_column(String(8))
    industry: Mapped[str | None] = mapped_column(String(40))
    # Outside the partnership agreements unless an agreement covered the day of its first
    # contact (mentors' companies included); no from date: covered from the start.
    partner_kind: Mapped[PartnerKind | None] = mapped_column(enum_type(PartnerKind, 20))
    partner_from: Mapped[date | None] = mapped_column(Date)
    partner_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(40))  # mentor, event, outreach, partner
    # A contact before the log began (imported, or given when registered); the first contact
    # is the earliest of this, the contact log and the company's mentors' sign-ups.
    first_contact_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = created_col()


class JobOpening(Base):
    """An opening at a company. `created_on` is the day it was registered, or for a mentor's
    lead (`proposed`) the day the coordinator confirmed it."""

    __tablename__ = "job_openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    origin: Mapped[str | None] = mapped_column(String(40))  # mentor, event, outreach, partner
    status: Mapped[OpeningStatus] = mapped_column(
        enum_type(OpeningStatus, 12), default=OpeningStatus.OPEN, server_default="open"
    )
    title: Mapped[str | None] = mapped_column(String(120))
    # The mentor who brought it (a lead from the chat, or the coordinator's note).
    mentor_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentors.person_id", ondelete="SET NULL")
    )
    created_on: Mapped[date] = mapped_column(Date)
    # The event it came out of (origin "event"), if any.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    # The partner company that brought it (origin "partner"), e.g. a Code of Care partner
    # introducing another company, if any.
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    filled_by: Mapped[int | None] = mapped_column(
        ForeignKey("youths.person_id", ondelete="SET NULL")
    )
    filled_on: Mapped[date | None] = mapped_column(Date)
    # The outcome recorded for the youth who filled it.
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcomes.id", ondelete="SET NULL"))


class Outcome(Base):
    """An observation of where a youth stands: its date, its source (survey, coordinator,
    register) and any of the statuses education, ordinary_job, praktik, loentilskud, smaajob,
    none. `category` is the first of them (what older screens show). The status recorded when a
    pair closes is its own row (`at_closure`) and never stands in for the +3-month observation.
    Survives erasure with youth_id set to NULL."""

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
    statuses: Mapped[list[str]] = mapped_column(JSONType, default=list)
    at_closure: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(16))  # survey, coordinator, register
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("coordinators.id"))
    created_at: Mapped[datetime] = created_col()

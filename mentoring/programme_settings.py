"""The programme's settings: its name, unit, dates, targets, cost figures and the outcome window.

Changed with `mentorbot programme set` or on the dashboard's settings page, each change audited
with the old and new values. Every figure's pace is computed against these dates (README.md,
"The seven targets").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.audit import record
from mentoring.errors import DomainError
from storage.models import Programme


@dataclass(frozen=True)
class Setting:
    """One setting: its column, its kind (text, date, count, pct, dkk, months, days) and bounds."""

    name: str
    kind: str
    low: int = 0
    high: int = 10_000_000


SETTINGS: tuple[Setting, ...] = (
    Setting("name", "text"),
    Setting("unit_name", "text"),
    Setting("starts_on", "date"),
    Setting("ends_on", "date"),
    Setting("pair_months", "months", 1, 24),
    Setting("monthly_hours", "count", 1, 100),
    Setting("target_matches", "count", 0, 100_000),
    Setting("target_full_term_pct", "pct", 0, 100),
    Setting("target_self_supporting_pct", "pct", 0, 100),
    Setting("target_dropout_in_education_pct", "pct", 0, 100),
    Setting("target_subsidised_pct", "pct", 0, 100),
    Setting("target_companies_outside", "count", 0, 100_000),
    Setting("target_job_openings", "count", 0, 100_000),
    Setting("yearly_cost_per_youth_dkk", "dkk", 0, 10_000_000),
    Setting("outcome_after_months", "months", 1, 24),
    Setting("outcome_window_before_days", "days", 0, 180),
    Setting("outcome_window_after_days", "days", 0, 365),
)
BY_NAME = {s.name: s for s in SETTINGS}


class Unchanged:
    """A setting not given (None is a value: `local_places` back to the default towns)."""


def parse_value(setting: Setting, raw: str) -> object:
    """A setting's value from text (the command line, a form); DomainError when it is not one."""
    raw = raw.strip()
    if setting.kind == "text":
        text = " ".join(raw.split())
        if not text or len(text) > 200:
            raise DomainError("programme_setting_invalid", setting=setting.name, value=raw)
        return text
    if setting.kind == "date":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise DomainError(
                "programme_setting_invalid", setting=setting.name, value=raw
            ) from None
    try:
        number = int(raw.replace(".", "").replace(" ", "")) if raw else None
    except ValueError:
        number = None
    if number is None or not setting.low <= number <= setting.high:
        raise DomainError("programme_setting_invalid", setting=setting.name, value=raw)
    return number


def parse_budget(items: list[str]) -> dict[str, int]:
    """'2026=525000' items -> {"2026": 525000}; a year and a whole number of kroner each."""
    budget: dict[str, int] = {}
    for item in items:
        year, _, amount = item.partition("=")
        year = year.strip()
        try:
            value = int(amount.strip().replace(".", "").replace(" ", ""))
        except ValueError:
            value = -1
        if not (year.isdigit() and len(year) == 4) or value < 0:
            raise DomainError("programme_setting_invalid", setting="budget", value=item)
        budget[year] = value
    return budget


def current_values(programme: Programme) -> dict[str, Any]:
    values: dict[str, Any] = {s.name: getattr(programme, s.name) for s in SETTINGS}
    values["budget_dkk"] = dict(sorted((programme.budget_dkk or {}).items()))
    values["local_places"] = programme.local_places
    return values


async def change_settings(
    session: AsyncSession,
    programme: Programme,
    changes: Mapping[str, object],
    *,
    actor: str,
    budget: Mapping[str, int] | None = None,
    local_places: str | type[Unchanged] | None = Unchanged,
) -> dict[str, tuple[object, object]]:
    """Apply parsed changes (a budget's years are added or replaced; `local_places` as
    mentoring.places.local_setting made it, None for Viborg Kommune's towns); returns what
    changed as old and new values, and audits it. The programme must still end after it starts."""
    starts_on = changes.get("starts_on", programme.starts_on)
    ends_on = changes.get("ends_on", programme.ends_on)
    assert isinstance(starts_on, date) and isinstance(ends_on, date)
    if ends_on <= starts_on:
        raise DomainError("programme_dates_invalid", starts_on=starts_on, ends_on=ends_on)
    changed: dict[str, tuple[object, object]] = {}
    for name, value in changes.items():
        if name not in BY_NAME:
            raise DomainError("programme_setting_invalid", setting=name, value=value)
        old = getattr(programme, name)
        if old != value:
            changed[name] = (old, value)
            setattr(programme, name, value)
    if budget:
        old_budget = dict(programme.budget_dkk or {})
        new_budget = {**old_budget, **budget}
        if new_budget != old_budget:
            changed["budget_dkk"] = (old_budget, new_budget)
            programme.budget_dkk = new_budget
    if local_places is not Unchanged and local_places != programme.local_places:
        changed["local_places"] = (programme.local_places, local_places)
        programme.local_places = local_places  # type: ignore[assignment]
    if changed:
        await record(
            session,
            actor,
            "programme_settings_changed",
            "programme",
            programme.id,
            changes={k: [_plain(old), _plain(new)] for k, (old, new) in changed.items()},
        )
    return changed


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value

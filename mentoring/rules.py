"""The programme's rules in one place: every threshold the follow-ups and the digest act on.

The follow-ups (mentoring/followups/) act on these rules, the digest (mentoring/digest.py)
reports against the same numbers, and the storage queries are given them as arguments (storage/
does not import the domain), so "14 days without a meeting" means one thing everywhere.

`RULES` holds the defaults (the mentoring standard the programme follows); `for_programme` lays
a programme's own settings over them (its pair length, monthly hours and outcome survey month),
so a setting made configurable per programme becomes a field here and a column on `Programme`.
Mentor capacity bounds are here too: the sign-up, the import and the dashboard check the same.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from typing import TYPE_CHECKING

from core.clock import add_months
from mentoring.errors import DomainError

if TYPE_CHECKING:
    from storage.models import Programme

# How many young people a mentor may take at a time (the sign-up offers each of them).
MENTOR_CAPACITY = range(1, 4)


@dataclass(frozen=True)
class Rules:
    """The programme's thresholds. Days are local calendar days; durations are exact."""

    # The pair: how long it runs and the hours it commits to each month.
    pair_months: int = 3
    monthly_hours: int = 3

    # Date-based follow-ups go out at this local time (or the next allowed one).
    send_at: time = time(10, 0)

    # A proposed pair: the mentor is reminded to answer, then the coordinator is flagged.
    accept_reminder_after: timedelta = timedelta(hours=72)
    accept_flag_after: timedelta = timedelta(hours=72 + 48)

    # Meetings: reminders before the start, "was it held?" after it, not asked once stale.
    meeting_reminders: tuple[tuple[str, timedelta], ...] = (
        ("24h", timedelta(hours=24)),
        ("2h", timedelta(hours=2)),
    )
    meeting_held_after: timedelta = timedelta(hours=3)
    meeting_held_stale: timedelta = timedelta(days=7)
    # Both sides are asked; two durations this many minutes apart (or more) go to the
    # coordinator (mentoring/meeting_answers.py): 1 h against 2 h does, 1 h against 1.5 h not.
    held_minutes_far_apart: int = 60
    meeting_max_ahead: timedelta = timedelta(days=120)

    # A quiet pair: days since the last planned or held meeting (or the start).
    no_meeting_days: int = 14  # both are nudged; the digest lists the pair as at risk
    at_risk_days: int = 21  # the pair is flagged at risk; the digest marks it severe

    # Hours: on this day of each local month, a pair below its commitment is nudged (and
    # listed by the digest), but not in its first days.
    hours_check_day: int = 20
    hours_first_after_days: int = 14

    # Questions to the pair: the check-in after six weeks; an unanswered question climbs the
    # silent-partner ladder (two reminders, then a coordinator flag).
    checkin_after_days: int = 42
    ladder: tuple[tuple[str, timedelta], ...] = (
        ("r1", timedelta(days=3)),
        ("r2", timedelta(days=6)),
        ("flag", timedelta(days=9)),
    )
    # A question sent on Telegram and unanswered this long is sent again by SMS.
    sms_resend_after: timedelta = timedelta(hours=48)
    # A message waiting this long for its answer counts as unanswered in the digest.
    unanswered_after: timedelta = timedelta(hours=48)

    # The end: the digest lists pairs ending within these days; the outcome survey goes out
    # this many months after the end and the coordinator is asked after these days unanswered.
    ending_within_days: int = 14
    # A pair still active this many days after its end date is closed by the daily rule, or
    # raised to the coordinator (mentoring/pair_closing.py).
    close_after_days: int = 14
    outcome_after_months: int = 3
    outcome_answer_days: int = 7
    # A youth still without a pair this many days after signing up is asked whether we may
    # write later to hear how it went: the unmatched side of the committee's comparison
    # (storage/attribution.py) is measured by the same survey, only with that consent.
    contact_later_ask_days: int = 42

    # The coordinator's calls (the mentoring standard): in the first month a side is due a
    # first call from this day and a second from that; after, when its last is a month old.
    first_call_day: int = 7
    second_call_day: int = 21
    # A check-in or closure scored at or below this worries: the coordinator is told (inbox) and
    # the side that gave it is due a call until one is logged after the answer.
    worrying_score: int = 2

    @property
    def meeting_reminder(self) -> dict[str, timedelta]:
        return dict(self.meeting_reminders)

    def pair_ends(self, starts_on: date) -> date:
        return add_months(starts_on, self.pair_months)

    def survey_due(self, ended_on: date) -> date:
        return add_months(ended_on, self.outcome_after_months)

    def first_hours_check(self, starts_on: date) -> date:
        """The first hours check of a pair starting on `starts_on` (never in its first days)."""
        earliest = starts_on + timedelta(days=self.hours_first_after_days)
        day = earliest.replace(day=self.hours_check_day)
        return day if day >= earliest else add_months(day, 1)

    def next_hours_check(self, month: date) -> date:
        return add_months(month, 1).replace(day=self.hours_check_day)


RULES = Rules()


def for_programme(programme: Programme | None) -> Rules:
    """The rules a programme runs by: the defaults with its own settings laid over them."""
    if programme is None:
        return RULES
    return replace(
        RULES,
        pair_months=programme.pair_months,
        monthly_hours=programme.monthly_hours,
        outcome_after_months=programme.outcome_after_months,
    )


def check_capacity(capacity: int) -> None:
    """Refuse a mentor capacity outside the programme's bounds, saying what they are."""
    if capacity not in MENTOR_CAPACITY:
        raise DomainError("capacity_out_of_range", min=MENTOR_CAPACITY[0], max=MENTOR_CAPACITY[-1])

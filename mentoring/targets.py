"""The seven targets with their pace: `storage.targets.measure_targets` counts them (README.md,
"The seven targets"); this module sets each figure against its goal and the programme's dates.

Counts (matched, companies, openings) are expected to grow linearly from the programme's start
to its end; percentages are compared with their goal directly.
"""

from __future__ import annotations

import math
from datetime import date

from mentoring.digest_model import Target
from storage.models import Programme
from storage.targets import KEYS, PERCENTAGES, Figure, TargetFigures

# target key -> the programme setting holding its goal
GOALS = {
    "matched": "target_matches",
    "kept_3_months": "target_full_term_pct",
    "self_supporting": "target_self_supporting_pct",
    "students_in_education": "target_dropout_in_education_pct",
    "praktik_subsidy_smalljob": "target_subsidised_pct",
    "companies_outside": "target_companies_outside",
    "job_openings": "target_job_openings",
}


def expected_share(programme: Programme, today: date) -> float:
    """How far through its period the programme is today, 0..1."""
    span = max((programme.ends_on - programme.starts_on).days, 1)
    return min(max((today - programme.starts_on).days / span, 0.0), 1.0)


def target_of(figure: Figure, goal: int, share: float) -> Target:
    if figure.key in PERCENTAGES:
        if figure.denominator == 0:
            return Target(figure.key, "pct", 0.0, goal, goal, 0, False, unknown=figure.unknown)
        value = 100 * figure.numerator / figure.denominator
        behind = math.ceil(goal - value) if value < goal else 0
        return Target(figure.key, "pct", value, goal, goal, behind, True, figure.numerator,
                      figure.denominator, figure.unknown, figure.ids)  # fmt: skip
    expected = goal * share
    value = figure.numerator
    behind = math.ceil(expected - value) if value < expected else 0
    return Target(figure.key, "count", value, goal, expected, behind, True, value, goal, 0,
                  figure.ids)  # fmt: skip


def targets(programme: Programme, today: date, figures: TargetFigures) -> list[Target]:
    share = expected_share(programme, today)
    return [target_of(figures[k], getattr(programme, GOALS[k]), share) for k in KEYS]


def targets_by_group(
    programme: Programme, today: date, figures: TargetFigures
) -> dict[str, list[Target]]:
    """Per target group: its matched youths (of all matched) and its outcome targets."""
    share = expected_share(programme, today)
    return {
        group: [
            target_of(f, getattr(programme, GOALS[k]) if k != "matched" else f.denominator, share)
            for k, f in split.items()
        ]
        for group, split in figures.by_group.items()
    }

"""The committee report's target sheets: the seven targets with coverage, their definitions, the
pairs or youths behind each figure, the split by target group, the cost side beside the savings
illustration, end reasons and average scores. Definitions: README.md, "The seven targets".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from mentoring.digest_model import Digest, Target
from storage.attribution import MIN_PER_SIDE, Comparison
from storage.models import Programme
from storage.queries import DigestFacts
from storage.target_sql import POSITIVE_END_REASONS
from storage.targets import KEYS, TargetFigures

Cell = str | int | float | date | None


@dataclass
class Sheet:
    key: str
    header: list[str]
    rows: list[list[Cell]]
    title_params: dict[str, Any] | None = None


class WordsLike(Protocol):
    def __call__(self, key: str, **context: Any) -> str: ...


def value_of(t: Target) -> float | int | None:
    """A percentage for the percentage targets (none while nobody is measured), else a count."""
    if t.unit == "pct":
        return round(t.value, 1) if t.measured else None
    return int(t.value)


def coverage_of(t: Target) -> float | None:
    return round(t.coverage_pct, 1) if t.coverage_pct is not None else None


def target_rows(digest: Digest) -> list[list[Cell]]:
    """The seven rows of the CSV: target,numerator,denominator,unknown,value,goal."""
    return [
        [t.key, t.numerator, t.denominator, t.unknown, value_of(t), t.target]
        for t in digest.targets
    ]


def targets_sheet(digest: Digest, w: WordsLike) -> Sheet:
    return Sheet(
        "targets",
        [w(k) for k in ("key", "target", "numerator", "denominator", "unknown", "coverage",
                        "value", "goal", "expected", "status_heading")],
        [
            [t.key, w("target_name", target=t.key), t.numerator, t.denominator, t.unknown,
             coverage_of(t), value_of(t), t.target, round(t.expected, 1), w("pace", t=t)]
            for t in digest.targets
        ],
    )  # fmt: skip


def definitions_sheet(w: WordsLike) -> Sheet:
    return Sheet(
        "definitions",
        [w("key"), w("target"), w("numerator_def"), w("denominator_def")],
        [
            [key, w("target_name", target=key), w("defines", target=key, part="numerator"),
             w("defines", target=key, part="denominator")]
            for key in (*KEYS, "window")
        ],
    )  # fmt: skip


def behind_sheets(
    digest: Digest, figures: TargetFigures, facts: DigestFacts, w: WordsLike
) -> list[Sheet]:
    """A sheet per target listing what is behind its figure (counted, or unknown)."""
    pairs = {p.match_id: p for p in facts.pairs}
    youths = {p.youth_id: p for p in facts.pairs}
    companies = {c.company_id: c for c in facts.companies}
    openings = {o.opening_id: o for o in facts.openings}
    sheets = []
    for key in KEYS:
        f = figures[key]
        counted = [(i, w("counted")) for i in f.ids] + [(i, w("unknown")) for i in f.unknown_ids]
        rows: list[list[Cell]] = []
        for i, how in counted:
            if key == "kept_3_months":
                p = pairs.get(i)
                rows.append([i, p.youth_name if p else None, p.mentor_name if p else None,
                             p.ends_on if p else None, how])  # fmt: skip
            elif key == "companies_outside":
                c = companies.get(i)
                rows.append([i, c.name if c else None, None, c.contacted_on if c else None, how])
            elif key == "job_openings":
                o = openings.get(i)
                rows.append([i, o.kind if o else None, None, o.created_on if o else None, how])
            else:
                y = youths.get(i)
                window = figures.windows.get(i)
                rows.append([i, y.youth_name if y else None, y.target_group if y else None,
                             window[1] if window else None, how])  # fmt: skip
        header_keys = {
            "kept_3_months": ("match_id", "youth", "mentor", "ends_on", "counts_as"),
            "companies_outside": ("company_id", "company", "blank", "contacted_on", "counts_as"),
            "job_openings": ("opening_id", "kind", "blank", "created_on", "counts_as"),
        }.get(key, ("youth_id", "youth", "target_group", "window_closes", "counts_as"))
        sheets.append(Sheet(f"behind_{key}", [w(k) for k in header_keys], rows, {"target": key}))
    return sheets


def groups_sheet(digest: Digest, w: WordsLike) -> Sheet:
    rows: list[list[Cell]] = []
    for group, group_targets in digest.by_group.items():
        for t in group_targets:
            value = value_of(t) if t.unit == "pct" else None
            rows.append([group, w("target_name", target=t.key), t.numerator, t.denominator,
                         t.unknown, coverage_of(t), value])  # fmt: skip
    return Sheet(
        "groups",
        [w(k) for k in ("target_group", "target", "numerator", "denominator", "unknown",
                        "coverage", "value")],
        rows,
    )  # fmt: skip


def cost_sheet(programme: Programme, digest: Digest, w: WordsLike) -> Sheet:
    """The budget by year, cost per matched and per self-supporting youth, and the savings
    illustration with its caveat."""
    budget = dict(sorted((programme.budget_dkk or {}).items()))
    total = sum(budget.values())
    matched = digest.target("matched").numerator
    self_supporting = digest.target("self_supporting").numerator
    rows: list[list[Cell]] = [[w("budget_year", year=y), v] for y, v in budget.items()]
    rows += [
        [w("budget_total"), total],
        [w("cost_per_matched"), round(total / matched) if matched and total else None],
        [w("cost_per_self_supporting"),
         round(total / self_supporting) if self_supporting and total else None],
        [w("savings_youths"), digest.savings.youths],
        [w("savings_per_youth"), digest.savings.per_youth_dkk],
        [w("savings_dkk"), digest.savings.total_dkk],
        [w("savings_caveat"), None],
    ]  # fmt: skip
    return Sheet("cost", [w("figure"), w("value")], rows)


def end_reasons_sheet(reasons: dict[str, int], w: WordsLike) -> Sheet:
    rows: list[list[Cell]] = [
        [code, w("end_reason", code=code),
         w("positive") if code in POSITIVE_END_REASONS else None, n]
        for code, n in sorted(reasons.items())
    ]  # fmt: skip
    return Sheet(
        "end_reasons", [w(k) for k in ("key", "end_reason_h", "kind", "pairs_count")], rows
    )


def scores_sheet(scores: dict[str, tuple[float | None, int]], w: WordsLike) -> Sheet:
    rows: list[list[Cell]] = [
        [w("score_kind", kind=kind), round(avg, 2) if avg is not None else None, n]
        for kind, (avg, n) in sorted(scores.items())
    ]
    return Sheet("scores", [w(k) for k in ("figure", "average", "answers")], rows)


def attribution_sheet(comparison: Comparison, w: WordsLike) -> Sheet:
    """Matched against never-matched youths, self-supporting at the same offset from sign-up;
    the difference and its 95 % interval only from MIN_PER_SIDE measured youths a side."""
    a, b = comparison.matched, comparison.unmatched
    rows: list[list[Cell]] = [
        [w("attribution_label", months=comparison.offset_months), None, None, None],
        [w("attribution_matched"), a.measured, a.self_supporting, round(100 * a.share, 1)],
        [w("attribution_unmatched"), b.measured, b.self_supporting, round(100 * b.share, 1)],
    ]
    if comparison.shown:
        low, high = comparison.interval
        rows.append(
            [w("attribution_difference"), None, None, round(100 * comparison.difference, 1)]
        )
        rows.append([w("attribution_interval", low=round(100 * low, 1), high=round(100 * high, 1)),
                     None, None, None])  # fmt: skip
    else:
        rows.append([w("attribution_too_few", n=MIN_PER_SIDE), None, None, None])
    return Sheet(
        "attribution",
        [w(k) for k in ("figure", "measured_youths", "self_supporting_youths", "share_pct")],
        rows,
    )

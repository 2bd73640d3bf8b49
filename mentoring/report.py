"""The committee report, measured as of `--to` (README.md, "The seven targets").

As CSV: one row per target with exactly `target,numerator,denominator,unknown,value,goal`, for a
spreadsheet or a script. As XLSX (real number and date cells): the targets with coverage, their
definitions, a sheet per target listing the pairs or youths behind it, the split by target group,
the cost side, end reasons, average scores, the period's figures, every pair, the companies and
the openings. Figures come from `storage.targets.measure_targets`, as the digest's do, so the
two agree. Words are rendered from templates/email/report_words.txt.j2.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.runtime import Runtime
from core.statuses import ENDED, MatchStatus, MeetingStatus
from mentoring.digest import load_period_figures
from mentoring.digest_model import Digest, local_day, local_midnight
from mentoring.programmes import current_programme
from mentoring.report_events import event_sheets
from mentoring.report_outreach import outreach_sheet
from mentoring.report_sheets import (
    Sheet,
    attribution_sheet,
    behind_sheets,
    cost_sheet,
    definitions_sheet,
    end_reasons_sheet,
    groups_sheet,
    scores_sheet,
    target_rows,
    targets_sheet,
)
from mentoring.report_topics import TopicFigures, topic_figures, topic_sheets
from storage.attribution import Comparison, compare_matched_with_unmatched
from storage.event_figures import EventFigures, event_figures
from storage.queries import DigestFacts
from storage.report_queries import average_scores, end_reasons
from storage.targets import TargetFigures


class Words:
    """Headings and labels for one language, rendered from the report's word template."""

    def __init__(self, runtime: Runtime, language: str) -> None:
        self.renderer, self.language = runtime.renderer, language

    def __call__(self, key: str, **context: Any) -> str:
        text = self.renderer.render("email/report_words.txt.j2", self.language, key=key, **context)
        return " ".join(text.split())


def _local_day(moment: datetime | None, runtime: Runtime) -> date | None:
    return moment.astimezone(runtime.settings.tz).date() if moment else None


def build_sheets(
    facts: DigestFacts,
    digest: Digest,
    start: date,
    end: date,
    runtime: Runtime,
    language: str,
    extra: ReportExtras | None = None,
) -> list[Sheet]:
    w = Words(runtime, language)

    def within(moment: datetime | None) -> bool:
        day = _local_day(moment, runtime)
        return day is not None and start <= day <= end

    in_period = [p for p in facts.pairs if within(p.accepted_at)]
    ended = [p for p in facts.pairs if p.status in ENDED and within(p.ended_at)]
    held = [m for m in facts.meetings if m.status == MeetingStatus.HELD and within(m.starts_at)]
    contacted = [c for c in facts.companies if c.contacted_on and start <= c.contacted_on <= end]
    created = [o for o in facts.openings if start <= o.created_on <= end]
    period = Sheet(
        "period",
        [w("figure"), w("value")],
        [
            [w("new_matches"), len(in_period)],
            [w("meetings_held"), len(held)],
            [w("hours"), round(facts.hours_this_week / 60, 2)],
            [w("signups"), facts.signups_this_week],
            [w("pairs_ended"), len(ended)],
            [w("pairs_full_term"), sum(p.status == MatchStatus.COMPLETED for p in ended)],
            [w("companies_contacted"), len(contacted)],
            [w("companies_outside"), sum(c.outside_partnership for c in contacted)],
            [w("job_openings"), len(created)],
        ],
    )
    latest = {o.youth_id: o for o in facts.outcomes if o.youth_id is not None}
    matched = set(digest.target("matched").ids)
    kept = set(digest.target("kept_3_months").ids)
    self_supporting = set(digest.target("self_supporting").ids)
    risk = {r.pair.match_id: r for r in digest.at_risk}
    pairs = Sheet(
        "pairs",
        [w(k) for k in ("match_id", "youth", "youth_id", "mentor", "mentor_id", "status_heading",
                        "starts_on", "ends_on", "ended_on", "hours_total", "last_meeting",
                        "outcome", "counts_matches", "counts_full_term",
                        "counts_self_supporting", "at_risk")],
        [
            [
                p.match_id, p.youth_name, p.youth_id, p.mentor_name, p.mentor_id,
                w("pair_status", status=p.status), p.starts_on, p.ends_on,
                _local_day(p.ended_at, runtime), round(sum(p.minutes_by_month.values()) / 60, 2),
                _local_day(p.last_meeting_at, runtime),
                latest[p.youth_id].category if p.youth_id in latest else None,
                int(p.youth_id in matched), int(p.match_id in kept),
                int(p.youth_id in self_supporting),
                "; ".join(w("reason", r=r) for r in risk[p.match_id].reasons)
                if p.match_id in risk else None,
            ]
            for p in facts.pairs
        ],
    )  # fmt: skip
    names = {c.company_id: c.name for c in facts.companies}
    companies = Sheet(
        "companies",
        [w(k) for k in ("company_id", "company", "outside", "contacted_on", "source")],
        [
            [c.company_id, c.name, w("yes" if c.outside_partnership else "no"), c.contacted_on,
             c.source]
            for c in contacted
        ],
    )  # fmt: skip
    openings = Sheet(
        "openings",
        [w(k) for k in ("opening_id", "company", "kind", "created_on", "filled_by")],
        [
            [o.opening_id, names.get(o.company_id), o.kind, o.created_on, o.filled_by]
            for o in created
        ],
    )
    head = [targets_sheet(digest, w), definitions_sheet(w)]
    if extra is not None:
        head += [
            *behind_sheets(digest, extra.figures, facts, w),
            groups_sheet(digest, w),
            cost_sheet(facts.programme, digest, w),
            end_reasons_sheet(extra.end_reasons, w),
            scores_sheet(extra.scores, w),
            attribution_sheet(extra.comparison, w),
        ]
    tail = event_sheets(extra.events, w, runtime.settings.tz) if extra is not None else []
    if extra is not None:
        pair_names = {p.match_id: (p.youth_name, p.mentor_name) for p in facts.pairs}
        tail += topic_sheets(extra.topics, pair_names, w)
    if digest.outreach is not None:
        tail.append(outreach_sheet(digest.outreach, w))
    return [*head, period, pairs, companies, openings, *tail]


@dataclass(frozen=True)
class ReportExtras:
    figures: TargetFigures
    end_reasons: dict[str, int]
    scores: dict[str, tuple[float | None, int]]
    comparison: Comparison
    events: list[EventFigures] = field(default_factory=list)
    topics: TopicFigures = field(default_factory=TopicFigures)


async def build_report(
    runtime: Runtime, start: date, end: date, language: str | None = None
) -> tuple[Digest, list[Sheet]]:
    language = language or runtime.settings.default_language
    tz = runtime.settings.tz
    async with runtime.sessions() as session, session.begin():
        programme = await current_programme(session, end)
        now = runtime.clock()
        facts, figures, digest = await load_period_figures(
            session, programme.id, start, end, now, tz
        )
        as_of = min(now, local_midnight(end + timedelta(days=1), tz))
        today = min(end, local_day(now, tz))
        extra = ReportExtras(
            figures,
            await end_reasons(session, programme.id, as_of),
            await average_scores(session, programme.id, as_of),
            await compare_matched_with_unmatched(session, programme, today, tz),
            await event_figures(
                session,
                programme.id,
                local_midnight(start, tz),
                local_midnight(end + timedelta(days=1), tz),
            ),
            await topic_figures(
                session,
                programme.id,
                local_midnight(start, tz),
                local_midnight(end + timedelta(days=1), tz),
            ),
        )
    return digest, build_sheets(facts, digest, start, end, runtime, language, extra)


def write_xlsx(sheets: list[Sheet], titles: dict[str, str], path: Path | io.BytesIO) -> None:
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(titles[sheet.key][:31])
        ws.append(sheet.header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append(row)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(cell.value, float):
                    cell.number_format = "0.0#"
                elif isinstance(cell.value, int) and abs(cell.value) >= 10_000:
                    cell.number_format = "#,##0"
        for index, column in enumerate(ws.columns, start=1):
            width = max(len(str(c.value)) if c.value is not None else 0 for c in column)
            ws.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
        ws.freeze_panes = "A2"
    book.save(path)


CSV_COLUMNS = ("target", "numerator", "denominator", "unknown", "value", "goal")


def csv_text(digest: Digest) -> str:
    """One row per target with exactly CSV_COLUMNS (comma separated)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in target_rows(digest):
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def write_csv(digest: Digest, path: Path) -> str:
    text = csv_text(digest)
    path.write_text(text, encoding="utf-8")
    return text


async def write_report(runtime: Runtime, start: date, end: date, path: Path) -> Digest:
    """Write the report as .xlsx or .csv (by the file's suffix); returns the digest behind it."""
    digest, sheets = await build_report(runtime, start, end)
    words = Words(runtime, runtime.settings.default_language)
    titles = {s.key: words(f"sheet_{s.key}", **(s.title_params or {})) for s in sheets}
    if path.suffix.lower() == ".xlsx":
        write_xlsx(sheets, titles, path)
    else:
        write_csv(digest, path)
    return digest


async def report_bytes(
    runtime: Runtime, start: date, end: date, suffix: str, language: str | None = None
) -> bytes:
    """The report as a file's bytes (the dashboard's download), .xlsx or .csv."""
    language = language or runtime.settings.default_language
    digest, sheets = await build_report(runtime, start, end, language)
    if suffix == ".csv":
        return csv_text(digest).encode("utf-8")
    words = Words(runtime, language)
    titles = {s.key: words(f"sheet_{s.key}", **(s.title_params or {})) for s in sheets}
    out = io.BytesIO()
    write_xlsx(sheets, titles, out)
    return out.getvalue()

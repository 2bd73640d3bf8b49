"""The report's event sheets: one per kind of event held in the period, a row per event with
its participants, companies, openings created and mentors recruited (storage/event_figures.py
defines each figure)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.statuses import EventKind
from mentoring.report_sheets import Sheet, WordsLike
from storage.event_figures import EventFigures

HEADER = (
    "ev_event_id", "ev_title", "ev_date", "ev_place", "ev_invited", "ev_coming",
    "ev_participants", "ev_companies", "ev_openings", "ev_mentors",
)  # fmt: skip


def event_sheets(rows: list[EventFigures], w: WordsLike, tz: ZoneInfo) -> list[Sheet]:
    """A sheet per event kind with at least one event in the period, in the kinds' order."""
    sheets = []
    for kind in EventKind:
        events = [r for r in rows if r.kind == kind]
        if not events:
            continue
        sheets.append(
            Sheet(
                f"events_{kind.value}",
                [w(k) for k in HEADER],
                [
                    [r.event_id, r.title, r.starts_at.astimezone(tz).date(), r.place,
                     r.invited, r.coming, r.participants, r.companies, r.openings, r.mentors]
                    for r in events
                ],
                {"kind": kind.value},
            )
        )  # fmt: skip
    return sheets

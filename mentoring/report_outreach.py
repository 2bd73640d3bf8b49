"""The report's outreach sheet: job openings per origin, where youths and mentors come from,
and the one-year condition of the pairs whose mentor came through Code of Care (each such pair
listed, so the share can be traced)."""

from __future__ import annotations

from mentoring.outreach_figures import OutreachFigures
from mentoring.report_sheets import Cell, Sheet, WordsLike


def outreach_sheet(o: OutreachFigures, w: WordsLike) -> Sheet:
    rows: list[list[Cell]] = []
    for origin, n in o.openings_by_origin.items():
        rows.append([w("openings_origin"), w("origin", code=origin), n, None, None])
    for f in o.sources:
        name = f"{f.name} ({f.kind})" if f.source_id else w("own_accord")
        rows.append([w("signups_source", role=f.role), name, f.signed_up, f.matched, f.completed])
    share = round(o.one_year_share, 1) if o.one_year_share is not None else None
    rows += [
        [w("coc_pairs"), None, len(o.coc_pairs), None, None],
        [w("coc_one_year"), None, len(o.coc_one_year), None, None],
        [w("coc_one_year_share"), None, share, None, None],
        [w("coc_unknown"), None, len(o.coc_unknown), None, None],
    ]
    for pair in o.coc_pairs:
        answer = "yes" if pair in o.coc_one_year else "unknown" if pair in o.coc_unknown else "no"
        rows.append([w("coc_pair"), pair, w(answer), None, None])
    header = [w(k) for k in ("figure", "item", "value", "matched_h", "completed_h")]
    return Sheet("outreach", header, rows)

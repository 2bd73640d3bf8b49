"""The dashboard's pages (overview, group targets) measure the targets as counts only
(`measure_targets(..., ids=False)`): every figure must equal the one the digest and the report
get with the ids, on the written scenario of tests/test_targets_scenario.py (a closed programme
with early ends, past-end pairs, extensions and outcome windows open and closed), and at a
moment inside the programme too."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from mentoring.programmes import current_programme
from storage.targets import TARGET_GROUPS, TargetFigures, measure_targets
from tests.conftest import COPENHAGEN
from tests.test_targets_scenario import EXPECTED, NOW, _build, _runtime


def _counts(figures: TargetFigures) -> dict[str, tuple[int, int, int]]:
    found = {k: (f.numerator, f.denominator, f.unknown) for k, f in figures.figures.items()}
    for group in TARGET_GROUPS:
        for key, f in figures.by_group[group].items():
            found[f"{group}:{key}"] = (f.numerator, f.denominator, f.unknown)
    return found


async def test_counts_only_equal_the_figures_with_ids(db_url: str, tmp_path: Path) -> None:
    runtime = _runtime(db_url, tmp_path)
    try:
        await _build(runtime, tmp_path)
        async with runtime.sessions() as session:
            programme = await current_programme(session, NOW.date())
            # the report's moment (the end of 2020, all windows of the early ends closed) and
            # one inside the programme (1 July 2020, most pairs running)
            for as_of, today in (
                (datetime(2020, 12, 31, 23, tzinfo=UTC), date(2020, 12, 31)),
                (datetime(2020, 7, 1, 10, tzinfo=UTC), date(2020, 7, 1)),
            ):
                full = await measure_targets(session, programme, as_of, today, COPENHAGEN)
                counts = await measure_targets(
                    session, programme, as_of, today, COPENHAGEN, ids=False
                )
                assert _counts(counts) == _counts(full)
                assert (counts.positive_early, counts.negative_early) == (
                    full.positive_early, full.negative_early,
                )  # fmt: skip
                # no youth or pair ids when only the counts are asked for
                assert not counts.figures["matched"].ids and not counts.windows
                assert not counts.past_end
                if today == date(2020, 12, 31):  # the report's moment: its seven rows
                    assert [
                        [f.key, str(f.numerator), str(f.denominator), str(f.unknown)]
                        for f in counts.figures.values()
                    ] == [e[:4] for e in EXPECTED]
    finally:
        await runtime.close()

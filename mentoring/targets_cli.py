"""The command line's programme, report and import-for-targets commands, kept out of cli.py so
that file stays a small table of commands: `add_commands(sub)` registers them."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from mentoring.errors import DomainError

if TYPE_CHECKING:
    from core.runtime import Runtime

# command-line flag -> programme setting (mentoring.programme_settings.SETTINGS)
FLAGS = {
    "name": "name",
    "unit": "unit_name",
    "starts_on": "starts_on",
    "ends_on": "ends_on",
    "pair_months": "pair_months",
    "monthly_hours": "monthly_hours",
    "target_matches": "target_matches",
    "target_kept_pct": "target_full_term_pct",
    "target_self_supporting_pct": "target_self_supporting_pct",
    "target_students_in_education_pct": "target_dropout_in_education_pct",
    "target_praktik_subsidy_smalljob_pct": "target_subsidised_pct",
    "target_companies_outside": "target_companies_outside",
    "target_job_openings": "target_job_openings",
    "yearly_cost_per_youth": "yearly_cost_per_youth_dkk",
    "outcome_after_months": "outcome_after_months",
    "outcome_window_before_days": "outcome_window_before_days",
    "outcome_window_after_days": "outcome_window_after_days",
}


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


def _error(runtime: Runtime, exc: DomainError) -> None:
    _out(runtime.renderer.error(exc.key, runtime.settings.default_language, **exc.params))


async def cmd_programme_show(args: argparse.Namespace, runtime: Runtime) -> int:
    from mentoring.programme_settings import current_values
    from mentoring.programmes import current_programme

    today = runtime.clock().astimezone(runtime.settings.tz).date()
    async with runtime.sessions() as session, session.begin():
        programme = await current_programme(session, today)
        values = current_values(programme)
    by_setting = {setting: flag for flag, setting in FLAGS.items()}
    for name, value in values.items():
        if name == "budget_dkk":
            shown = " ".join(f"{y}={v}" for y, v in value.items()) or "-"
            _out(f"{'budget':<36} {shown}")
        elif name == "local_places":
            towns = ", ".join((value or "").splitlines()) or "Viborg Kommune (default)"
            _out(f"{'local-places':<36} {towns}")
        else:
            _out(f"{by_setting[name].replace('_', '-'):<36} {value}")
    return 0


async def cmd_programme_set(args: argparse.Namespace, runtime: Runtime) -> int:
    from mentoring.places import local_setting
    from mentoring.programme_settings import (
        BY_NAME,
        Unchanged,
        change_settings,
        parse_budget,
        parse_value,
    )
    from mentoring.programmes import current_programme
    from storage.db import unit_of_work

    today = runtime.clock().astimezone(runtime.settings.tz).date()
    try:
        changes = {
            setting: parse_value(BY_NAME[setting], raw)
            for flag, setting in FLAGS.items()
            if (raw := getattr(args, flag)) is not None
        }
        budget = parse_budget(args.budget or [])
        given = args.local_places
        towns = Unchanged if given is None else local_setting(given)
        if not changes and not budget and towns is Unchanged:
            _out("Nothing to change: give at least one setting (see --help).")
            return 2
        async with unit_of_work(runtime.sessions) as session:
            programme = await current_programme(session, today)
            changed = await change_settings(
                session, programme, changes, actor="cli", budget=budget, local_places=towns
            )
    except DomainError as exc:
        _error(runtime, exc)
        return 2
    for name, (old, new) in changed.items():
        _out(f"{name}: {old} -> {new}")
    _out(f"{len(changed)} setting(s) changed.")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    prog = sub.add_parser("programme", help="show or change the programme's settings")
    what = prog.add_subparsers(dest="programme_command", required=True)
    what.add_parser("show", help="the programme's dates, targets and cost figures").set_defaults(
        fn=cmd_programme_show
    )
    change = what.add_parser("set", help="change some of them (audited)")
    for flag in FLAGS:
        change.add_argument("--" + flag.replace("_", "-"), dest=flag, metavar="VALUE")
    change.add_argument(
        "--budget", action="append", metavar="YEAR=DKK", help="the budget for a year (repeatable)"
    )
    change.add_argument(
        "--local-places",
        metavar="TOWNS",
        help="the programme's own towns, read first in sign-up ('8800 Viborg, Bjerringbro'; "
        "a town without a postcode needs a known one; '-' for Viborg Kommune's)",
    )
    change.set_defaults(fn=cmd_programme_set)

"""The programme's settings from the command line and the dashboard: dates, targets, budget,
its own towns."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.db import session_factory
from storage.models import AuditEntry, Programme
from tests.cli_helpers import clean_env, mentorbot
from tests.conftest import NOW
from tests.fakes.chat import Chat
from tests.runtime import make_runtime
from tests.test_dashboard import Dashboard, dash  # noqa: F401 (the fixture)


async def test_programme_set_changes_dates_and_budget_and_show_prints_them(
    db_url: str, tmp_path: Path, session: AsyncSession
) -> None:
    env = clean_env(tmp_path / "var", DATABASE_URL=db_url)
    result = mentorbot(
        "programme", "set", "--starts-on", "2019-09-01", "--ends-on", "2020-12-31",
        "--target-kept-pct", "80", "--budget", "2019=300000", "--budget", "2020=750000",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "4 setting(s) changed." in result.stdout
    programme = await session.scalar(select(Programme))
    assert programme is not None
    assert (programme.starts_on, programme.ends_on) == (date(2019, 9, 1), date(2020, 12, 31))
    assert programme.target_full_term_pct == 80
    assert programme.budget_dkk == {"2019": 300000, "2020": 750000}
    audit = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "programme_settings_changed")
    )
    assert audit is not None and audit.actor == "cli"
    assert audit.details["changes"]["starts_on"][1] == "2019-09-01"
    await session.rollback()  # end the test's read, as a coordinator's shell would

    shown = mentorbot("programme", "show", env=env, cwd=tmp_path)
    assert shown.returncode == 0
    assert "starts-on" in shown.stdout and "2019-09-01" in shown.stdout
    assert "2019=300000 2020=750000" in shown.stdout


async def test_programme_set_refuses_an_end_before_the_start_and_changes_nothing(
    db_url: str, tmp_path: Path, session: AsyncSession
) -> None:
    env = clean_env(tmp_path / "var", DATABASE_URL=db_url)
    mentorbot("programme", "set", "--starts-on", "2019-09-01", env=env, cwd=tmp_path)
    result = mentorbot("programme", "set", "--ends-on", "2019-01-01", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "slutte efter det starter" in result.stdout  # Danish first
    bad = mentorbot("programme", "set", "--target-kept-pct", "120", env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "120" in bad.stdout
    programme = await session.scalar(select(Programme))
    assert programme is not None and programme.ends_on != date(2019, 1, 1)
    assert programme.target_full_term_pct == 75


async def test_dashboard_settings_page_saves_the_dates_with_csrf_and_audit(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    assert await dash.login() == 303
    page = await (await dash.client.get("/settings")).text()
    assert 'name="starts_on"' in page and "Forløbets indstillinger" in page
    form = {
        "starts_on": "2019-09-01",
        "ends_on": "2020-12-31",
        "target_matches": "160",
        "budget": "2019=300000\n2020=750000\n",
    }
    refused = await dash.client.post("/settings", data=form)
    assert refused.status == 403
    after = await dash.post("/settings", form, page="/settings")
    assert "4 indstillinger ændret." in after
    async with dash.runtime.sessions() as db:
        programme = await db.scalar(select(Programme))
        assert programme is not None
        assert programme.starts_on == date(2019, 9, 1) and programme.target_matches == 160
        assert programme.budget_dkk == {"2019": 300000, "2020": 750000}
        audit = await db.scalar(
            select(AuditEntry).where(AuditEntry.action == "programme_settings_changed")
        )
        assert audit is not None and audit.actor.startswith("coordinator")

    wrong = await dash.post("/settings", {"ends_on": "2019-01-01"}, page="/settings")
    assert "slutte efter det starter" in wrong


async def test_programme_local_places_set_on_the_command_line_are_towns_in_sign_up(
    db_url: str, tmp_path: Path, engine: AsyncEngine, session: AsyncSession
) -> None:
    env = clean_env(tmp_path / "var", DATABASE_URL=db_url)
    unknown = mentorbot("programme", "set", "--local-places", "Agtrup", env=env, cwd=tmp_path)
    assert unknown.returncode == 2 and "Agtrup" in unknown.stdout  # a village needs its postcode
    result = mentorbot(
        "programme", "set", "--local-places", "Kolding, 6000 Agtrup,6091  Bjert",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "1 setting(s) changed." in result.stdout
    programme = await session.scalar(select(Programme))
    assert programme is not None
    assert programme.local_places == "6000 Kolding\n6000 Agtrup\n6091 Bjert"
    await session.rollback()
    shown = mentorbot("programme", "show", env=env, cwd=tmp_path)
    assert "6000 Kolding, 6000 Agtrup, 6091 Bjert" in shown.stdout

    chat = Chat(
        make_runtime(engine, NOW, session_factory(engine)), channel="sms", address="+4522334455"
    )
    for text in ["hej", "ja", "jeg hedder mikkel og er 22", "1", "nej", "it", "1 2"]:
        await chat.text(text)
    summary = await chat.text("jeg bor i agtrup")
    assert "Område: 6000 Agtrup" in summary
    assert "godkende" not in summary and "Er det rigtigt?" in summary

    default = mentorbot("programme", "set", "--local-places", "-", env=env, cwd=tmp_path)
    assert default.returncode == 0 and "local_places" in default.stdout
    assert (
        "Viborg Kommune (default)" in mentorbot("programme", "show", env=env, cwd=tmp_path).stdout
    )

"""An uploaded CSV file holds youths' names and numbers: one neither imported nor discarded is
deleted (the file and its job) by the daily retention job after a week; one imported leaves
nothing behind at once."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

import pytest

from mentoring.importing import UPLOAD_RETENTION
from scheduler import retention_job
from tests.conftest import NOW
from tests.test_dashboard import Dashboard, dash  # noqa: F401 (the fixture)
from tests.test_dashboard_imports import CSV, _finished, _form


async def _upload(desk: Dashboard) -> str:
    sent = await desk.client.post(
        "/imports", data=_form(await desk.csrf("/imports"), CSV.encode()), allow_redirects=False
    )
    location = sent.headers["Location"]
    await _finished(desk, location)
    return location


def _sent_at(desk: Dashboard, location: str, days_ago: float) -> None:
    """The upload's files as written `days_ago` before the (fixed) clock's now."""
    at = (NOW - timedelta(days=days_ago)).timestamp()
    token = location.rsplit("/", 1)[-1]
    for path in desk.runtime.settings.imports_dir.glob(f"{token}.*"):
        os.utime(path, (at, at))


async def test_the_retention_job_deletes_an_upload_left_a_week_and_keeps_a_fresh_one(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert timedelta(days=7) == UPLOAD_RETENTION  # Monday's upload may wait all week
    await dash.login()
    forgotten = await _upload(dash)
    fresh = await _upload(dash)
    imported = await _upload(dash)
    folder = dash.runtime.settings.imports_dir
    assert len(list(folder.glob(f"{imported.rsplit('/', 1)[-1]}.*"))) == 2
    commit = await dash.client.post(
        f"{imported}/commit", data={"csrf": await dash.csrf(imported)}, allow_redirects=False
    )
    assert commit.status == 303
    await _finished(dash, imported)
    assert list(folder.glob(f"{imported.rsplit('/', 1)[-1]}.*")) == []  # gone once imported

    _sent_at(dash, forgotten, days_ago=7.1)
    _sent_at(dash, fresh, days_ago=6.9)
    caplog.set_level(logging.INFO, logger="mentoring.privacy")
    await retention_job(dash.runtime)

    token = fresh.rsplit("/", 1)[-1]
    assert sorted(p.name for p in folder.iterdir()) == [f"{token}.csv", f"{token}.json"]
    purged = [r for r in caplog.records if r.getMessage() == "retention purge"]
    assert [r.__dict__["import_uploads"] for r in purged] == [1]  # what it deleted is logged
    assert (await dash.client.get(forgotten)).status == 404  # its page is gone with it
    page = await (await dash.client.get(fresh)).text()
    assert "Tjekket, intet er gemt endnu: 2 rækker kan importeres" in page

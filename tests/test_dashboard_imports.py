"""CSV imports from the dashboard: a dry run shows the rows accepted and rejected (line and
reason) and saves nothing; the import then saves the good rows and forgets the file."""

from __future__ import annotations

import aiohttp
from sqlalchemy import func, select

from storage.models import AuditEntry, Person
from tests.test_dashboard import Dashboard, dash  # noqa: F401 (the fixture)
from web.dashboard.imports import JOBS, Job

CSV = (
    "first_name;birth_year;situation;phone\n"
    "Jonas;2003;unemployed;22 11 00 01\n"
    "Bo;1950;unemployed;22 11 00 02\n"  # line 3: 76 years old
    "Ida;2001;unemployed;22 11 00 03\n"
)


async def _youths(desk: Dashboard) -> int:
    async with desk.runtime.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(Person)) or 0)


async def _finished(desk: Dashboard, location: str) -> Job:
    """The job behind /imports/<token>, once its background task has run to the end."""
    job = desk.client.app[JOBS][location.rsplit("/", 1)[-1]]
    assert isinstance(job, Job) and job.task is not None
    await job.task
    return job


async def test_import_preview_shows_the_bad_row_and_commit_imports_the_rest(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    before = await _youths(dash)
    form = aiohttp.FormData()
    form.add_field("csrf", await dash.csrf("/imports"))
    form.add_field("kind", "youths")
    form.add_field("file", CSV.encode(), filename="unge.csv", content_type="text/csv")
    sent = await dash.client.post("/imports", data=form, allow_redirects=False)
    assert sent.status == 303
    location = sent.headers["Location"]
    job = await _finished(dash, location)
    preview = await (await dash.client.get(location)).text()
    assert "2 rækker kan importeres, 0 findes allerede, 1 afvises" in preview
    bad_row = '<th scope="row">3</th><td>Ordningen er for unge mellem 15 og 29 år.</td>'
    assert bad_row in preview
    assert await _youths(dash) == before  # a dry run saves nothing
    status = await (await dash.client.get(f"{location}/status")).json()
    assert status == {"phase": "checked", "line": 4, "lines": 4, "running": False}

    commit = await dash.client.post(
        f"{location}/commit", data={"csrf": await dash.csrf(location)}, allow_redirects=False
    )
    assert commit.status == 303
    await _finished(dash, location)
    done = await (await dash.client.get(location)).text()
    assert "Importeret: 2 rækker" in done
    assert await _youths(dash) == before + 2
    assert not job.path.exists()  # the uploaded personal data is not kept
    async with dash.runtime.sessions() as s:
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "import_committed"))
    assert audit is not None and audit.details["imported"] == 2 and audit.details["rejected"] == 1


async def test_import_page_of_another_coordinator_or_unknown_token_is_not_found(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    assert (await dash.client.get("/imports/nonsense")).status == 404
    page = await (await dash.client.get("/imports")).text()
    assert "first_name" in page and 'enctype="multipart/form-data"' in page

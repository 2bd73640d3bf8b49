"""CSV imports from the dashboard: a dry run shows the rows accepted and rejected (line and
reason) and saves nothing; the import then saves the good rows and forgets the file. A file up
to 20 MB may be sent (every other form keeps the app's 1 MB), one over it is refused with the
reason, and a checked file waits through a restart."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import aiohttp
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from storage.models import AuditEntry, Person
from tests.test_dashboard import Dashboard, dash  # noqa: F401 (the fixture)
from web.app import create_app
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


def _form(token: str, content: bytes, kind: str = "youths") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("csrf", token)
    form.add_field("kind", kind)
    form.add_field("file", io.BytesIO(content), filename="kommunen.csv", content_type="text/csv")
    return form


async def test_a_file_over_the_apps_1_mb_limit_imports_and_other_forms_keep_it(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    # 3 MB: Jonas and Ida can be imported; the 28 rows after them carry 100 kB of notes each
    # and no phone, e-mail or ref, so each is rejected.
    note = "x" * 100_000
    rows = ["Jonas;2003;unemployed;22 11 00 01;", "Ida;2001;unemployed;22 11 00 03;"]
    rows += [f"Nr{i};2002;unemployed;;{note}" for i in range(28)]
    content = ("first_name;birth_year;situation;phone;notes\n" + "\n".join(rows) + "\n").encode()
    assert len(content) > 2.5 * 1024**2
    form = _form(await dash.csrf("/imports"), content)
    sent = await dash.client.post("/imports", data=form, allow_redirects=False)
    assert sent.status == 303
    await _finished(dash, sent.headers["Location"])
    preview = await (await dash.client.get(sent.headers["Location"])).text()
    assert "2 rækker kan importeres, 0 findes allerede, 28 afvises" in preview

    # Every other form keeps the small limit: 2 MB in a note is refused before it is read.
    big = urlencode({"csrf": await dash.csrf("/"), "note": "y" * (2 * 1024**2)}).encode()
    refused = await dash.client.post(
        f"/people/{dash.data.sara}/notes",
        data=io.BytesIO(big),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert refused.status == 413


async def test_a_file_over_20_mb_is_refused_with_the_reason(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    content = b"first_name;birth_year;situation;phone\n" + b"a" * (20 * 1024**2)
    sent = await dash.client.post(
        "/imports", data=_form(await dash.csrf("/imports"), content), allow_redirects=False
    )
    assert (sent.status, sent.headers["Location"]) == (303, "/imports")
    page = await (await dash.client.get("/imports")).text()
    assert "Filen er større end 20 MB, som er det højeste, der kan importeres ad gangen." in page
    assert "højst 20 MB" in page
    folder = dash.runtime.settings.data_dir / "imports"
    assert not folder.exists() or list(folder.iterdir()) == []  # nothing of it is kept


async def test_an_upload_without_the_csrf_token_keeps_nothing(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    sent = await dash.client.post("/imports", data=_form("forged", CSV.encode()))
    assert sent.status == 403
    folder = dash.runtime.settings.data_dir / "imports"
    assert not folder.exists() or list(folder.iterdir()) == []


async def test_a_checked_file_waits_through_a_restart_and_imports_after_it(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    before = await _youths(dash)
    sent = await dash.client.post(
        "/imports", data=_form(await dash.csrf("/imports"), CSV.encode()), allow_redirects=False
    )
    location = sent.headers["Location"]
    await _finished(dash, location)

    # The server restarts: a new app over the same database and data directory.
    restarted = TestClient(TestServer(create_app(dash.runtime)))
    await restarted.start_server()
    try:
        after = Dashboard(restarted, dash.runtime, dash.data)
        await after.login()
        preview = await (await restarted.get(location)).text()
        assert "2 rækker kan importeres, 0 findes allerede, 1 afvises" in preview
        commit = await restarted.post(
            f"{location}/commit", data={"csrf": await after.csrf(location)}, allow_redirects=False
        )
        assert commit.status == 303
        await _finished(after, location)
        assert "Importeret: 2 rækker" in await (await restarted.get(location)).text()
    finally:
        await restarted.close()
    assert await _youths(dash) == before + 2
    assert list((dash.runtime.settings.data_dir / "imports").iterdir()) == []

"""A coordinator's spreadsheet as Excel saves it: semicolons and Windows-1252 from Danish Excel,
an Excel workbook uploaded by mistake, a file of one column. Each gets a preview that says what
it holds or what to do; nothing is left showing a progress bar for ever."""

from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import select, text

from storage.models import Person
from tests.test_dashboard import Dashboard, dash  # noqa: F401 (the fixture)
from tests.test_dashboard_imports import CSV, _finished


async def _upload(desk: Dashboard, content: bytes, filename: str) -> tuple[str, str]:
    """Upload a youths file; the job's location and its page once the check has run."""
    form = aiohttp.FormData()
    form.add_field("csrf", await desk.csrf("/imports"))
    form.add_field("kind", "youths")
    form.add_field("file", content, filename=filename, content_type="text/csv")
    sent = await desk.client.post("/imports", data=form, allow_redirects=False)
    assert sent.status == 303
    location = sent.headers["Location"]
    await _finished(desk, location)
    return location, await (await desk.client.get(location)).text()


async def test_danish_excels_semicolon_csv_imports_with_its_letters(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    excel = (
        "first_name;birth_year;situation;phone\r\n"
        "Søren;2003;unemployed;22 11 00 11\r\n"
        "Åse;2004;unemployed;22 11 00 12\r\n"
    ).encode("cp1252")
    location, preview = await _upload(dash, excel, "unge.csv")
    assert "2 rækker kan importeres, 0 findes allerede, 0 afvises" in preview
    csrf = await dash.csrf(location)
    await dash.client.post(f"{location}/commit", data={"csrf": csrf}, allow_redirects=False)
    await _finished(dash, location)
    async with dash.runtime.sessions() as s:
        names = set(await s.scalars(select(Person.first_name)))
    assert {"Søren", "Åse"} <= names


async def test_an_excel_workbook_is_refused_with_how_to_save_it_as_csv(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    workbook = b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4  # a zip's first bytes
    _, preview = await _upload(dash, workbook, "unge.xlsx")
    assert "Det er en Excel-projektmappe: vælg Gem som i Excel og så CSV" in preview
    assert "0 rækker kan importeres, 0 findes allerede, 1 afvises" in preview


async def test_a_file_of_one_column_names_the_missing_columns(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    location, preview = await _upload(dash, b"first_name\nJonas\n", "navne.csv")
    assert "Filen mangler disse kolonner: birth_year, situation" in preview
    status = await (await dash.client.get(f"{location}/status")).json()
    assert status["running"] is False


async def test_a_quote_never_closed_is_named_and_the_rows_before_it_count(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    swallowed = "x" * 140_000  # the rest of the file runs into one cell, past the csv limit
    broken = (
        "first_name;birth_year;situation;phone\n"
        "Jonas;2003;unemployed;22 11 00 21\n"
        f'"Ida;2001;unemployed;22 11 00 22\n{swallowed}\n'
    )
    _, preview = await _upload(dash, broken.encode(), "unge.csv")
    assert "1 rækker kan importeres, 0 findes allerede, 1 afvises" in preview
    assert "Filen kan ikke læses fra denne linje: en celle er for lang" in preview


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a table renamed under the app
async def test_an_import_that_fails_on_an_unforeseen_error_says_so_and_can_be_discarded(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The database loses a table the import writes to: the check fails. The page does not
    show a progress bar for ever: it says nothing was saved and offers to discard the file."""
    await dash.login()
    async with dash.runtime.transaction() as s:
        await s.execute(text("ALTER TABLE contact_points RENAME TO contact_points_gone"))
    location, page = await _upload(dash, CSV.encode(), "unge.csv")
    assert "Noget gik galt, mens filen blev læst, og intet fra den er gemt." in page
    assert '<meta http-equiv="refresh"' not in page
    assert "import failed" in caplog.text
    status = await (await dash.client.get(f"{location}/status")).json()
    assert (status["phase"], status["running"]) == ("failed", False)
    csrf = await dash.csrf(location)
    gone = await dash.client.post(f"{location}/discard", data={"csrf": csrf}, allow_redirects=False)
    assert gone.status == 303
    assert not list(dash.runtime.settings.imports_dir.iterdir())  # the file and its job

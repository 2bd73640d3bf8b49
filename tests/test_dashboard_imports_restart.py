"""A restart in the middle of an import, as the coordinator lives it: the server goes down while
a file is checked or imported, comes back over the same database and data directory, and the
import's page says what happened and what to do; importing again never adds a row twice.

(A file checked before a restart and imported after it: tests/test_dashboard_imports.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from mentoring.importing import import_csv
from storage.models import Person
from tests.test_dashboard import Dashboard, dash  # noqa: F401 (the fixture)
from tests.test_dashboard_imports import CSV, _finished, _form, _youths
from web.app import create_app
from web.dashboard.imports import JOBS, Job

RESTARTED = "Serveren genstartede, mens filen blev importeret."


async def _checked(desk: Dashboard) -> tuple[str, Job]:
    """The file with a bad row (line 3) uploaded and checked: its page and its job."""
    await desk.login()
    sent = await desk.client.post(
        "/imports", data=_form(await desk.csrf("/imports"), CSV.encode()), allow_redirects=False
    )
    location = sent.headers["Location"]
    return location, await _finished(desk, location)


@asynccontextmanager
async def _restart(desk: Dashboard) -> AsyncIterator[Dashboard]:
    """The server started again: a new app over the same database and data directory."""
    client = TestClient(TestServer(create_app(desk.runtime)))
    await client.start_server()
    try:
        after = Dashboard(client, desk.runtime, desk.data)
        await after.login()
        yield after
    finally:
        await client.close()


async def _named(desk: Dashboard, *names: str) -> dict[str, int]:
    async with desk.runtime.sessions() as s:
        rows = await s.execute(
            select(Person.first_name, func.count())
            .where(Person.first_name.in_(names))
            .group_by(Person.first_name)
        )
        return {str(name): int(n) for name, n in rows.all()}


async def _commit(desk: Dashboard, location: str) -> str:
    sent = await desk.client.post(
        f"{location}/commit", data={"csrf": await desk.csrf(location)}, allow_redirects=False
    )
    assert sent.status == 303
    await _finished(desk, location)
    return await (await desk.client.get(location)).text()


async def test_a_check_cut_short_by_a_restart_runs_again_after_it(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    location, job = await _checked(dash)
    job.phase = "checking"
    job.save()  # what the job says on disk while its check runs; then the process dies

    async with _restart(dash) as after:
        page = await (await after.client.get(location)).text()
        assert "Tjekker: linje" in page
        await _finished(after, location)
        preview = await (await after.client.get(location)).text()
    assert "Tjekket, intet er gemt endnu: 2 rækker kan importeres, 0 findes allerede" in preview
    assert '<th scope="row">3</th>' in preview
    assert RESTARTED not in preview  # a check saves nothing: there is nothing to explain


async def test_an_import_cut_short_before_it_saved_is_explained_and_imports_once(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    before = await _youths(dash)
    location, job = await _checked(dash)
    job.phase = "importing"
    job.save()  # "Importér" was pressed; the process died before the rows were saved

    async with _restart(dash) as after:
        await (await after.client.get(location)).text()
        await _finished(after, location)  # the file is checked again
        page = await (await after.client.get(location)).text()
        assert RESTARTED in page
        assert "Tryk på Importér for at gøre importen færdig." in page
        assert "Tjekket igen: 2 rækker kan importeres, 0 findes allerede, 1 afvises." in page
        assert "Importér de 2 rækker" in page
        assert await _youths(dash) == before

        done = await _commit(after, location)
    assert "Importeret: 2 rækker; 0 fandtes allerede; 1 afvist." in done
    await _imported_once(dash, before)


async def _imported_once(desk: Dashboard, before: int) -> None:
    """The file's two good rows are in the database once each, and the file is gone."""
    assert await _youths(desk) == before + 2
    assert await _named(desk, "Jonas", "Ida", "Bo") == {"Jonas": 1, "Ida": 1}
    assert list(desk.runtime.settings.imports_dir.iterdir()) == []


async def test_an_import_cut_short_after_it_saved_says_so_and_adds_nothing_twice(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    before = await _youths(dash)
    location, job = await _checked(dash)
    job.phase = "importing"
    job.save()  # "Importér" was pressed: the rows were saved, then the process died before
    await import_csv(dash.runtime, "youths", job.path)  # the file was deleted
    assert await _youths(dash) == before + 2

    async with _restart(dash) as after:
        await (await after.client.get(location)).text()
        await _finished(after, location)
        page = await (await after.client.get(location)).text()
        assert RESTARTED in page
        assert "alle gyldige rækker findes allerede" in page
        assert "Tjekket igen: 0 rækker kan importeres, 2 findes allerede, 1 afvises." in page
        assert f'action="{location}/commit"' not in page  # nothing left to import
        assert f'action="{location}/discard"' in page

        # A second tab still showing the button: importing again adds nobody twice.
        done = await _commit(after, location)
    assert "Importeret: 0 rækker; 2 fandtes allerede; 1 afvist." in done
    await _imported_once(dash, before)


async def test_another_coordinators_restarted_import_is_not_found_and_not_restarted(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    location, job = await _checked(dash)
    job.owner, job.phase = job.owner + 1000, "checking"
    job.save()

    async with _restart(dash) as after:
        assert (await after.client.get(location)).status == 404
        assert after.client.app[JOBS] == {}  # no check was started for someone else's file

"""The overview, pairs and youths pages show the state now: a change to the database shows at
once, while the digest page names the past week it reports on."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from core.clock import local_date
from mentoring import inbox
from mentoring.hours import report_hours
from mentoring.matches import accept_match, create_match
from storage.models import InboxItem, Person
from tests import test_dashboard
from tests.conftest import COPENHAGEN, NOW
from tests.test_dashboard import Dashboard

dash = test_dashboard.dash  # the signed-out dashboard over real HTTP, on both databases


INBOX_CARD = re.compile(r'<span class="big">(\d+)</span> beskeder i indbakken')
MATCHED = re.compile(r"(\d+) unge? er matchet indtil nu")


async def _overview_inbox(dash: Dashboard) -> int:
    found = INBOX_CARD.search(await (await dash.client.get("/")).text())
    assert found is not None
    return int(found.group(1))


async def _matched_on_youths_page(dash: Dashboard) -> int:
    found = MATCHED.search(await (await dash.client.get("/youths")).text())
    assert found is not None
    return int(found.group(1))


async def test_overview_inbox_count_is_the_unhandled_items_now(dash: Dashboard) -> None:
    await dash.login()
    assert await _overview_inbox(dash) == 0
    async with dash.runtime.transaction() as s:
        sara = await s.get(Person, dash.data.sara)
        omar = await s.get(Person, dash.data.omar)
        assert sara is not None and omar is not None
        for person in (sara, omar, sara):  # written today, in the running week
            await inbox.put(s, person, inbox.Kind.MESSAGE, now=NOW - timedelta(hours=1))
    async with dash.runtime.sessions() as s:
        unhandled = await s.scalar(
            select(func.count()).select_from(InboxItem).where(InboxItem.handled_at.is_(None))
        )
    assert unhandled == 3
    assert await _overview_inbox(dash) == 3
    async with dash.runtime.transaction() as s:
        first = await s.scalar(select(InboxItem).order_by(InboxItem.id).limit(1))
        assert first is not None
        first.handled_at = NOW
    assert await _overview_inbox(dash) == 2


async def test_pairs_page_shows_hours_reported_this_month_until_now(dash: Dashboard) -> None:
    await dash.login()
    started = NOW - timedelta(days=20)
    async with dash.runtime.transaction() as s:
        match = await create_match(s, dash.data.sara, dash.data.henrik, now=started, tz=COPENHAGEN)
        await accept_match(
            s, match.id, now=started, today=local_date(started, COPENHAGEN), tz=COPENHAGEN
        )
        # Yesterday: in the running week, after the digest's last complete week.
        yesterday = NOW - timedelta(days=1)
        await report_hours(
            s, match.id, 4 * 60, reported_by=dash.data.sara,
            today=local_date(yesterday, COPENHAGEN), now=yesterday,
        )  # fmt: skip
    page = await (await dash.client.get("/pairs")).text()
    row = page[page.index(f'id="pair-{match.id}"') :]
    assert "4 af 3" in row[: row.index("</tr>")]


async def test_youths_and_overview_count_a_match_accepted_a_moment_ago(dash: Dashboard) -> None:
    await dash.login()
    assert await _matched_on_youths_page(dash) == 0
    async with dash.runtime.transaction() as s:
        for youth, mentor in ((dash.data.sara, dash.data.henrik), (dash.data.omar, dash.data.lone)):
            match = await create_match(
                s, youth, mentor, now=NOW - timedelta(hours=2), tz=COPENHAGEN
            )
            await accept_match(
                s, match.id, now=NOW - timedelta(hours=1), today=NOW.date(), tz=COPENHAGEN
            )
    # Two youths, each first matched an hour ago inside the programme period.
    assert await _matched_on_youths_page(dash) == 2
    overview = await (await dash.client.get("/")).text()
    targets = overview[overview.index('id="targets"') :]
    matched_row = targets[: targets.index("</tr>", targets.index("<tbody>"))]
    assert "<td>2</td>" in matched_row


async def test_digest_page_names_the_past_week_it_shows(dash: Dashboard) -> None:
    await dash.login()
    page = await (await dash.client.get("/digest")).text()
    # NOW is Thursday 26 November 2026: the last complete week is week 47, 16-22 November.
    assert "Ugebrevet for uge 47 (16.11.2026 til 22.11.2026)" in page

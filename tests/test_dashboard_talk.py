"""The coordinator sees a pair's topics (wished, talked about) and how many messages the two
passed on through BESKED, on the pairs list and the pair's page, never the messages' text."""

from __future__ import annotations

from core.clock import local_date
from mentoring.matches import accept_match, create_match
from mentoring.topics import tag
from storage.models import RelayedMessage, Youth
from tests import test_dashboard
from tests.conftest import COPENHAGEN, NOW
from tests.test_dashboard import Dashboard

dash = test_dashboard.dash  # the dashboard over real HTTP, on both databases


async def test_pair_shows_topics_and_the_count_of_messages_not_their_text(dash: Dashboard) -> None:
    await dash.login()
    async with dash.runtime.transaction() as s:
        youth = await s.get(Youth, dash.data.sara)
        assert youth is not None
        youth.topics = ["job_search", "social_skills", "everyday"]
        match = await create_match(s, dash.data.sara, dash.data.henrik, now=NOW, tz=COPENHAGEN)
        await accept_match(s, match.id, now=NOW, today=local_date(NOW, COPENHAGEN), tz=COPENHAGEN)
        await tag(s, match.id, ["job_search"], by=dash.data.sara, now=NOW)
        for sender in (dash.data.sara, dash.data.henrik, dash.data.sara):
            s.add(RelayedMessage(match_id=match.id, sender_id=sender, sent_at=NOW))
        match_id = match.id
    listing = await (await dash.client.get("/pairs")).text()
    assert "emner: 1 talt om, 3 ønsket · 3 beskeder videresendt" in " ".join(listing.split())
    page = " ".join((await (await dash.client.get(f"/pairs/{match_id}")).text()).split())
    wished = "Jobsøgning, Sociale færdigheder, Hverdagens udfordringer"
    assert f"<dt>Vil have hjælp til</dt><dd>{wished}</dd>" in page
    assert "<dt>Talt om</dt><dd>Jobsøgning</dd>" in page
    assert "<dt>Beskeder videresendt (BESKED)</dt><dd>3</dd>" in page

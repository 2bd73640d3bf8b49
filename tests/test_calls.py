"""The coordinator logs calls from the overview's call list (and the pair page): each line says
why the pair is due, and the list empties as the calls are logged."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from core.clock import local_date
from mentoring import pair_actions
from mentoring.checkin_answers import answer_row
from mentoring.digest import load_digest, load_week_in_full
from mentoring.digest_model import Digest, iso_week
from mentoring.matches import accept_match, create_match
from storage.models import AuditEntry, Match, Note
from storage.queries import CALL_ACTION
from tests import test_dashboard
from tests.conftest import COPENHAGEN, NOW
from tests.test_dashboard import Dashboard

dash = test_dashboard.dash  # the dashboard over real HTTP, on both databases

CALL_LINE = re.compile(r'<li id="call-(\d+)">\s*<p><a [^>]*>([^<]*)</a>:\s*(.*?)</p>', re.S)


async def _pair(dash: Dashboard, youth: int, mentor: int, accepted: datetime) -> int:
    async with dash.runtime.transaction() as s:
        match = await create_match(s, youth, mentor, now=accepted, tz=COPENHAGEN)
        await accept_match(
            s, match.id, now=accepted, today=local_date(accepted, COPENHAGEN), tz=COPENHAGEN
        )
        return match.id


async def _call_list(dash: Dashboard) -> dict[int, str]:
    """The overview's call list: pair id -> its line (who to call, and why)."""
    page = await (await dash.client.get("/")).text()
    return {int(i): " ".join(why.split()) for i, _, why in CALL_LINE.findall(page)}


async def _log(dash: Dashboard, match_id: int, side: str, note: str = "") -> str:
    return await dash.post(f"/pairs/{match_id}/call", {"side": side, "note": note, "back": "/"})


async def test_call_list_says_why_and_empties_as_calls_are_logged(dash: Dashboard) -> None:
    await dash.login()
    # Sara and Henrik started 8 days ago: in the first month, a first call to each is due
    # from day 7. Omar and Lone started 40 days ago and were never called.
    new = await _pair(dash, dash.data.sara, dash.data.henrik, NOW - timedelta(days=8))
    old = await _pair(dash, dash.data.omar, dash.data.lone, NOW - timedelta(days=40))
    assert await _call_list(dash) == {
        new: "ring til begge (første måned: to opkald til hver)",
        old: "ring til begge (intet opkald i en måned)",
    }

    page = await _log(dash, new, "both", note="Sara har fået praktikplads i januar")
    assert "Opkaldet til begge er noteret." in page
    assert await _call_list(dash) == {old: "ring til begge (intet opkald i en måned)"}

    await _log(dash, old, "youth")
    assert await _call_list(dash) == {old: "ring til mentoren (intet opkald i en måned)"}
    page = await _log(dash, old, "mentor")
    assert await _call_list(dash) == {}
    assert "Ingen opkald lige nu." in page

    async with dash.runtime.sessions() as s:
        calls = (
            await s.execute(
                select(AuditEntry.entity_id, AuditEntry.details, AuditEntry.actor, AuditEntry.at)
                .where(AuditEntry.action == CALL_ACTION)
                .order_by(AuditEntry.id)
            )
        ).all()
        notes = (await s.scalars(select(Note))).all()
    actor = f"coordinator:{dash.data.coordinator_id}"
    assert [(c[0], c[1], c[2], c[3]) for c in calls] == [
        (new, {"side": "both"}, actor, NOW),
        (old, {"side": "youth"}, actor, NOW),
        (old, {"side": "mentor"}, actor, NOW),
    ]
    assert [(n.match_id, n.body, n.author_id) for n in notes] == [
        (new, "Sara har fået praktikplads i januar", dash.data.coordinator_id)
    ]


async def test_a_worrying_check_in_makes_that_side_due_a_call_until_one_is_logged(
    dash: Dashboard,
) -> None:
    await dash.login()
    pair = await _pair(dash, dash.data.sara, dash.data.henrik, NOW - timedelta(days=45))
    await _log(dash, pair, "both")  # called today: nobody due
    assert await _call_list(dash) == {}

    later = NOW + timedelta(hours=1)  # an hour after the call, Sara answers the check-in
    dash.runtime.clock = lambda: later  # type: ignore[method-assign]
    async with dash.runtime.transaction() as s:
        row = await answer_row(
            s, None, match_id=pair, person_id=dash.data.sara, kind="checkin", now=later
        )
        row.score = 2  # "it is not going well"
    line = {pair: "ring til den unge (et bekymrende svar i et check-in siden sidste opkald)"}
    assert await _call_list(dash) == line
    async with dash.runtime.sessions() as s:  # the full-facts digest (the report) agrees
        _, full = await load_week_in_full(
            s, (await s.get(Match, pair)).programme_id,  # type: ignore[union-attr]
            iso_week(later.date()), later, COPENHAGEN,
        )  # fmt: skip
    assert [(c.pair.match_id, c.detail, c.why) for c in full.calls_due] == [
        (pair, "youth", "worrying_checkin")
    ]

    await _log(dash, pair, "youth")
    assert await _call_list(dash) == {}


async def test_a_paused_pair_is_neither_due_a_call_nor_at_risk(dash: Dashboard) -> None:
    """Both pairs started 40 days ago and never met nor were called: each is due a call and at
    risk (no meeting for 40 days). Paused, Sara and Henrik leave both lists, on the overview and
    in the full-facts digest (the report); resumed, they are back."""
    await dash.login()
    paused = await _pair(dash, dash.data.sara, dash.data.henrik, NOW - timedelta(days=40))
    going = await _pair(dash, dash.data.omar, dash.data.lone, NOW - timedelta(days=40))
    line = "ring til begge (intet opkald i en måned)"
    assert await _call_list(dash) == {paused: line, going: line}
    assert await _at_risk(dash) == ["Omar & Lone", "Sara & Henrik"]

    await dash.post(f"/pairs/{paused}/pause", {}, page=f"/pairs/{paused}")
    assert await _call_list(dash) == {going: line}
    assert await _at_risk(dash) == ["Omar & Lone"]
    page = await (await dash.client.get("/")).text()
    assert re.search(r'<span class="big">1</span>\s*par i risiko', page)
    async with dash.runtime.sessions() as s:
        _, full = await load_week_in_full(
            s, (await s.get(Match, going)).programme_id,  # type: ignore[union-attr]
            iso_week(NOW.date()), NOW, COPENHAGEN,
        )  # fmt: skip
    assert [c.pair.match_id for c in full.calls_due] == [going]
    assert [r.pair.match_id for r in full.at_risk] == [going]

    await dash.post(f"/pairs/{paused}/resume", {}, page=f"/pairs/{paused}")
    assert await _call_list(dash) == {paused: line, going: line}
    assert await _at_risk(dash) == ["Omar & Lone", "Sara & Henrik"]


async def _at_risk(dash: Dashboard) -> list[str]:
    """The overview's "pairs at risk" list: the pairs named, in name order."""
    page = await (await dash.client.get("/")).text()
    if "<h3>Par i risiko</h3>" not in page:
        return []
    section = page.split("<h3>Par i risiko</h3>", 1)[1].split("</ul>", 1)[0]
    names = re.findall(r"<strong>([^<]*)</strong>", section)
    return sorted(n.replace("&amp;", "&") for n in names)


async def test_a_call_to_another_pair_does_not_answer_a_worrying_check_in(
    dash: Dashboard,
) -> None:
    await dash.login()
    sara = await _pair(dash, dash.data.sara, dash.data.henrik, NOW - timedelta(days=45))
    omar = await _pair(dash, dash.data.omar, dash.data.lone, NOW - timedelta(days=45))
    for pair in (sara, omar):
        await _log(dash, pair, "both")  # called today: nobody due
    later = NOW + timedelta(hours=1)  # an hour after the calls, Sara answers the check-in
    dash.runtime.clock = lambda: later  # type: ignore[method-assign]
    async with dash.runtime.transaction() as s:
        row = await answer_row(
            s, None, match_id=sara, person_id=dash.data.sara, kind="checkin", now=later
        )
        row.score = 2  # "it is not going well"
    # Another hour later the coordinator calls Omar, the youth of the other pair: Sara's
    # worrying answer is still unanswered by a call to her.
    dash.runtime.clock = lambda: later + timedelta(hours=1)  # type: ignore[method-assign]
    await _log(dash, omar, "youth")
    assert await _call_list(dash) == {
        sara: "ring til den unge (et bekymrende svar i et check-in siden sidste opkald)"
    }


async def test_last_weeks_digest_knows_a_pair_was_paused_then(dash: Dashboard) -> None:
    """Sara and Henrik (started 40 days ago, never met nor called) were paused on Monday 16
    November and resumed on Tuesday 24 November. Last week's digest (as of Sunday 22 November,
    the pause running) leaves them out of the call and at-risk lists; this week's (as of
    Thursday 26 November, resumed) lists them: both the weekly digest and the full report."""
    await dash.login()
    pair = await _pair(dash, dash.data.sara, dash.data.henrik, NOW - timedelta(days=40))
    other = await _pair(dash, dash.data.omar, dash.data.lone, NOW - timedelta(days=40))
    runtime = dash.runtime
    async with runtime.transaction() as s:
        await pair_actions.pause(
            s, runtime.renderer, pair, now=NOW - timedelta(days=10), actor="coordinator:1"
        )
    async with runtime.transaction() as s:
        await pair_actions.resume(
            s, runtime.renderer, pair, now=NOW - timedelta(days=2), tz=COPENHAGEN,
            actor="coordinator:1",
        )  # fmt: skip
        programme = (await s.get(Match, pair)).programme_id  # type: ignore[union-attr]

    def named(digest: Digest) -> tuple[list[int], list[int]]:
        calls = sorted(c.pair.match_id for c in digest.calls_due)
        return calls, sorted(r.pair.match_id for r in digest.at_risk)

    for week, expected in (
        ("2026-W47", ([other], [other])),
        ("2026-W48", (sorted([pair, other]), sorted([pair, other]))),
    ):
        async with runtime.sessions() as s:
            weekly = await load_digest(s, programme, week, NOW, COPENHAGEN)
            _, full = await load_week_in_full(s, programme, week, NOW, COPENHAGEN)
        assert named(weekly) == expected, week
        assert named(full) == expected, week

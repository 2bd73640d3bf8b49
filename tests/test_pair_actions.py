"""Pause, resume, extend and close a pair from its page, with the consequences a coordinator
and the pair notice: both are told, the follow-ups wait or move, the target keeps the original
term; after an early end the youth can be matched again with any mentor with room."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.clock import local_date
from core.statuses import FollowUpState, MatchStatus
from mentoring.matches import accept_match, create_match
from mentoring.meetings import mark_held, propose_meeting
from storage.models import AuditEntry, FollowUp, Match, OutboxMessage, Youth
from tests import test_dashboard
from tests.conftest import COPENHAGEN, NOW
from tests.test_dashboard import Dashboard

dash = test_dashboard.dash  # the dashboard over real HTTP, on both databases


async def _pair(dash: Dashboard, days_ago: int = 20) -> int:
    started = NOW - timedelta(days=days_ago)
    async with dash.runtime.transaction() as s:
        match = await create_match(s, dash.data.sara, dash.data.henrik, now=started, tz=COPENHAGEN)
        await accept_match(
            s, match.id, now=started, today=local_date(started, COPENHAGEN), tz=COPENHAGEN
        )
        return match.id


async def _told(dash: Dashboard, template: str) -> list[int | None]:
    async with dash.runtime.sessions() as s:
        return list(
            await s.scalars(
                select(OutboxMessage.person_id)
                .where(OutboxMessage.template == template)
                .order_by(OutboxMessage.person_id)
            )
        )


async def _states(dash: Dashboard, pair: int) -> dict[str, FollowUpState]:
    async with dash.runtime.sessions() as s:
        rows = await s.scalars(select(FollowUp).where(FollowUp.match_id == pair))
        return {f.key: f.state for f in rows}


async def test_pausing_holds_the_follow_ups_and_resuming_plans_them_again(
    dash: Dashboard,
) -> None:
    await dash.login()
    pair = await _pair(dash)
    where = f"/pairs/{pair}"
    pending = {k for k, v in (await _states(dash, pair)).items() if v == FollowUpState.PENDING}
    assert pending  # the check-in, the closure, the survey, the no-meeting check ...

    page = await dash.post(f"{where}/pause", {}, page=where)
    assert "Parret er sat på pause" in page
    states = await _states(dash, pair)
    assert {k for k, v in states.items() if v == FollowUpState.HELD} == pending
    assert await _told(dash, "pair_paused") == sorted([dash.data.sara, dash.data.henrik])

    await dash.post(f"{where}/resume", {}, page=where)
    states = await _states(dash, pair)
    assert not [k for k, v in states.items() if v == FollowUpState.HELD]
    assert pending <= {k for k, v in states.items() if v == FollowUpState.PENDING}
    # The no-meeting clock restarts today (26 November).
    assert f"no_meeting:{pair}:2026-11-26" in states
    assert await _told(dash, "pair_resumed") == sorted([dash.data.sara, dash.data.henrik])
    async with dash.runtime.sessions() as s:
        match = await s.get(Match, pair)
        actions = list(
            await s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "match", AuditEntry.entity_id == pair)
                .order_by(AuditEntry.id)
            )
        )
    assert match is not None and match.paused_at is None
    assert actions == ["pair.paused", "pair.resumed"]


async def test_follow_ups_planned_while_paused_wait_with_the_others(dash: Dashboard) -> None:
    """A meeting reported held or a new meeting put in while the pair is paused plans new
    follow-ups (the no-meeting clock, reminders, "was it held?"): they wait like the rest and go
    out only after the pair is resumed."""
    await dash.login()
    pair = await _pair(dash)
    met = NOW - timedelta(days=1)  # Wednesday 25 November, proposed three days before
    async with dash.runtime.transaction() as s:
        earlier = await propose_meeting(
            s, pair, dash.data.sara, met, "Café", now=NOW - timedelta(days=3), tz=COPENHAGEN
        )
        earlier_id = earlier.id
    where = f"/pairs/{pair}"
    await dash.post(f"{where}/pause", {}, page=where)
    async with dash.runtime.transaction() as s:
        await mark_held(s, earlier_id, True, now=NOW, tz=COPENHAGEN)  # the mentor reports it
        ahead = await propose_meeting(
            s, pair, dash.data.henrik, NOW + timedelta(days=4), "", now=NOW, tz=COPENHAGEN
        )
        ahead_id = ahead.id
    states = await _states(dash, pair)
    planned_while_paused = {
        f"no_meeting:{pair}:2026-11-25",  # the clock restarts at the meeting held
        f"no_meeting:{pair}:2026-11-30",  # and at the one ahead (Monday 30 November)
        *(
            f"meeting_reminder:{ahead_id}:{label}:{person}"
            for label in ("24h", "2h")
            for person in (dash.data.sara, dash.data.henrik)
        ),
        *(f"meeting_held:{ahead_id}:{p}" for p in (dash.data.sara, dash.data.henrik)),
    }
    assert {k: states.get(k) for k in planned_while_paused} == dict.fromkeys(
        planned_while_paused, FollowUpState.HELD
    )
    assert [k for k, v in states.items() if v == FollowUpState.PENDING] == []

    await dash.post(f"{where}/resume", {}, page=where)
    states = await _states(dash, pair)
    assert {k: states[k] for k in planned_while_paused} == dict.fromkeys(
        planned_while_paused, FollowUpState.PENDING
    )


async def test_extending_moves_the_end_and_keeps_the_original_term(dash: Dashboard) -> None:
    await dash.login()
    pair = await _pair(dash)  # started 6 November: ends 6 February
    where = f"/pairs/{pair}"
    refused = await dash.post(f"{where}/extend", {"ends_on": "2027-01-10"}, page=where)
    assert 'role="alert"' in refused
    page = await dash.post(f"{where}/extend", {"ends_on": "2027-03-01"}, page=where)
    assert "Parret er forlænget til 01.03.2027" in page
    async with dash.runtime.sessions() as s:
        match = await s.get(Match, pair)
        closure = await s.scalar(
            select(FollowUp).where(FollowUp.key == f"closure:{pair}:{dash.data.sara}")
        )
        bodies = list(
            await s.scalars(
                select(OutboxMessage.body).where(OutboxMessage.template == "pair_extended")
            )
        )
    assert match is not None
    assert (str(match.original_ends_on), str(match.ends_on)) == ("2027-02-06", "2027-03-01")
    assert (
        closure is not None and local_date(closure.due_at, COPENHAGEN).isoformat() == "2027-03-01"
    )
    assert len(bodies) == 2 and all("1. marts" in (b or "") or "01.03" in (b or "") for b in bodies)


async def test_closing_early_tells_both_and_the_youth_can_be_matched_again(
    dash: Dashboard,
) -> None:
    await dash.login()
    pair = await _pair(dash)
    where = f"/pairs/{pair}"
    refused = await dash.post(f"{where}/close", {"reason": "completed"}, page=where)
    assert 'role="alert"' in refused  # completed only from the end date
    await dash.post(f"{where}/close", {"reason": "mentor_stopped", "back": where}, page=where)
    async with dash.runtime.sessions() as s:
        match = await s.get(Match, pair)
        pending = await s.scalar(
            select(FollowUp.key).where(
                FollowUp.match_id == pair,
                FollowUp.state == FollowUpState.PENDING,
                FollowUp.kind != "outcome_survey",
            )
        )
    assert match is not None and (match.status, match.end_reason) == (
        MatchStatus.ENDED_EARLY,
        "mentor_stopped",
    )
    assert pending is None
    assert await _told(dash, "pair_closed") == sorted([dash.data.sara, dash.data.henrik])

    page = await dash.post(f"{where}/rematch", {}, page=where)
    assert "En mentor til Sara" in page  # on to the matching page
    async with dash.runtime.sessions() as s:
        youth = await s.get(Youth, dash.data.sara)
    assert youth is not None and youth.waiting_since is not None
    assert "Sara" in await (await dash.client.get("/youths")).text()


async def test_matching_page_offers_every_mentor_with_room_and_explains_the_chosen_one(
    dash: Dashboard,
) -> None:
    await dash.login()
    where = f"/youths/{dash.data.sara}/match"
    page = await (await dash.client.get(f"{where}?mentor={dash.data.lone}")).text()
    assert "2 godkendte mentorer med plads" in page  # Henrik and Lone; Peter is not approved
    assert "Vælg Henrik" in page and "Vælg Lone" in page and "Peter" not in page
    chosen = page[page.index('id="chosen"') : page.index('id="all"')]
    assert "Valgt: Lone" in chosen and "af 100" in chosen
    assert "anden branche: IT" in chosen  # Sara wants construction; Lone works in IT
    await dash.post(where, {"mentor_id": str(dash.data.lone), "via": "chosen"}, page=where)
    async with dash.runtime.sessions() as s:
        match = await s.scalar(select(Match))
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "match_created"))
    assert match is not None and (match.youth_id, match.mentor_id) == (
        dash.data.sara,
        dash.data.lone,
    )
    assert audit is not None and audit.details["via"] == "chosen"

"""Asking a person something whose answer the conversation engine (bot/) will handle.

A prompt sets the person's conversation state and queues the question, in one transaction. The
flow names and their data are the contract between the senders (follow-ups, matching, meetings)
and the flows in bot/ that read the answers:

  accept_match     {"match_id"}     mentor: accept (yes) or decline (no, then a reason)
  meeting_confirm  {"meeting_id"}   the other side: yes / no / a new proposal in free text
  meeting_held     {"meeting_id"}   after the meeting: was it held, then how many hours
  checkin          {"match_id"}     how is it going 1-5, then an optional comment
  closure          {"match_id"}     feedback 1-5, comment, and whether to extend
  outcome_survey   {"youth_id"}     where the youth stands now (outcome lookup codes)
  event_rsvp       {"guest_id"}     an invited mentor: coming to the event, yes or no
  confirm_consent  {}               a youth signed up by hand: yes to sharing with a mentor
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mentoring import outbound
from messaging.render import Renderer
from storage.models import ConversationState, OutboxMessage

FLOWS = (
    "accept_match",
    "meeting_confirm",
    "meeting_held",
    "checkin",
    "closure",
    "outcome_survey",
    "contact_later",
    "event_rsvp",
    "confirm_consent",
)


async def set_state(
    session: AsyncSession,
    person_id: int,
    flow: str | None,
    step: str | None,
    data: dict[str, Any],
    *,
    now: datetime,
) -> ConversationState:
    state = await session.get(ConversationState, person_id)
    if state is None:
        state = ConversationState(person_id=person_id)
        session.add(state)
    state.flow, state.step, state.data, state.misses = flow, step, dict(data), 0
    state.updated_at = now
    return state


async def ask(
    session: AsyncSession,
    renderer: Renderer,
    person_id: int,
    flow: str,
    data: dict[str, Any],
    template: str,
    context: dict[str, Any] | None = None,
    *,
    now: datetime,
    options: Sequence[outbound.Option] = (),
    step: str = "ask",
    not_before: datetime | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    if flow not in FLOWS:
        raise ValueError(f"unknown flow {flow}")
    await set_state(session, person_id, flow, step, data, now=now)
    return await outbound.say(
        session,
        renderer,
        person_id,
        template,
        context,
        options=options,
        not_before=not_before,
        dedupe_key=dedupe_key,
        awaiting_reply=True,
    )

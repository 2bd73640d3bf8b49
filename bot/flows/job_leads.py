"""JOB: a mentor registers an opening at their company or in their network in three questions
(kind, when, one line about it). It is kept as a job opening with origin "mentor" and status
`proposed`; the coordinator confirms it on the openings page, and only then does it count for
the job_openings target (mentoring/openings.py)."""

from __future__ import annotations

from bot.events import Option
from bot.turn import Turn, opt
from core.statuses import OpeningStatus, Role
from mentoring.openings import register_job_opening
from mentoring.people import mentor_by_id

FLOW = "job_lead"
KINDS = ("ordinary_job", "praktik", "laereplads", "fritidsjob", "smaajob", "loentilskud")
WHAT_MAX = 90  # the line about it, as the opening's title with the "when" after it


def _kinds() -> tuple[Option, ...]:
    return tuple(opt(f"k:{code}", "job_kind_label", code=code) for code in KINDS)


async def start(turn: Turn) -> bool:
    """Only an approved mentor with a company brings leads; False when JOB does not apply."""
    if turn.person.role != Role.MENTOR:
        return False
    turn.goto(FLOW, "kind", {})
    turn.say("job_lead_kind", _kinds())
    return True


async def handle(turn: Turn) -> None:
    step = turn.state.step
    if step == "kind":
        labels = [
            turn.runtime.renderer.message("job_kind_label", turn.person.language, code=c)
            for c in KINDS
        ]
        chosen = turn.pick(_kinds(), labels)
        if chosen is None:
            turn.miss("job_lead_kind", _kinds())
            return
        turn.set(kind=chosen[2:])
        turn.ask("when", "job_lead_when")
        return
    if not turn.text:
        turn.miss("job_lead_when" if step == "when" else "job_lead_what")
        return
    if step == "when":
        turn.set(when=turn.text[:28])
        turn.ask("what", "job_lead_what")
        return
    await _register(turn)


async def _register(turn: Turn) -> None:
    mentor = await mentor_by_id(turn.session, turn.person.id)
    data = dict(turn.data)
    turn.goto(None, None, {})
    if mentor is None or mentor.company_id is None:
        turn.say("job_lead_no_company")
        return
    title = f"{turn.text[:WHAT_MAX]} ({data['when']})"
    await register_job_opening(
        turn.session,
        mentor.company_id,
        data["kind"],
        turn.today,
        origin="mentor",
        mentor_id=mentor.person_id,
        title=title,
        status=OpeningStatus.PROPOSED,
    )
    turn.say("job_lead_thanks")

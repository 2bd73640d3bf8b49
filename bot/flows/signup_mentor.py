"""Mentor sign-up: by invitation (`/start <code>` made by the coordinator: approved at once when
the coordinator recorded a screening with the invitation) or open (pending the coordinator's
approval after screening). Name, company (optional CVR), role, industry, area,
capacity 1-3, languages, availability, then a summary to confirm."""

from __future__ import annotations

import re

from bot import parsing
from bot.events import Option
from bot.flows import summary_change
from bot.turn import Turn, opt, yes_no_options
from bot.understanding import answers
from mentoring.addresses import tidy_name
from mentoring.audit import record
from mentoring.companies import company_by_cvr, normalise_cvr, register_company
from mentoring.conversations import invitation_by_id
from mentoring.errors import DomainError
from mentoring.lookups import lookup
from mentoring.onboarding import welcome
from mentoring.people import MentorForm, approve_mentor, register_mentor
from mentoring.places import find_place, programme_places
from mentoring.rules import MENTOR_CAPACITY

FLOW = "signup_mentor"
STEPS = (
    "name",
    "company",
    "role",
    "industry",
    "area",
    "capacity",
    "languages",
    "availability",
    "confirm",
)
# The answers a mentor can change at the summary, in the order they were asked.
FIELDS = STEPS[:-1]
LANGUAGES = ("da", "en", "ar", "so", "uk", "tr", "de", "other")


async def start(turn: Turn, invitation_id: int | None) -> None:
    turn.goto(FLOW, "name", {"invitation_id": invitation_id})
    turn.say("mentor_welcome", invited=invitation_id is not None)
    await ask_step(turn, "name")


async def _industries(turn: Turn) -> tuple[Option, ...]:
    codes = await lookup(turn.session, "interest")
    return tuple(opt(f"i:{code}", "lookup_label", kind="interest", code=code) for code in codes)


def _capacities() -> tuple[Option, ...]:
    return tuple(opt(f"c:{n}", "label_number", number=n) for n in MENTOR_CAPACITY)


def _languages() -> tuple[Option, ...]:
    return (
        opt("l:da", "label_languages", codes=["da"]),
        opt("l:da,en", "label_languages", codes=["da", "en"]),
    )


async def ask_step(turn: Turn, step: str) -> None:
    if step == "industry":
        turn.ask(step, "mentor_industry", await _industries(turn))
    elif step == "capacity":
        turn.ask(step, "mentor_capacity", _capacities())
    elif step == "languages":
        turn.ask(step, "mentor_languages", _languages())
    elif step == "confirm":
        turn.ask(step, "mentor_summary", yes_no_options(), **turn.data)
    else:
        turn.ask(step, f"mentor_{step}")


async def _next(turn: Turn, step: str) -> None:
    """Ask the step after `step`, or the summary again when the mentor was changing one answer."""
    following = "confirm" if summary_change.fixing(turn) else STEPS[STEPS.index(step) + 1]
    if following == "confirm":
        turn.set(fixing=False)
    await ask_step(turn, following)


async def handle(turn: Turn) -> None:
    step = turn.state.step or "name"
    text = turn.text
    if step == "name":
        try:
            parts = tidy_name(text, 160).split(" ", 1)
        except DomainError:
            turn.miss("mentor_name")
            return
        turn.set(first_name=parts[0], last_name=parts[1] if len(parts) > 1 else None)
    elif step == "company":
        if not await _company_answer(turn):
            return
    elif step == "company_check":
        answer = turn.answer_yes_no()
        if answer is None:
            turn.miss("mentor_company_check", yes_no_options(), **turn.data)
            return
        if not answer:
            turn.set(cvr=None, registered=None)
            await ask_step(turn, "company")
            return
        turn.set(company=turn.data["registered"], registered=None)
        step = "company"
    elif step in ("role", "availability"):
        if not text or len(text) > 200:
            turn.miss(f"mentor_{step}")
            return
        turn.set(**{step: text})
    elif step == "industry":
        options = await _industries(turn)
        labels = [
            turn.runtime.renderer.message(
                "lookup_label", turn.person.language, kind="interest", code=o.key[2:]
            )
            for o in options
        ]
        chosen = turn.pick(options, labels)
        if chosen is None:  # "byggeri", "tømrer", "it": the youths' synonym list
            codes, _ = answers.interests(text, [o.key[2:] for o in options])
            chosen = f"i:{codes[0]}" if codes else None
        if chosen is None:
            turn.miss("mentor_industry", options)
            return
        turn.set(industry=chosen[2:])
    elif step == "area":
        own = await programme_places(turn.session, turn.person.programme_id)
        place = find_place(text, own)
        if place is None:
            turn.miss("mentor_area")
            return
        turn.set(postcode=place.postcode, area=place.town or None)
    elif step == "capacity":
        chosen = turn.pick(_capacities())
        if chosen is None:
            number = parsing.option_number(text, 3)
            chosen = f"c:{number + 1}" if number is not None else None
        if chosen is None:
            turn.miss("mentor_capacity", _capacities())
            return
        turn.set(capacity=int(chosen[2:]))
    elif step == "languages":
        await _languages_answer(turn)
        return
    elif step == "confirm":
        answer = turn.answer_yes_no()
        if answer is None:
            turn.miss("mentor_summary", yes_no_options(), **turn.data)
        elif answer:
            await _finish(turn)
        else:
            summary_change.ask(turn, FIELDS)
        return
    elif step == summary_change.STEP:
        await summary_change.answer(turn, FIELDS, ask_step)
        return
    await _next(turn, step)


_CVR = re.compile(
    r"(?:\bcvr[.:\s-]*(?:nr\.?|nummer)?[:\s-]*)?\b((?:dk)?\s?\d{2}\s?\d{2}\s?\d{2}\s?\d{2})\b", re.I
)


async def _company_answer(turn: Turn) -> bool:
    """The company's name without what is said about it ("JK Byg ApS, det er mit eget firma"),
    and its CVR number if given. A CVR we know under another name is asked about: the name
    and the number must agree before a youth is shown either."""
    text = turn.text
    found = _CVR.search(text)
    cvr = None
    if found:
        try:
            cvr = normalise_cvr(found.group(1))
        except DomainError:
            turn.miss("mentor_company_cvr")
            return False
        text = (text[: found.start()] + " " + text[found.end() :]).strip(" ,;:-")
    name = answers.company(text) if text else ""
    if not name or len(name) > 200:
        turn.miss("mentor_company")
        return False
    turn.set(company=name, cvr=cvr)
    if cvr is None:
        return True
    known = await company_by_cvr(turn.session, turn.person.programme_id, cvr)
    registered = known.name if known is not None else None
    if registered is not None and not answers.same_company(name, registered):
        turn.set(registered=registered)
        turn.ask("company_check", "mentor_company_check", yes_no_options(), **turn.data)
        return False
    return True


async def _languages_answer(turn: Turn) -> None:
    if turn.incoming.option and turn.incoming.option.startswith("l:"):
        codes = turn.incoming.option[2:].split(",")
    else:
        words = re.split(r"[\s,]+|\bog\b|\band\b", parsing.normalise(turn.text))
        names = {
            "dansk": "da",
            "danish": "da",
            "da": "da",
            "engelsk": "en",
            "english": "en",
            "en": "en",
            "arabisk": "ar",
            "arabic": "ar",
            "somali": "so",
            "ukrainsk": "uk",
            "ukrainian": "uk",
            "tyrkisk": "tr",
            "turkish": "tr",
            "tysk": "de",
            "german": "de",
            "1": "da",
        }
        codes = []
        for word in filter(None, words):
            code = names.get(word, "other")
            if code not in codes:
                codes.append(code)
        if parsing.option_number(turn.text, 2) == 1:
            codes = ["da", "en"]
    if not codes:
        turn.miss("mentor_languages", _languages())
        return
    turn.set(languages=codes)
    await _next(turn, "languages")


async def _finish(turn: Turn) -> None:
    data = turn.data
    programme_id = turn.person.programme_id
    company = None
    if data.get("cvr"):
        company = await company_by_cvr(turn.session, programme_id, data["cvr"])
    if company is None:
        company = await register_company(
            turn.session,
            programme_id,
            data["company"],
            cvr=data.get("cvr"),
            industry=data.get("industry"),
            source="mentor",
            first_contact_on=turn.today,
        )
    invitation = None
    if data.get("invitation_id"):
        invitation = await invitation_by_id(turn.session, int(data["invitation_id"]))
    form = MentorForm(
        first_name=data["first_name"],
        last_name=data.get("last_name"),
        company_id=company.id,
        role_title=data.get("role"),
        industry=data.get("industry"),
        capacity=int(data.get("capacity", 1)),
        languages=list(data.get("languages") or ["da"]),
        postcode=data.get("postcode"),
        area=data.get("area"),
        availability=data.get("availability"),
        language=turn.person.language,
    )
    person = await register_mentor(turn.session, programme_id, form, person=turn.person)
    approved = False
    if invitation is not None:
        invitation.used_by, invitation.used_at = person.id, turn.now
        if invitation.checks and invitation.checked_on is not None:  # screened before inviting
            checks = [(kind, invitation.checked_on) for kind in invitation.checks]
            await approve_mentor(
                turn.session, person.id, invitation.created_by, checks, now=turn.now
            )
            approved = True
            runtime = turn.runtime  # the role's introduction by e-mail; mentor_done says the rest
            await welcome(
                turn.session,
                runtime.renderer,
                runtime.settings,
                person.id,
                now=turn.now,
                tell=False,
            )
    await record(
        turn.session,
        f"person:{person.id}",
        "mentor_signed_up",
        "person",
        person.id,
        invited=invitation is not None,
    )
    turn.goto(None, None, {})
    turn.say("mentor_done", first_name=person.first_name, approved=approved)

"""Youth sign-up in at most 10 answers: consent, name, age, situation, more than a year out of
work (out of work only: 18-29, so no guardian question), interests, what they want help with
(topics), area, other contact (optional), guardian (under 18 only), summary. The answers live in
the conversation state until the summary is confirmed; then mentoring.people.register_youth
stores them."""

from __future__ import annotations

import secrets

from bot import parsing
from bot.events import Option
from bot.flows import summary_change, topics
from bot.turn import Turn, opt, yes_no_options
from bot.understanding import answers
from mentoring import contacts, guardians, inbox, outbound
from mentoring.addresses import normalise_email, normalise_phone, tidy_name
from mentoring.audit import record
from mentoring.coordinators import coordinator_name
from mentoring.errors import DomainError
from mentoring.lookups import lookup
from mentoring.people import (
    MAX_AGE,
    MIN_AGE,
    SHARE_CONSENT,
    YouthForm,
    add_contact,
    check_postcode,
    record_consent,
    register_youth,
    youth_by_id,
)
from mentoring.places import find_place, programme_places

FLOW = "signup_youth"
NONE_OF_THESE = "sit:none"
UNEMPLOYED = "unemployed"  # the situation whose youths are asked the one-year question
# The answers a youth can change at the summary, in the order they were asked.
FIELDS = ("name", "age", "situation", "interests", "topics", "area", "guardian")
CONSENT_VERSION = "2026-11"


async def start(turn: Turn) -> None:
    turn.goto(FLOW, "consent", {})
    turn.say("signup_welcome", channel_name=turn.incoming.channel)
    await ask_step(turn, "consent")


async def _situations(turn: Turn) -> tuple[Option, ...]:
    """The situations that fit the youth's age, and "none of these" (to the coordinator)."""
    age = int(turn.data.get("age", 0))
    codes = await lookup(turn.session, "situation")
    fitting = tuple(
        opt(f"sit:{code}", "lookup_label", kind="situation", code=code)
        for code, attrs in codes.items()
        if attrs.get("min_age", MIN_AGE) <= age <= attrs.get("max_age", MAX_AGE)
    )
    return (*fitting, opt(NONE_OF_THESE, "label_none_of_these"))


async def _interests(turn: Turn) -> tuple[Option, ...]:
    codes = await lookup(turn.session, "interest")
    return tuple(opt(f"i:{code}", "lookup_label", kind="interest", code=code) for code in codes)


async def ask_step(turn: Turn, step: str) -> None:
    """Ask the question of `step` (also used to repeat it after a side trip)."""
    if step == "consent":
        turn.ask(step, "signup_consent", yes_no_options())
    elif step == "name":
        turn.ask(step, "signup_name")
    elif step == "age":
        turn.ask(step, "signup_age", first_name=turn.data.get("first_name"))
    elif step == "situation":
        turn.ask(step, "signup_situation", await _situations(turn))
    elif step == "one_year":
        turn.ask(step, "signup_one_year", _one_year_options())
    elif step == "interests":
        turn.ask(step, "signup_interests", await _interests(turn))
    elif step == "topics":
        topics.ask(turn)
    elif step == "area":
        turn.ask(step, "signup_area")
    elif step == "contact":
        turn.ask(step, "signup_contact", (opt("skip", "label_skip"),))
    elif step == "code":
        turn.ask(step, "signup_code")
    elif step == "guardian":
        turn.ask(step, "signup_guardian")
    elif step == "confirm":
        turn.ask(step, "signup_summary", yes_no_options(), **turn.data)


async def _next_after_area(turn: Turn) -> None:
    if turn.incoming.channel == "sms":
        turn.set(phone=turn.incoming.address)
        await _next_after_contact(turn)
    else:
        await ask_step(turn, "contact")


async def _next_after_contact(turn: Turn) -> None:
    if int(turn.data["age"]) < 18:
        await ask_step(turn, "guardian")
    else:
        await ask_step(turn, "confirm")


async def handle(turn: Turn) -> None:
    step = turn.state.step or "consent"
    data = turn.data
    if step == "consent":
        answer = turn.answer_yes_no()
        if answer is None:
            turn.miss("signup_consent_again", yes_no_options())
        elif answer:
            await record_consent(
                turn.session, turn.person.id, SHARE_CONSENT, CONSENT_VERSION, turn.incoming.channel
            )
            await ask_step(turn, "name")
        else:
            turn.say("signup_consent_needed", yes_no_options())
    elif step == "name":
        if turn.asks_back():  # "hvorfor skal I vide det?" was kept as her name
            turn.say("signup_name_why")
            return
        said, age = answers.name_and_age(turn.text)
        try:
            first_name = tidy_name(said)
        except DomainError:
            turn.miss("signup_name_again")
            return
        turn.set(first_name=first_name)
        if age is not None and MIN_AGE <= age <= MAX_AGE and not summary_change.fixing(turn):
            turn.set(age=age, birth_year=turn.today.year - age)  # "jeg hedder Mikkel og er 17"
            await _next(turn, "situation")
            return
        await _next(turn, "age")
    elif step == "age":
        age = parsing.age(turn.text)
        if age is None:
            turn.miss("signup_age_again")
        elif not MIN_AGE <= age <= MAX_AGE:
            turn.say("signup_age_outside", age=age, min=MIN_AGE, max=MAX_AGE)
            turn.goto(None, "closed", {})
        else:
            turn.set(age=age, birth_year=turn.today.year - age)
            await _next(turn, "situation")
    elif step == "situation":
        await _situation_answer(turn)
    elif step == "situation_other":
        await _situation_other(turn)
    elif step == summary_change.STEP:
        await summary_change.answer(turn, _changeable(turn), ask_step)
    elif step == "waiting":
        turn.say("signup_situation_sent", coordinator=await coordinator_name(turn.session))
    elif step == "one_year":
        await _one_year_answer(turn)
    elif step == "interests":
        await _interests_answer(turn)
    elif step in ("topics", "topics_other"):
        await topics.answer(turn, lambda t: _next(t, "area"))
    elif step == "area":
        own = await programme_places(turn.session, turn.person.programme_id)
        place = find_place(turn.text, own)
        try:
            postcode = check_postcode(place.postcode) if place else None
        except DomainError:
            place = None
        if place is None:
            turn.miss("signup_area_again")
            return
        turn.set(postcode=postcode, area=place.town or None)
        if summary_change.fixing(turn):
            await _next(turn, "confirm")
        else:
            await _next_after_area(turn)
    elif step == "contact":
        await _contact_answer(turn)
    elif step == "code":
        if parsing.verification_code(turn.text) == data.get("code"):
            if phone := data.get("phone"):
                await contacts.mark_verified(turn.session, "sms", phone)
            turn.set(code=None, phone_verified=True)
            turn.say("signup_code_ok")
            await _next_after_contact(turn)
        elif parsing.is_skip(turn.text) or turn.incoming.option == "skip":
            await _drop_phone(turn)
            await _next_after_contact(turn)
        else:
            turn.miss("signup_code_again", (opt("skip", "label_skip"),))
    elif step == "guardian":
        try:
            guardian = _guardian(turn.text)
        except DomainError as err:
            turn.miss("signup_guardian_again", problem=err.key)
            return
        turn.set(**guardian)
        if guardian["guardian_name"] is None:  # "min mor 22334455": only the name is missing
            relation = guardian["guardian_relation"]
            turn.ask("guardian_name", "signup_guardian_name", relation=relation)
            return
        await _next(turn, "confirm")
    elif step == "guardian_name":
        try:
            turn.set(guardian_name=tidy_name(answers.guardian(turn.text).name or "", 120))
        except DomainError:
            turn.miss("signup_guardian_name", relation=data.get("guardian_relation"))
            return
        await _next(turn, "confirm")
    elif step == "confirm":
        answer = turn.answer_yes_no()
        if answer is None:
            turn.miss("signup_summary", yes_no_options(), **data)
        elif answer:
            await _finish(turn)
        else:
            summary_change.ask(turn, _changeable(turn))
    else:
        turn.say("signup_closed")


def _guardian(text: str) -> dict[str, str | None]:
    """'min mor lone, 22 33 44 55' -> relation, name and one way to reach them, apart; the name
    None when a relation stands in for it ('min mor 22334455': the name is asked for next);
    DomainError (invalid_name, invalid_phone, invalid_email) when it cannot be read."""
    said = answers.guardian(text)
    if "@" in text and said.email is None:
        raise DomainError("invalid_email")
    if said.name is None and said.relation is None:
        raise DomainError("invalid_name")
    if said.email is None and said.phone is None:
        raise DomainError("invalid_phone")
    return {
        "guardian_name": tidy_name(said.name, 120) if said.name else None,
        "guardian_relation": said.relation,
        "guardian_phone": normalise_phone(said.phone) if said.phone else None,
        "guardian_email": normalise_email(said.email) if said.email else None,
    }


async def _interests_answer(turn: Turn) -> None:
    options = await _interests(turn)
    codes = [o.key[2:] for o in options]
    renderer, language = turn.runtime.renderer, turn.person.language
    labels = [renderer.message("lookup_label", language, kind="interest", code=c) for c in codes]
    chosen: list[str] = []
    free: str | None = None
    if turn.incoming.option and turn.incoming.option.startswith("i:"):
        if turn.incoming.option[2:] in codes:
            chosen = [turn.incoming.option[2:]]
    elif parsing.is_skip(turn.text):  # "ved ikke", "vet ikke", "aner det ikke": none yet
        turn.set(interests=[], interests_text=None)
        await _next(turn, "topics")
        return
    else:
        lowered = [parsing.normalise(label) for label in labels]
        whole = parsing.normalise(turn.text)
        if whole in lowered:  # an option's label typed out ("IT og computere")
            chosen = [codes[lowered.index(whole)]]
        else:
            chosen, free = answers.interests(turn.text, codes)
    if (not chosen and not free) or (not chosen and turn.asks_back()):
        turn.miss("signup_interests", options)
        return
    turn.set(interests=chosen, interests_text=free)
    await _next(turn, "topics")


async def _next(turn: Turn, step: str) -> None:
    """Ask `step`, or go back to the summary when the youth was changing one answer."""
    if (summary_change.fixing(turn) and step != "guardian") or step == "confirm":
        turn.set(fixing=False)
        await ask_step(turn, "confirm")
    else:
        await ask_step(turn, step)


async def _situation_answer(turn: Turn) -> None:
    options = await _situations(turn)
    labels = [
        turn.runtime.renderer.message(
            "lookup_label", turn.person.language, kind="situation", code=o.key[4:]
        )
        for o in options[:-1]
    ] + [turn.runtime.renderer.message("label_none_of_these", turn.person.language)]
    chosen = turn.pick(options, labels)
    if chosen is None and answers.none_of_these(turn.text):
        chosen = NONE_OF_THESE
    if chosen is None:
        codes = [o.key[4:] for o in options[:-1]]
        said = answers.situation(turn.text, [*codes, "none"])
        chosen = f"sit:{said}" if said else None
    if chosen is None:
        turn.miss("signup_situation", options)
        return
    if chosen == NONE_OF_THESE:
        turn.ask("situation_other", "signup_situation_other")
        return
    turn.set(situation=chosen[4:])
    await _next(turn, "one_year" if chosen[4:] == UNEMPLOYED else "interests")


async def _one_year_answer(turn: Turn) -> None:
    """Out of job and education more than a year in a row: yes, no, or "don't know" (left
    unset; the coordinator can set it). The youth's own words, never the jobcenter's case."""
    options = _one_year_options()
    labels = [
        turn.runtime.renderer.message(o.label_template, turn.person.language) for o in options
    ]
    chosen = turn.pick(options, labels)
    answer = turn.answer_yes_no() if chosen is None else {"yes": True, "no": False}.get(chosen)
    if chosen is None and answer is None and not parsing.is_skip(turn.text):
        turn.miss("signup_one_year", options)
        return
    turn.set(unemployed_over_year=answer)
    await _next(turn, "interests")


def _one_year_options() -> tuple[Option, ...]:
    return (*yes_no_options(), opt("skip", "label_dont_know"))


async def _situation_other(turn: Turn) -> None:
    """None of the situations fit: the coordinator reads the youth's own words and decides,
    rather than the question going round again."""
    if not turn.text:
        turn.miss("signup_situation_other")
        return
    await inbox.put(
        turn.session, turn.person, inbox.Kind.SIGNUP_SITUATION, now=turn.now, body=turn.text
    )
    turn.set(situation_text=turn.text[:500])
    turn.goto(FLOW, "waiting", turn.data)
    turn.say("signup_situation_sent", coordinator=await coordinator_name(turn.session))


def _changeable(turn: Turn) -> list[str]:
    return [f for f in FIELDS if f != "guardian" or int(turn.data.get("age", 99)) < 18]


async def _drop_phone(turn: Turn) -> None:
    if phone := turn.data.get("phone"):
        await contacts.drop_unverified(turn.session, "sms", phone)
    turn.set(phone=None, code=None)


async def _contact_answer(turn: Turn) -> None:
    if turn.incoming.option == "skip" or parsing.is_skip(turn.text):
        await _next_after_contact(turn)
        return
    said = turn.text
    try:
        if "@" in said:
            email = normalise_email(said)
            await add_contact(turn.session, turn.person, "email", email, verified=False)
            turn.set(email=email)
            await _next_after_contact(turn)
            return
        phone = normalise_phone(said)
    except DomainError as err:
        turn.miss("signup_contact_again", (opt("skip", "label_skip"),), problem=err.key)
        return
    await add_contact(turn.session, turn.person, "sms", phone, verified=False)
    code = f"{secrets.randbelow(10_000):04d}"
    turn.set(phone=phone, code=code)
    # The only message an unverified SMS number may receive (the SMS dispatcher enforces it).
    await outbound.say_at(
        turn.session,
        turn.runtime.renderer,
        channel="sms",
        address=phone,
        template="verify_code",
        context={"code": code},
        person=turn.person,
        dedupe_key=f"verify:{turn.person.id}:{phone}:{code}",
    )
    await ask_step(turn, "code")


async def _finish(turn: Turn) -> None:
    data = turn.data
    form = YouthForm(
        first_name=data["first_name"],
        birth_year=int(data["birth_year"]),
        situation=data["situation"],
        interests=list(data.get("interests") or []),
        interests_text=data.get("interests_text"),
        topics=list(data.get("topics") or []),
        topics_text=data.get("topics_text"),
        postcode=data.get("postcode"),
        area=data.get("area"),
        email=data.get("email"),
        language=turn.person.language,
        guardian_name=data.get("guardian_name"),
        guardian_relation=data.get("guardian_relation"),
        guardian_phone=data.get("guardian_phone"),
        guardian_email=data.get("guardian_email"),
        unemployed_over_year=data.get("unemployed_over_year"),
    )
    person = await register_youth(
        turn.session, turn.person.programme_id, form, now=turn.now, person=turn.person
    )
    youth = await youth_by_id(turn.session, person.id)
    if youth is not None:
        runtime = turn.runtime
        await guardians.inform(
            turn.session, runtime.renderer, runtime.settings, person, youth, now=turn.now
        )
    await record(turn.session, f"person:{person.id}", "youth_signed_up", "person", person.id)
    turn.goto(None, None, {})
    turn.say("signup_done", first_name=person.first_name)

"""The misreadings found by trying the conversation as its people would (issue 17's numbered
findings), each replayed through the engine as a person types it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from mentoring.companies import register_company
from mentoring.coordinators import add_coordinator
from mentoring.places import Place, find_place, parse_local
from storage.models import (
    Company,
    ContactPoint,
    HoursReport,
    InboxItem,
    Match,
    Meeting,
    Mentor,
    Youth,
)
from tests.conftest import NOW
from tests.factories import active_pair, programme
from tests.fakes.chat import Chat
from tests.runtime import make_runtime


@pytest.fixture
def runtime(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Runtime:
    return make_runtime(engine, NOW, sessions)


async def _pair(runtime: Runtime, channel: str = "web") -> tuple[Chat, Chat]:
    """Sara (youth) and Henrik (mentor), matched and active, on `channel`."""
    youth_address, mentor_address = ("+4520000001", "+4520000002") if channel == "sms" else "ym"
    async with runtime.sessions() as session, session.begin():
        y, m, _ = await active_pair(session, NOW)
        session.add(ContactPoint(person_id=y.id, channel=channel, address=youth_address))
        session.add(ContactPoint(person_id=m.id, channel=channel, address=mentor_address))
    return (
        Chat(runtime, channel=channel, address=youth_address),
        Chat(runtime, channel=channel, address=mentor_address),
    )


async def _meetings(runtime: Runtime) -> list[Meeting]:
    async with runtime.sessions() as session:
        return list(await session.scalars(select(Meeting).order_by(Meeting.id)))


# Finding 1: the day asked for stays when the time comes in the next text.
@pytest.mark.parametrize(
    ("day_text", "time_text", "expected"),
    [
        ("møde onsdag", "15.00", "onsdag d. 2. december kl. 15.00"),
        ("møde mandag", "kl 14", "mandag d. 30. november kl. 14.00"),
        ("møde tirsdag", "15", "tirsdag d. 1. december kl. 15.00"),
        ("møde fre", "halv fire", "fredag d. 27. november kl. 15.30"),
    ],
)
async def test_a_day_then_a_time_books_that_day_and_asks_the_place(
    runtime: Runtime, day_text: str, time_text: str, expected: str
) -> None:
    youth_chat, mentor_chat = await _pair(runtime)
    asked = await mentor_chat.text(day_text)
    assert "Hvad tid" in asked and expected.split(" kl.")[0] in asked
    assert "Hvor skal I mødes?" in await mentor_chat.text(time_text)
    proposed = await mentor_chat.text("på kontoret")
    assert f"Du har foreslået et møde {expected} på kontoret" in proposed
    assert f"Henrik foreslår et møde {expected} på kontoret" in await youth_chat.text()


# Finding 2: a counter-proposal is read the right way round, read back, and only then sent.
async def test_a_counter_proposal_is_read_back_before_the_partner_sees_it(
    runtime: Runtime,
) -> None:
    youth_chat, mentor_chat = await _pair(runtime)
    await youth_chat.send("MØDE tirsdag 15.00 på biblioteket")
    await mentor_chat.replies()
    readback = await mentor_chat.text("tirsdag passer ikke så godt, kan du onsdag kl 16?")
    assert "Skal jeg foreslå Sara et møde onsdag d. 2. december kl. 16.00" in readback
    assert "passer" not in readback.split("?")[0]
    assert await youth_chat.text() == ""  # nothing reaches Sara before Henrik said yes
    assert "onsdag d. 2. december kl. 16.00 på biblioteket" in await mentor_chat.text("ja")
    told = await youth_chat.text()
    assert "Henrik foreslår et møde onsdag d. 2. december kl. 16.00 på biblioteket" in told
    [meeting] = await _meetings(runtime)
    assert meeting.place == "biblioteket"


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("MØDE tirsdag efter skole kl 15", None),
        ("MØDE hos jens firma tirsdag kl 15?.", "hos jens firma"),  # read back "hos", not "på"
        ("møde tirsdag kl 15 hvis det passer?", None),
    ],
)
async def test_a_place_is_only_what_was_given_as_a_place(
    runtime: Runtime, text: str, place: str | None
) -> None:
    youth_chat, _ = await _pair(runtime)
    first = await youth_chat.text(text)
    if place is None:
        assert "Hvor skal I mødes?" in first
        await youth_chat.send("spring over")
    [meeting] = await _meetings(runtime)
    assert meeting.place == place


async def test_choosing_skip_by_number_on_sms_gives_no_place(runtime: Runtime) -> None:
    youth_sms, mentor_sms = await _pair(runtime, "sms")
    where = await youth_sms.text("MØDE tirsdag 15.00")
    assert "1: Spring over" in where
    assert "på 1" not in await youth_sms.text("1")
    [meeting] = await _meetings(runtime)
    assert meeting.place is None
    assert "kl. 15.00. Passer det" in await mentor_sms.text()


# Finding 3: a mentor who says hello first can still become a mentor, in any phrasing.
@pytest.mark.parametrize(
    "texts",
    [
        ["hej jeg vil gerne være mentor"],
        ["hej", "MENTOR"],
        ["hej", "ja", "mentor"],
        ["hej", "ja", "Mikkel", "/start mentor"],
        ["hejsa", "ja", "jeg vil gerne være mentor for en ung"],
    ],
)
async def test_a_mentor_who_says_hello_first_becomes_a_mentor(
    runtime: Runtime, texts: list[str]
) -> None:
    chat = Chat(runtime, address="new-mentor")
    for text in texts[:-1]:
        await chat.send(text)
    answer = await chat.text(texts[-1])
    assert "mentor" in answer.lower() and "Hvad hedder du" in answer
    assert "Hvor gammel" not in answer


# Finding 7: common phrasings are understood, and SKRIV carries its message in one text.
async def test_common_phrasings_propose_report_and_move(runtime: Runtime) -> None:
    youth_chat, mentor_chat = await _pair(runtime)
    assert "Hvor skal I mødes?" in await youth_chat.text("kan vi mødes tirsdag kl 15?")
    assert "tirsdag d. 1. december kl. 15.00" in await youth_chat.text("spring over")
    assert "Mødet er bekræftet" in await mentor_chat.text("ja det passer fint")
    moved = await mentor_chat.text("kan vi flytte mødet")
    assert "Jeres møde er tirsdag d. 1. december kl. 15.00" in moved
    hours = await youth_chat.text("vi mødtes 2 timer")
    assert "2 timer er gemt" in hours


async def test_write_to_the_coordinator_with_the_message_in_one_text(runtime: Runtime) -> None:
    youth_chat, _ = await _pair(runtime)
    assert "koordinatoren" in await youth_chat.text("SKRIV jeg kan ikke komme i morgen")
    async with runtime.sessions() as session:
        item = await session.scalar(select(InboxItem))
        assert item is not None and item.body == "jeg kan ikke komme i morgen"


async def _youth(runtime: Runtime, address: str = "+4522334455") -> Chat:
    return Chat(runtime, channel="sms", address=address)


# Done when: a sign-up by SMS from "hej" to the summary in at most 9 texts, answered naturally,
# and the summary shows the normalised values, not the raw words.
async def test_sms_signup_from_hej_to_summary_in_ten_texts_shows_normalised_answers(
    runtime: Runtime,
) -> None:
    chat = await _youth(runtime)
    texts = [
        "hej",
        "ja",
        "jeg hedder mikkel og er 17",
        "jeg er stoppet i skolen",
        "biler og it",
        "hjælp til cv og at snakke med nye folk 😅",
        "viborg",
        "min mor lone, 22 33 44 55",
    ]
    for text in texts:
        summary = await chat.text(text)
    assert len(texts) <= 10
    assert "Er det rigtigt?" in summary
    assert "Mikkel, 17 år" in summary
    assert "Under 18 og gået ud af skolen" in summary
    assert "Transport og logistik, IT og computere" in summary
    assert "Område: 8800 Viborg" in summary
    assert "Hjælp til: Jobsøgning, Det sociale" in summary
    assert "Lone" in summary and "min mor" not in summary.lower()
    assert "biler" not in summary and "viborg" not in summary
    assert "Vi leder nu efter din mentor" in await chat.text("ja")
    async with runtime.sessions() as session:
        youth = await session.scalar(select(Youth))
        assert youth is not None
        assert (youth.situation, youth.target_group) == ("left_school", "g0")
        assert (youth.postcode, youth.area) == ("8800", "Viborg")
        assert youth.interests == ["transport", "it"] and youth.interests_text is None
        assert youth.topics == ["job_search", "social_skills"] and youth.topics_text is None
        assert (youth.guardian_name, youth.guardian_relation) == ("Lone", "mother")
        assert youth.guardian_phone == "+4522334455"


# A relation and a number without a name is an answer: only the name is asked for after it.
@pytest.mark.parametrize(
    ("said", "asked", "relation"),
    [
        ("min mor 22334455", "Hvad hedder din mor?", "mother"),
        ("min far, 22 33 44 55", "Hvad hedder din far?", "father"),
        ("mormor 22 33 44 55", "Hvad hedder han eller hun?", "grandparent"),
    ],
)
async def test_a_guardian_given_as_a_relation_and_a_number_is_kept_and_only_the_name_asked(
    runtime: Runtime, said: str, asked: str, relation: str
) -> None:
    chat = await _youth(runtime)
    for text in ["hej", "ja", "jeg hedder mikkel og er 16", "1", "it", "1", "viborg"]:
        await chat.text(text)
    follow_up = await chat.text(said)
    assert asked in follow_up and "Skriv et navn og et dansk telefonnummer" not in follow_up
    summary = await chat.text("hun hedder lone")
    assert "Forælder eller værge: Lone" in summary and "Er det rigtigt?" in summary
    assert "Vi leder nu efter din mentor" in await chat.text("ja")
    async with runtime.sessions() as session:
        youth = await session.scalar(select(Youth))
        assert youth is not None
        assert (youth.guardian_name, youth.guardian_relation) == ("Lone", relation)
        assert youth.guardian_phone == "+4522334455"


# Finding 4: "none of these" goes to the coordinator; NEJ at the summary changes one answer.
@pytest.mark.parametrize("answer", ["ingen af dem", "4", "noget andet"])
async def test_none_of_the_situations_goes_to_the_coordinator(
    runtime: Runtime, answer: str
) -> None:
    chat = await _youth(runtime)
    for text in ["hej", "ja", "Sofie", "16"]:
        await chat.text(text)
    asked = await chat.text(answer)
    assert "med dine egne ord" in asked
    sent = await chat.text("jeg går på produktionsskole")
    assert "koordinator" in sent and "Hvilken passer" not in sent
    async with runtime.sessions() as session:
        item = await session.scalar(select(InboxItem))
        assert item is not None and item.body == "jeg går på produktionsskole"


async def test_a_situation_said_in_words_or_with_a_number_and_words(runtime: Runtime) -> None:
    chat = await _youth(runtime)
    for text in ["hej", "ja", "Sofie", "16"]:
        await chat.text(text)
    assert "interesseret i" in await chat.text("1 tror jeg")


async def test_nej_at_the_summary_asks_what_to_change_and_changes_only_that(
    runtime: Runtime,
) -> None:
    chat = await _youth(runtime)
    for text in ["hej", "ja", "Omar", "22", "1", "3", "2", "1", "8000"]:
        await chat.text(text)
    change = await chat.text("nej")
    assert "Hvad skal jeg rette?" in change and "Hvad hedder du" not in change
    assert "Hvor gammel" in await chat.text("alderen")
    summary = await chat.text("23")
    assert "Omar, 23 år" in summary and "Er det rigtigt?" in summary
    assert "Vi leder nu efter din mentor" in await chat.text("ja")


async def _mentor_at_summary(chat: Chat) -> str:
    await chat.send("jeg vil gerne være mentor")
    for said in ["Lone Hansen", "Bageriet", "Ejer", "2", "8000", "1", "dansk"]:
        await chat.send(said)
    return await chat.text("Weekender")


async def test_a_mentor_saying_nej_at_the_summary_changes_only_the_company_by_sms(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime, channel="sms", address="+4522112233")
    assert "Ejer hos Bageriet" in await _mentor_at_summary(chat)
    change = await chat.text("nej")
    assert "Hvad skal jeg rette?" in change and "Virksomhed" in change
    assert "Hvad hedder du" not in change
    assert "virksomhed" in (await chat.text("firmaet er forkert")).lower()
    summary = await chat.text("Lones Bageri ApS")
    assert "Ejer hos Lones Bageri ApS" in summary and "Lone Hansen" in summary
    assert "Er det rigtigt?" in summary
    assert "godkende dig som mentor" in await chat.text("ja")
    async with runtime.sessions() as session:
        mentor = await session.scalar(select(Mentor))
        company = await session.scalar(select(Company))
        assert mentor is not None and mentor.role_title == "Ejer" and mentor.capacity == 1
        assert mentor.industry == "retail" and mentor.postcode == "8000"
        assert company is not None and company.name == "Lones Bageri ApS"


async def test_a_mentor_saying_nej_at_the_summary_changes_only_the_area_on_telegram(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime, channel="telegram", address="8101")
    await _mentor_at_summary(chat)
    await chat.send("nej")
    assert "Hvor" in await chat.text(option="fix:area")
    summary = await chat.text("viborg")
    assert "Område: 8800 Viborg" in summary and "Virksomhed: Bageriet" in summary
    assert "godkende dig som mentor" in await chat.text("ja")
    async with runtime.sessions() as session:
        mentor = await session.scalar(select(Mentor))
        assert mentor is not None and (mentor.postcode, mentor.area) == ("8800", "Viborg")
        assert mentor.capacity == 1 and mentor.languages == ["da"]


# Finding 5: typed answers become the values matching uses.
@pytest.mark.parametrize(
    ("typed", "postcode", "town"),
    [
        ("Viborg", "8800", "Viborg"),
        ("viborgg", "8800", "Viborg"),
        ("bjeringbro", "8850", "Bjerringbro"),
        ("jeg bor i skals", "8832", "Skals"),
        ("århus", "8000", "Aarhus C"),
        ("kbh", "1000", "København K"),
        ("8800", "8800", "Viborg"),
        ("silkebor", "8600", "Silkeborg"),
    ],
)
def test_towns_and_postcodes_become_an_area_despite_misspellings(
    typed: str, postcode: str, town: str
) -> None:
    place = find_place(typed)
    assert place is not None and (place.postcode, place.town) == (postcode, town)


def test_a_programme_lists_its_own_villages() -> None:
    own = parse_local("6000 Kolding\n6000 Agtrup")
    assert find_place("agtrup", own) == Place("6000", "Agtrup")
    assert find_place("agtrup") is None  # not one of Viborg Kommune's or the country's towns


# Finding 6: both sides reporting the same meeting count it once; a second report corrects.
async def test_hours_for_the_same_meeting_count_once(runtime: Runtime) -> None:
    youth_chat, mentor_chat = await _pair(runtime)
    async with runtime.sessions() as session, session.begin():
        match = await session.scalar(select(Match))
        assert match is not None
        session.add(
            Meeting(match_id=match.id, starts_at=NOW - timedelta(days=2), status="confirmed")
        )
    asked = await youth_chat.text("timer 2")
    assert "Var det mødet tirsdag d. 24. november kl. 10.00?" in asked
    first = await youth_chat.text("ja")
    assert "2 timer er gemt" in first and "2 af 3 timer" in first and "1 time mangler" in first
    await mentor_chat.send("TIMER 2")
    second = await mentor_chat.text("ja")
    assert "Sara havde allerede skrevet 2 timer" in second and "2 af 3 timer" in second
    assert "4 af 3" not in second and "nået målet" not in second
    await youth_chat.send("timer 1,5")
    corrected = await youth_chat.text("jep")
    assert "det står nu til 1,5 timer" in corrected and "1,5 af 3 timer" in corrected
    async with runtime.sessions() as session:
        reports = list(await session.scalars(select(HoursReport)))
        assert [r.minutes for r in reports] == [90]
        meeting = await session.scalar(select(Meeting))
        assert meeting is not None and meeting.status == "held"


async def test_hours_not_tied_to_a_meeting_still_count(runtime: Runtime) -> None:
    youth_chat, _ = await _pair(runtime)
    reply = await youth_chat.text("vi mødtes 1 time")
    assert "1 time er gemt" in reply and "2 timer mangler" in reply


# Finding 8: plural forms through ngettext ("1 time mangler", never "1 timer").
async def test_one_hour_is_singular_in_danish(runtime: Runtime) -> None:
    youth_chat, _ = await _pair(runtime)
    two = await youth_chat.text("timer 2")
    assert "1 time mangler" in two and "1 timer" not in two
    one = await youth_chat.text("timer 1")
    assert "Tak! 1 time er gemt" in one


async def test_the_coordinator_is_named_not_given_a_pronoun(runtime: Runtime) -> None:
    youth_chat, _ = await _pair(runtime)
    async with runtime.sessions() as session, session.begin():
        await add_coordinator(session, "anne@viborg.dk", "a-long-password-1", name="Anne")
    noted = await youth_chat.text("usikker")
    assert "Det er kun Anne, vores koordinator" in noted
    assert " hun " not in noted and " han " not in noted


# Finding 7: the Telegram prompt matches its buttons (no numbers to type on Telegram).
async def test_interest_prompt_matches_the_buttons_on_each_channel(runtime: Runtime) -> None:
    telegram = Chat(runtime, channel="telegram", address="9001")
    for text in ["hej", "ja", "Sara", "22"]:
        await telegram.send(text)
    await telegram.send(option="sit:unemployed")
    [prompt] = await telegram.send(option="no")  # the one-year question
    assert "fx 1 3" not in (prompt.body or "") and prompt.options
    sms = await _youth(runtime)
    for text in ["hej", "ja", "Omar", "22", "1"]:
        await sms.send(text)
    assert "fx 1 3" in await sms.text("nej")


# Finding 7: AFLYS and FLYT ask which meeting and confirm; FLYT offers no booked slot.
async def _two_meetings(runtime: Runtime, youth_chat: Chat, mentor_chat: Chat) -> None:
    for text in ("MØDE fredag kl 15 på biblioteket", "MØDE mandag kl 15 på biblioteket"):
        await youth_chat.send(text)
        await mentor_chat.send("ja")
    await youth_chat.replies()
    await mentor_chat.replies()


async def test_aflys_asks_which_meeting_and_confirms(runtime: Runtime) -> None:
    youth_chat, mentor_chat = await _pair(runtime)
    await _two_meetings(runtime, youth_chat, mentor_chat)
    which = await mentor_chat.text("AFLYS")
    assert "Hvilket møde vil du aflyse?" in which
    sure = await mentor_chat.text("mandag")
    assert "Skal jeg aflyse mødet mandag d. 30. november kl. 15.00?" in sure
    assert await youth_chat.text() == ""
    assert "er aflyst" in await mentor_chat.text("ja")
    assert "Henrik har aflyst mødet mandag d. 30. november" in await youth_chat.text()
    assert "bliver til noget" in await youth_chat.text("aflys") + await youth_chat.text("nej")
    statuses = [m.status for m in await _meetings(runtime)]
    assert statuses == ["confirmed", "cancelled"]


async def test_flyt_never_offers_a_booked_slot_and_reads_back(runtime: Runtime) -> None:
    youth_chat, mentor_chat = await _pair(runtime)
    await _two_meetings(runtime, youth_chat, mentor_chat)
    [which] = await youth_chat.send("kan vi flytte mødet")
    assert "Hvilket møde vil du flytte?" in (which.body or "")
    [when] = await youth_chat.send(option=which.options[0]["key"])
    keys = [o["key"] for o in when.options]
    assert "s:202611271500" not in keys and "s:202611301500" not in keys
    readback = await youth_chat.text("tirsdag kl 16")
    assert "Skal jeg foreslå Henrik et møde tirsdag d. 1. december kl. 16.00" in readback
    assert await mentor_chat.text() == ""
    await youth_chat.send("ja")
    assert "tirsdag d. 1. december kl. 16.00 på biblioteket" in await mentor_chat.text()


# Finding 5 (mentors): the company's name without the sentence around it, the CVR number checked
# against the name we know for it, the industry and the area normalised like the youths'.
async def test_mentor_company_cvr_must_agree_with_the_name(runtime: Runtime) -> None:
    async with runtime.sessions() as session, session.begin():
        prog = await programme(session)
        await register_company(session, prog.id, "Hansens VVS ApS", cvr="29403473")
    chat = Chat(runtime, address="new-mentor")
    await chat.send("hej jeg vil gerne være mentor")
    await chat.send("Jens Knudsen")
    check = await chat.text("JK Byg ApS 29403473, det er mit eget firma")
    assert "CVR 29403473 hører til Hansens VVS ApS hos os, ikke JK Byg ApS" in check
    assert "Hvilken virksomhed" in await chat.text("nej")
    await chat.send("JK Byg ApS, det er mit eget firma")
    await chat.send("ejer")
    await chat.send("byggeri")
    await chat.send("viborg")
    for said in ["1", "dansk", "hverdage efter 16"]:
        summary = await chat.text(said)
    assert "JK Byg ApS" in summary and "det er mit eget firma" not in summary
    assert "Hansens" not in summary
    await chat.send("ja")
    async with runtime.sessions() as session:
        mentor_row = await session.scalar(select(Mentor))
        assert mentor_row is not None
        company = await session.get(Company, mentor_row.company_id)
        assert company is not None and company.name == "JK Byg ApS" and company.cvr is None
        assert (mentor_row.industry, mentor_row.postcode, mentor_row.area) == (
            "construction",
            "8800",
            "Viborg",
        )


async def test_a_question_in_return_is_answered_before_the_question_is_asked_again(
    runtime: Runtime,
) -> None:
    chat = await _youth(runtime)
    for text in ["hej", "ja", "Sofie", "16"]:
        await chat.send(text)
    again = await chat.text("hva mener du?")
    assert "Godt spørgsmål" in again and "1: I uddannelse, men overvejer at stoppe" in again
    assert "Godt spørgsmål" not in await chat.text("blabla")

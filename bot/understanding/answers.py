"""Answers to sign-up questions made normalised values, with the person's own words kept apart.

"it, og så gaming" -> interests ["it"]; "min mor lone, 22 33 44 55" -> mother, "Lone", the
number; "JK Byg ApS, det er mit eget firma" -> "JK Byg ApS"; "jeg hedder mikkel og er 17" ->
"Mikkel", 17. Words come from the words catalogues (interests, relations), so each language's
synonyms are shared by youths (interests) and mentors (industry).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot import parsing_hours
from bot.understanding.words import fold, words

_SYMBOLS = re.compile(r"[^\w\s,/+&.!?'-]")
_SPLIT = re.compile(r",|/|\+|&|\bog\b|\band\b|\bsamt\b|\beller\b|\bor\b|\s(?=\d)|(?<=\d)\s")
_FILLER = re.compile(
    r"^(?:jeg\s+(?:kan\s+)?(?:godt\s+)?(?:lide|er\s+interesseret\s+i|interesserer\s+mig\s+for|"
    r"vil\s+gerne\s+(?:arbejde\s+med|lave|noget\s+med)|kunne\s+godt\s+tænke\s+mig)|"
    r"i\s+like|i'm\s+into|i\s+am\s+into|måske|maybe|noget\s+med|something\s+with|"
    r"så|også|lidt|mest|helst|især)\s+",
    re.IGNORECASE,
)


def interests(text: str, codes: list[str]) -> tuple[list[str], str | None]:
    """(codes chosen, the words no code fits). Numbers pick options ("1 3"); words go through
    the synonym lists and then a fuzzy match ("programering" -> it)."""
    chosen: list[str] = []
    rest: list[str] = []
    synonyms = words().interests
    text = _SYMBOLS.sub(" ", text)  # "it 😊": emoji are no interest
    for part in _SPLIT.split(text):
        said = part.strip(" .!?")
        for _ in range(3):
            said = _FILLER.sub("", said).strip()
        if not said:
            continue
        folded = fold(said)
        code: str | None = None
        if folded.isascii() and folded.isdigit():
            number = int(folded)
            code = codes[number - 1] if 1 <= number <= len(codes) else None
        elif folded in synonyms:
            code = synonyms[folded]
        elif len(folded) > 4:
            best = process.extractOne(folded, list(synonyms), scorer=fuzz.ratio, score_cutoff=85)
            code = synonyms[best[0]] if best else None
        if code is None:
            # a longer phrase holding a known word: "jeg kunne godt tænke mig noget med biler"
            hits = [synonyms[w] for w in folded.split() if w in synonyms and len(w) > 2]
            code = hits[0] if hits else None
        if code is not None and code in codes:
            if code not in chosen:
                chosen.append(code)
        elif folded not in words().skip:
            rest.append(said)
    return chosen, (", ".join(rest)[:200] or None)


@dataclass(frozen=True)
class Guardian:
    relation: str | None  # mother, father, guardian ... (from the relations words)
    name: str | None
    phone: str | None
    email: str | None


_PHONE = re.compile(r"(?:\+|00)?\d[\d ]{6,14}\d")
_EMAIL = re.compile(r"[^\s,;<>()]+@[^\s,;<>()]+\.[a-z]{2,}", re.IGNORECASE)
_GUARDIAN_WORDS = re.compile(
    r"\b(?:min|mit|my|hun|han|hedder|hendes|hans|her|his|name|is|er|nr|nummer|number|tlf|"
    r"telefon|mobil|phone|mail|e-mail|email|og|and|på|det|the)\b\.?",
    re.IGNORECASE,
)


def guardian(text: str) -> Guardian:
    """'min mor lone, 22 33 44 55' -> Guardian('mother', 'Lone', '22 33 44 55', None)."""
    email_found = _EMAIL.search(text)
    phone_found = _PHONE.search(text)
    email = email_found.group(0) if email_found else None
    phone = phone_found.group(0).strip() if phone_found else None
    rest = text
    for found in (email_found, phone_found):
        if found:
            rest = rest.replace(found.group(0), " ")
    relation = None
    relations = words().relations
    for word in re.findall(r"[\wæøåÆØÅ]+", rest):
        if fold(word) in relations:
            relation = relations[fold(word)]
            rest = re.sub(rf"\b{re.escape(word)}\b", " ", rest, count=1)
            break
    rest = _GUARDIAN_WORDS.sub(" ", rest)
    name_words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", rest)
    name = " ".join(w[:1].upper() + w[1:] for w in name_words) or None
    return Guardian(relation, name, phone, email)


_COMPANY_FORMS = r"(?:aps|a/s|as|i/s|ivs|k/s|p/s|smba|amba|holding|enkeltmandsvirksomhed)"
_COMPANY_TAIL = re.compile(
    r"\s*(?:[,;(-]|\b(?:det|som|hvor|og|men|that|which|where|and)\b).*$", re.IGNORECASE
)


def company(text: str) -> str:
    """'JK Byg ApS, det er mit eget firma' -> 'JK Byg ApS'; 'jeg ejer Hansens VVS' -> 'Hansens
    VVS': the name without what is said about it."""
    said = " ".join(text.split())
    said = re.sub(
        r"^(?:jeg\s+(?:ejer|har|driver|arbejder\s+(?:hos|i|på)|er\s+(?:ansat\s+)?(?:hos|i|på))|"
        r"i\s+(?:own|run|work\s+(?:at|for))|firmaet\s+hedder|det\s+hedder|min\s+virksomhed\s+"
        r"hedder|mit\s+firma\s+hedder)\s+",
        "",
        said,
        flags=re.IGNORECASE,
    )
    form = re.search(rf"\b{_COMPANY_FORMS}\b\.?", said, flags=re.IGNORECASE)
    if form:
        return said[: form.end()].strip(" ,.")
    return _COMPANY_TAIL.sub("", said).strip(" ,.") or said.strip(" ,.")


def same_company(typed: str, registered: str) -> bool:
    """A typed name and a registered one name the same firm ('JK Byg' ~ 'JK Byg ApS')."""
    plain = re.compile(rf"\b{_COMPANY_FORMS}\b|[^\w\s]", re.IGNORECASE)
    a, b = fold(plain.sub(" ", typed)), fold(plain.sub(" ", registered))
    return bool(a and b) and fuzz.token_set_ratio(a, b) >= 85


def _phrase_in(text: str, mapping: dict[str, str], allowed: list[str]) -> str | None:
    """The allowed code whose longest phrase occurs in the text (word-bounded, folded)."""
    said = f" {fold(text)} "
    for phrase in sorted(mapping, key=len, reverse=True):
        if f" {phrase} " in said and mapping[phrase] in allowed:
            return mapping[phrase]
    return None


def situation(text: str, codes: list[str]) -> str | None:
    """'jeg er stoppet på gym' -> left_school (of the codes offered for the youth's age);
    '1 tror jeg' -> the first option; None when it cannot be told."""
    number = re.fullmatch(
        r"\D{0,8}?(\d)\b[\s.)]*(?:tror\s+jeg|tror|måske|vel|nok|i\s+think|maybe)?[\s.!]*",
        text.strip(),
        flags=re.IGNORECASE,
    )
    if number:
        n = int(number.group(1))
        return codes[n - 1] if 1 <= n <= len(codes) else None
    return _phrase_in(text, words().situations, codes)


def field(text: str, steps: list[str]) -> str | None:
    """'alderen er forkert' -> age: which answer the person wants to change."""
    return _phrase_in(text, words().fields, steps)


def none_of_these(text: str) -> bool:
    """'ingen af dem', 'noget andet', 'none of these'."""
    return fold(text) in words().none_of_these


_NAME_LEAD = re.compile(
    r"^(?:hej\s*[,!.]?\s*)?(?:jeg\s+hedder|mit\s+navn\s+er|jeg\s+er|det\s+er|navn\s*:|"
    r"i'm|i\s+am|my\s+name\s+is|name\s*:|it's)\s+",
    re.IGNORECASE,
)


def name_and_age(text: str) -> tuple[str, int | None]:
    """'jeg hedder mikkel og er 17' -> ('mikkel', 17); 'Sara' -> ('Sara', None)."""
    said = _NAME_LEAD.sub("", " ".join(text.split()))
    age_found = re.search(r"\b(1\d|2\d|30)\b\s*(?:år|aar|years?)?", said)
    age = int(age_found.group(1)) if age_found else None
    name = re.split(r"\s*(?:,|\bog\b|\band\b|\bjeg\b|\bi'm\b|\b\d)", said, maxsplit=1)[0]
    return name.strip(" .!"), age


def topics(text: str, codes: list[str]) -> tuple[list[str], str | None]:
    """(topic codes chosen, the words no topic fits): "1 3" or "13" -> the first and third;
    "hjælp til cv og at snakke med nye folk" -> job_search, social_skills; "min mor" -> own
    words. A number names the option in `codes`' order; phrases come from the words catalogues."""
    chosen: list[str] = []
    rest: list[str] = []
    phrases = words().topics
    said_all = [c for c in codes if c != "other"]
    text = re.sub(r"\b(\d)\s*-\s*(\d)\b", _number_range, text)  # "1-3": 1, 2 and 3
    for part in _SPLIT.split(_SYMBOLS.sub(" ", text)):
        said = part.strip(" .!?")
        folded = fold(said)
        if not folded or folded in words().skip:
            continue
        found: list[str] = []
        if folded.isascii() and folded.isdigit():
            digits = [folded] if int(folded) <= len(codes) else list(folded)  # "13": 1 and 3
            found = [codes[int(d) - 1] for d in digits if 1 <= int(d) <= len(codes)]
        else:
            padded = f" {folded} "
            for phrase in sorted(phrases, key=len, reverse=True):
                if f" {phrase} " in padded and phrases[phrase] in (*codes, "all"):
                    found += said_all if phrases[phrase] == "all" else [phrases[phrase]]
                    padded = padded.replace(f" {phrase} ", " | ")
        for code in found:
            if code not in chosen:
                chosen.append(code)
        if not found:
            rest.append(said)
    return chosen, (", ".join(rest)[:200] or None)


def _number_range(found: re.Match[str]) -> str:
    low, high = int(found.group(1)), int(found.group(2))
    return " ".join(str(n) for n in range(low, high + 1)) if low < high else found.group(0)


# A number 1-5, "out of 5" or not, and then nothing but punctuation or a smiley ("4,5" is no 4).
_SCORE_RANGE = re.compile(r"\s*([1-5])\s*(?:-|til|eller|or|to)\s*[1-5]\s*\W*")
_SCORE = re.compile(r"\s*(?:nr\.?\s*)?([1-5])\s*(?:(?:/|ud af|af|out of)\s*5)?(?![\w,.]\w)\W*")


def score(text: str | None) -> int | None:
    """A check-in score 1-5 typed: '4', '4/5', '4 ud af 5', '5 🙂', '3-4' (the lower: a worry is
    not rounded away), a word or smiley from the words catalogues ('godt' -> 4, 'meh' -> 3,
    '😞' -> 2), or such words inside a sentence ('det går fint men han svarer aldrig' -> 4, the
    longest phrase found: 'ikke så godt' is 2, not 'godt'); None when it says no score."""
    if not text:
        return None
    found = _SCORE.fullmatch(text) or _SCORE_RANGE.fullmatch(text)
    if found:
        return int(found.group(1))
    scores = words().scores
    said = fold(text)
    if said in scores:
        return scores[said]
    plain = " ".join(_SYMBOLS.sub(" ", said).split())  # fold has dropped the punctuation
    if plain in scores:  # "super godt 🙏": an emoji that is no score of its own
        return scores[plain]
    padded = f" {said} "
    within = [p for p in scores if f" {p} " in padded or (not p.isascii() and p in said)]
    if not within:
        return None
    phrase = max(within, key=len)
    if f" ikke {phrase} " in padded and scores[phrase] > 2:  # "det er ikke fint"
        return 2
    return scores[phrase]


def said_more_than_a_score(text: str | None) -> bool:
    """A score in a sentence ('det går fint men han svarer aldrig'): the words are worth keeping
    as the answer's comment, not only the number."""
    plain = _SYMBOLS.sub(" ", fold(text or "")).strip()
    return plain not in words().scores and len(plain.split()) > 3


def asks_hours_goal(text: str | None) -> bool:
    """The answer to "how many hours?" is a question about how many they should have ("hvor
    mange skal vi have?", "how much should we do?"): the words catalogues' `hours_goal`."""
    said = " " + " ".join(re.sub(r"[^\w\s]", " ", fold(text or "")).split()) + " "
    return any(f" {phrase} " in said for phrase in words().hours_goal)


def whose_place(place: str | None) -> str | None:
    """'hos mig' -> "writer", 'hos dig' -> "partner": a meeting place that names a home from
    the writer's side (the words catalogues' `place_writer` and `place_partner`); else None."""
    said = " ".join(re.sub(r"[^\w\s]", " ", fold(place or "")).split())
    if said in words().place_writer:
        return "writer"
    return "partner" if said in words().place_partner else None


def hours_minutes(text: str | None) -> int | None:
    """The answer to "how many hours?" in minutes ('ca 2 timer tror jeg' -> 120, '2 timer... nej
    3' -> 180), with the hedge and correction words of the words catalogues."""
    found = words()
    return parsing_hours.hours_minutes(
        text, hedges=found.hours_hedges, corrections=found.corrections
    )


def hours_in(text: str | None) -> int | None:
    """Minutes said in a sentence ('vi mødtes 2 timer... nej 3' -> 180), as `hours_minutes`."""
    found = words()
    return parsing_hours.hours_in(text, hedges=found.hours_hedges, corrections=found.corrections)

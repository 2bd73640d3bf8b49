"""The words people type, from the per-language catalogues templates/locales/<code>/words.yaml.

Commands, the phrases that show an intent inside a sentence, yes/no/skip words, the SMS opt-out
and opt-in words and the Telegram menu all live there, so adding a language is adding its
catalogues and no Python. Every language's words are understood for everyone (a Danish youth
types "help" too). Words are compared folded (`fold`): lower case, one space, and æ/ø/å equal to
the ae/oe/aa (and o/a) people type when their keyboard has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from mentoring.text import fold
from templates import LOCALE_DIR

__all__ = ["Words", "fold", "words"]


@dataclass(frozen=True)
class Words:
    commands: dict[str, str]  # folded phrase -> command
    with_text: frozenset[str]  # commands that may carry their own text ("MØDE tirsdag 15")
    phrases: tuple[tuple[str, str], ...]  # (folded phrase, intent), longest first
    yes: frozenset[str]
    no: frozenset[str]
    skip: frozenset[str]
    none_of_these: frozenset[str]
    sms_opt_out: frozenset[str]
    sms_opt_in: frozenset[str]
    menus: dict[str, list[tuple[str, str]]]  # language -> [(telegram command, meaning)]
    interests: dict[str, str]  # folded word -> interest/industry code
    relations: dict[str, str]  # folded word -> who a guardian is ("mor" -> "mother")
    situations: dict[str, str]  # folded phrase -> situation code
    fields: dict[str, str]  # folded word -> sign-up step it names ("alder" -> "age")
    topics: dict[str, str]  # folded phrase -> topic code ("cv" -> "job_search")
    outcomes: dict[str, str]  # folded phrase -> outcome status ("fået job" -> "ordinary_job")
    outcome_questions: frozenset[str]  # how a question about such news starts ("har du")
    hours_hedges: frozenset[str]  # words around an amount of hours that leave it as it is ("ca")
    corrections: frozenset[str]  # words that take back the amount before them ("nej", "sorry")
    thanks: frozenset[str]  # "tak", "mange tak": thanked back when nothing else is asked
    free_after: frozenset[str]  # "efter skole": when they are free, not yet a time
    hours_goal: frozenset[str]  # "hvor mange skal vi have?": the month's goal asked back
    place_writer: frozenset[str]  # "hos mig": a meeting at the writer's home
    place_partner: frozenset[str]  # "hos dig": a meeting at the partner's home
    hours_cues: frozenset[str]  # with an amount, a meeting that was held ("vi snakkede 45 min")
    question_words: frozenset[str]  # "hvorfor?" alone is a question; "Ida?" alone is a name
    scores: dict[str, int]  # folded word -> a check-in score 1-5 ("skidt" -> 2)


def _catalogue(path: Path) -> dict[str, object]:
    with path.open(encoding="utf-8") as fh:
        loaded = yaml.safe_load(fh) or {}
    assert isinstance(loaded, dict), f"{path} must hold a mapping"
    return loaded


def _folded(values: object) -> set[str]:
    return {fold(str(v)) or str(v).strip() for v in (values or [])}  # type: ignore[attr-defined]


@cache
def words(locale_dir: Path = LOCALE_DIR) -> Words:
    """Every language's catalogue merged (read once per process, like the .po catalogues)."""
    commands: dict[str, str] = {}
    phrases: dict[str, str] = {}
    with_text: set[str] = set()
    sets: dict[str, set[str]] = {
        k: set()
        for k in (
            "yes",
            "no",
            "skip",
            "none_of_these",
            "sms_opt_out",
            "sms_opt_in",
            "outcome_questions",
            "hours_hedges",
            "corrections",
            "hours_cues",
            "free_after",
            "hours_goal",
            "place_writer",
            "place_partner",
            "thanks",
            "question_words",
        )
    }
    menus: dict[str, list[tuple[str, str]]] = {}
    maps: dict[str, dict[str, str]] = {
        k: {}
        for k in ("interests", "relations", "situations", "fields", "topics", "outcomes", "scores")
    }
    for path in sorted(locale_dir.glob("*/words.yaml")):
        catalogue = _catalogue(path)
        for name, said in dict(catalogue.get("commands") or {}).items():  # type: ignore[call-overload]
            for phrase in _folded(said):
                commands.setdefault(phrase, str(name))
        with_text |= {str(c) for c in catalogue.get("with_text") or []}  # type: ignore[attr-defined]
        for intent, said in dict(catalogue.get("phrases") or {}).items():  # type: ignore[call-overload]
            for phrase in _folded(said):
                phrases.setdefault(phrase, str(intent))
        for key, found in sets.items():
            found |= _folded(catalogue.get(key))
        for key, mapping in maps.items():
            for code, said in dict(catalogue.get(key) or {}).items():  # type: ignore[call-overload]
                for phrase in _folded(said):
                    mapping.setdefault(phrase, str(code))
        menu = catalogue.get("telegram_menu") or []
        menus[path.parent.name] = [(str(a), str(b)) for a, b in menu]  # type: ignore[attr-defined]
    for phrase in maps["outcomes"]:  # news of a job or a school place: the "outcome" intent
        phrases.setdefault(phrase, "outcome")
    ordered = tuple(sorted(phrases.items(), key=lambda item: -len(item[0])))
    return Words(
        commands=commands,
        with_text=frozenset(with_text),
        phrases=ordered,
        menus=menus,
        interests=maps["interests"],
        relations=maps["relations"],
        situations=maps["situations"],
        fields=maps["fields"],
        topics=maps["topics"],
        outcomes=maps["outcomes"],
        scores={phrase: int(score) for phrase, score in maps["scores"].items()},
        **{key: frozenset(found) for key, found in sets.items()},
    )

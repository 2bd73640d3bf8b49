"""Every message template, rendered for SMS in every language with long realistic values, is cheap:
GSM-7, at most two segments, no links, and no word about benefits or case matters.

Templates are discovered, so ones added later are checked too. Context values are guessed from
their names (a `first_name` is a long Danish name, a `*_at` a date-time, ...). A template whose
context cannot be guessed fails here, naming the template and the variable: add it to SAMPLES.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import jinja2
import pytest
from jinja2 import meta, nodes

from core.statuses import Role
from messaging.gsm7 import sms_cost
from messaging.render import Renderer, available_languages
from messaging.sms import sms_text

RENDERER = Renderer()
WHEN = datetime(2026, 12, 8, 14, 30, tzinfo=UTC)  # a Tuesday, 15.30 in Copenhagen
LONG_NAME = "Mathilde-Sofie"
LONG_PLACE = "Café Gammel Strand, Vestergade 112"

# Exact values for names the heuristics below would get wrong.
SAMPLES: dict[str, Any] = {
    "channel": "sms",
    "language": "da",
    "code": "482913",
    "minutes": 150,
    "hours": 2.5,
    "score": 4,
    "count": 12,
    "month": date(2026, 12, 1),
    "postcode": "8000",
    "area": "Aarhus C",
    "company": "Tømrerfirmaet Kristoffersen & Sønner ApS",
    "company_name": "Tømrerfirmaet Kristoffersen & Sønner ApS",
    "error_key": "invalid_phone",
    "age": 17,
    "birth_year": 2008,
    "year": 2008,
    "phone": "+4520123456",
    "email": "mathilde.sofie.kristoffersen@example.dk",
    "cvr": "12345678",
    "capacity": 2,
    "situation": "unemployed",
    "interests": ["construction", "retail"],
    "interests_text": "musik og computerspil",
    "topics": ["job_search", "job_openings", "social_skills"],
    "topics_text": None,
    "days_left": 100,
    "next_step": "wait",
    "body": "Hej! Jeg kommer 10 min for sent i dag, bussen er forsinket. Ses ved indgangen?",
    "languages": ["da", "en"],
    "meetings": 4,
    "role": "Værkfører",
    "role_title": "Værkfører",
    "availability": "Hverdage efter kl. 15",
    "industry": "construction",
    "contacts": [{"channel": "sms", "address": "+4520123456"}],
    "met": False,
    "cancelled": [WHEN, WHEN],  # the meetings a pair's hold cancelled (two ahead at most, usually)
    # Options as words (templates/messages/_choices.j2); most questions are yes/no.
    "choices": [{"key": "yes", "label": "Ja"}, {"key": "no", "label": "Nej"}],
}

BENEFIT_WORDS = re.compile(
    r"(?i)kontanthj|uddannelseshj|dagpenge|ydelse|sagsbehandl|sygemeld|revalidering|"
    r"f\u00f8rtidspension|benefit|caseworker|case worker|welfare"
)
LINK = re.compile(r"(?i)https?://|www\.")


class Sample:
    """A stand-in object whose attributes are guessed from their names, like the top level."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return guess(attr)

    def __str__(self) -> str:
        return guess("name")


def guess(name: str) -> Any:
    if name in SAMPLES:
        return SAMPLES[name]
    key = name.lower()
    if key.endswith("_at") or key in ("at", "when", "starts", "due", "time", "start"):
        return WHEN
    if key.endswith(("_on", "_date", "day")):
        return WHEN.date()
    if "name" in key:
        return LONG_NAME
    if "place" in key or "where" in key or "address" in key:
        return LONG_PLACE
    if key.endswith(("_id", "_count", "_hours", "_minutes", "number", "_no", "total", "target")):
        return 12
    if key.endswith("hours") or key.startswith(("n_", "num")):
        return 2.5
    if key.startswith(("is_", "has_", "can_", "needs_", "show_", "with_")):
        return True
    if key in ("person", "youth", "mentor", "partner", "other", "sender", "match", "meeting"):
        return Sample(key)
    if key.endswith("s") and not key.endswith("ss"):
        return [Sample(key[:-1]), Sample(key[:-1])]
    return "Frederiksberg"


# Values that differ by template (a list of codes in one, words in another).
PER_TEMPLATE: dict[str, dict[str, Any]] = {
    "followup_match_offer": {"interests": "byggeri, butik, musik og computerspil"},
    "followup_outcome_survey": {
        "choices": [
            {"key": k, "label": label}
            for k, label in [
                ("education", "Uddannelse"),
                ("job", "Ordinært job"),
                ("internship", "Virksomhedspraktik"),
                ("wage_subsidy", "Løntilskud"),
                ("small_job", "Småjob"),
                ("school", "Går stadig i skole"),
                ("none", "Ingen af delene"),
            ]
        ]
    },
}


def template_names() -> list[str]:
    return [n for n in RENDERER.template_names("messages") if not n.startswith("_")]


def parsed(env: jinja2.Environment, path: str) -> list[nodes.Template]:
    """The template's syntax tree and those of the templates it includes."""
    source = env.loader.get_source(env, path)[0]  # type: ignore[union-attr]
    tree = env.parse(source)
    trees = [tree]
    for included in meta.find_referenced_templates(tree):
        if included:
            trees += parsed(env, included)
    return trees


def context_for(trees: list[nodes.Template]) -> dict[str, Any]:
    """A value for every variable the templates use; filters tell numbers and times apart."""
    wanted: set[str] = set()
    typed: dict[str, Any] = {}
    for tree in trees:
        wanted |= meta.find_undeclared_variables(tree)
        for flt in tree.find_all(nodes.Filter):
            if isinstance(flt.node, nodes.Name):
                if flt.name == "number":
                    typed[flt.node.name] = 2.5
                elif flt.name in ("when", "day", "clock"):
                    typed[flt.node.name] = WHEN
    wanted -= {"channel", "language"}
    return {var: SAMPLES.get(var, typed.get(var, guess(var))) for var in wanted}


def render_for_sms(name: str, language: str) -> str:
    env = RENDERER.env(language)
    context = context_for(parsed(env, f"messages/{name}.j2")) | PER_TEMPLATE.get(name, {})
    try:
        return RENDERER.message(name, language, "sms", **context)
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError) as exc:
        pytest.fail(
            f"template messages/{name}.j2 could not be rendered for SMS with guessed values "
            f"{sorted(context)}: {type(exc).__name__}: {exc}. Add the variable to SAMPLES in "
            "tests/test_sms_templates.py."
        )


def test_sms_templates_are_discovered() -> None:
    assert {"sms_opted_out", "sms_opted_in", "sms_only_text"} <= set(template_names())
    assert {"da", "en"} <= set(available_languages())


@pytest.mark.parametrize("language", available_languages())
@pytest.mark.parametrize("name", template_names())
def test_sms_templates_fit_two_gsm7_segments(name: str, language: str) -> None:
    text = render_for_sms(name, language)
    cost = sms_cost(text)
    bad = sorted({ch for ch in text if sms_cost(ch).encoding != "GSM-7"})
    assert cost.encoding == "GSM-7", f"messages/{name}.j2 [{language}] has non-GSM-7 {bad}"
    assert cost.segments <= 2, f"messages/{name}.j2 [{language}] is {cost.segments} segments"
    assert not LINK.search(text), f"messages/{name}.j2 [{language}] carries a link in SMS"
    assert not BENEFIT_WORDS.search(text), f"messages/{name}.j2 [{language}] names a benefit"


@pytest.mark.parametrize("language", available_languages())
@pytest.mark.parametrize("role", list(Role))
def test_help_fits_two_sms_segments_for_every_role(role: Role, language: str) -> None:
    """The help lists more commands for a youth or mentor in a pair: all of it fits 2 segments."""
    cost = sms_cost(RENDERER.message("help", language, "sms", role=role))
    assert cost.encoding == "GSM-7"
    assert cost.segments <= 2, f"help for a {role} [{language}] is {cost.segments} segments"


def test_sms_templates_most_fit_one_segment() -> None:
    costs = [
        sms_cost(render_for_sms(name, lang)).segments
        for name in template_names()
        for lang in available_languages()
    ]
    assert sum(1 for c in costs if c == 1) * 2 > len(costs)


def test_sms_links_removed_unless_allowed() -> None:
    body = "Se mere på https://example.dk/m?id=1 eller www.example.dk i dag"
    assert sms_text(body, allow_links=False) == "Se mere på eller i dag"
    assert sms_text(body, allow_links=True) == body


def test_sms_own_templates_in_danish() -> None:
    assert RENDERER.message("sms_opted_out", "da", "sms") == (
        "OK, du får ikke flere sms'er fra os. Skriv START, hvis du fortryder."
    )

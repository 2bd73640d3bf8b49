"""Every message exists in every language with the same placeholders (gettext catalogues)."""

from __future__ import annotations

from functools import cache

import pytest

from messaging.catalogues import (
    Problem,
    merged_catalogue,
    placeholders,
    problems,
    template_msgids,
)
from messaging.render import Renderer, available_languages

TEMPLATES = sorted({template for template, _ in template_msgids()})


@cache
def all_problems() -> tuple[Problem, ...]:
    return tuple(problems())


@pytest.mark.parametrize("template", TEMPLATES)
def test_catalogues_translate_every_msgid_of_the_template(template: str) -> None:
    found = [str(p) for p in all_problems() if p.template == template]
    assert not found, "untranslated or mismatched messages:\n" + "\n".join(found)


def test_catalogues_find_the_conversation_messages() -> None:
    templates = {t for t, _ in template_msgids()}
    assert {"messages/signup_consent.j2", "errors/meeting_in_past.j2"} <= templates


def test_catalogues_placeholders_are_the_same_in_danish() -> None:
    catalogue = merged_catalogue("da")
    msgid = "Nice to meet you, %(name)s! How old are you?"
    assert placeholders(catalogue[msgid]) == placeholders(msgid) == {"name"}


def test_catalogues_a_rendered_message_differs_by_language() -> None:
    renderer = Renderer()
    assert "da" in available_languages() and "en" in available_languages()
    assert renderer.message("label_yes", "da") == "Ja"
    assert renderer.message("label_yes", "en") == "Yes"

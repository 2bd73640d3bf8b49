"""The dashboard names what each message in a person's history is about in words, in the
coordinator's language (never a template name such as `pair_paused`), and a youth's situation
in the sign-up's words (never a code such as `unemployed`)."""

from __future__ import annotations

import html
import re

import pytest

from mentoring import outbound
from mentoring.email_replies import ANSWER_TEMPLATE
from messaging.render import Renderer
from templates import TEMPLATE_DIR
from tests import test_dashboard
from tests.test_dashboard import Dashboard

dash = test_dashboard.dash  # the dashboard over real HTTP, on both databases

# Pieces rendered inside other messages (buttons, choices, words for codes), never sent alone.
PIECES = re.compile(
    r"^(_|label_|followup_option_)|^(lookup_label|language_name|job_kind_label|topic_label)$"
)
# Outbox rows named without a message file of their own: an e-mail answer rendered from
# templates/email, and the calendar cancellation the e-mail channel composes.
COMPOSED = {ANSWER_TEMPLATE, "meeting_invite_cancelled"}
KINDS = sorted(
    {p.stem for p in (TEMPLATE_DIR / "messages").glob("*.j2") if not PIECES.search(p.stem)}
    | COMPOSED
)
WORDS = '{% import "web/_message_kinds.html" as K %}{{ K.words.get(name, "") }}'


def _words(language: str, name: str) -> str:
    return Renderer().env(language, html=True).from_string(WORDS).render(name=name).strip()


@pytest.mark.parametrize("kind", KINDS)
def test_every_message_kind_has_words_in_danish_and_english(kind: str) -> None:
    danish, english = _words("da", kind), _words("en", kind)
    assert english and english != kind
    assert danish and danish != english  # translated, not the English source


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _history(page: str) -> list[str]:
    """The 'What' column of the person page's message table, newest first."""
    table = page.split('id="messages"', 1)[1].split("</table>", 1)[0]
    return [_text(row.split("<td>")[3]) for row in table.split("<tr>")[2:]]


async def test_person_page_names_messages_and_the_situation_in_words(dash: Dashboard) -> None:
    await dash.login()
    async with dash.runtime.transaction() as s:  # Sara (out of work) was told these, in order
        for template, context in (
            ("signup_done", {"first_name": "Sara"}),
            ("pair_paused", {"partner": "Henrik"}),
        ):
            assert await outbound.say(s, dash.runtime.renderer, dash.data.sara, template, context)
    where = f"/people/{dash.data.sara}"
    page = await (await dash.client.get(where)).text()
    assert _history(page) == ["Parret er sat på pause", "Tilmelding færdig"]
    assert "<dd>Uden job</dd>" in page
    assert '<option value="unemployed" selected>Uden job</option>' in page
    assert "pair_paused" not in page and ">unemployed<" not in page

    token = await dash.csrf(where)
    await dash.client.post("/language", data={"csrf": token, "language": "en", "next": where})
    page = await (await dash.client.get(where)).text()
    assert _history(page) == ["Pair paused", "Sign-up done"]
    assert "<dd>Out of work</dd>" in page

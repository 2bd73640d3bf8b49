"""The digest delivered over real SMTP: multipart with HTML, text and inline charts."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from core.runtime import Runtime
from mentoring.digest_mail import send_weekly_digest
from messaging.render import Renderer
from settings import load_settings
from storage.digest_sql import SHOWN
from storage.models import Coordinator
from tests.digest_dataset import NOW, WEEK, build_programme, bulk_programme
from tests.smtp_server import smtp_server

RuntimeMaker = Callable[..., Any]


@pytest.fixture
async def make_runtime(db_url: str, tmp_path: Path) -> AsyncIterator[RuntimeMaker]:
    made: list[Runtime] = []

    async def make(**overrides: Any) -> Runtime:
        settings = load_settings(database_url=db_url, data_dir=tmp_path / "data", **overrides)
        runtime = Runtime.build(settings, clock=lambda: NOW)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        await runtime.close()


def _parts(msg: EmailMessage) -> dict[str, list[EmailMessage]]:
    found: dict[str, list[EmailMessage]] = {}
    for part in msg.walk():
        found.setdefault(part.get_content_type(), []).append(part)  # type: ignore[arg-type]
    return found


async def test_digest_arrives_as_multipart_with_html_text_and_charts(
    make_runtime: RuntimeMaker,
) -> None:
    with smtp_server() as (port, inbox, _):
        runtime = await make_runtime(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
        async with runtime.sessions() as session:
            await build_programme(session)
        assert await send_weekly_digest(runtime, WEEK) == 1
    [(rcpt, msg)] = inbox.messages
    assert rcpt == ["koordinator@vejle.dk"]
    assert msg.get_content_type() == "multipart/alternative"
    parts = _parts(msg)
    assert set(parts) >= {"text/plain", "text/html", "image/png", "multipart/related"}
    html = parts["text/html"][0].get_content()
    text = parts["text/plain"][0].get_content()
    assert len(parts["image/png"]) == 2
    for image in parts["image/png"]:
        assert image.get_content().startswith(b"\x89PNG")
        assert f"cid:{image['Content-ID'].strip('<>')}" in html
    assert str(msg["Subject"]) == "Erhvervsmentor Vejle: ugen i tal, uge 48"
    # Danish by default, with the hand-computed figures.
    assert "bagud med 12" in text and "8 af 40" in text
    assert "bagud med 9 procentpoint" in text  # full term: 67 % of a 75 % target
    assert "Ali og Mette (par 2)" in text
    assert "intet møde i 24 dage" in html
    assert "Jonas (id 12): har ventet 21 dage" in text
    # No outcome window has closed on 26 November: nobody counts as self-supporting yet.
    assert "0 selvforsørgende unge x 69.227 kr." in text
    assert "Stoppet før tid: 0 på grund af job eller uddannelse, 1 af andre årsager." in text
    assert "Forbi slutdatoen, ikke afsluttet (0)" in text
    assert "ikke var blevet selvforsørgende" in text
    assert 'style="' in html and "<link" not in html and "http" not in html.split("<body")[1]


async def test_digest_speaks_english_to_an_english_coordinator(
    make_runtime: RuntimeMaker,
) -> None:
    with smtp_server() as (port, inbox, _):
        runtime = await make_runtime(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
        async with runtime.sessions() as session:
            await build_programme(session)
            await session.execute(update(Coordinator).values(language="en"))
            await session.commit()
        await send_weekly_digest(runtime, WEEK)
    text = _parts(inbox.messages[0][1])["text/plain"][0].get_content()
    assert "behind by 12" in text and "Ali and Mette (pair 2)" in text


async def test_digest_goes_to_digest_recipients_over_starttls_with_login(
    make_runtime: RuntimeMaker, tmp_path: Path
) -> None:
    with smtp_server(tmp_path, user="bot", password="hemmeligt-123") as (port, inbox, ctx):
        runtime = await make_runtime(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="starttls",
            smtp_username="bot",
            smtp_password="hemmeligt-123",
            digest_recipients="leder@vejle.dk, udvalg@vejle.dk",
        )
        async with runtime.sessions() as session:
            await build_programme(session)
        from mentoring.digest_mail import send_digest
        from messaging.email import Mailer

        sent = await send_digest(runtime, WEEK, Mailer(runtime.settings, tls_context=ctx))
    assert sent == 2
    assert sorted(r[0] for r, _ in inbox.messages) == ["leder@vejle.dk", "udvalg@vejle.dk"]
    assert inbox.logins == ["bot", "bot"]


async def test_digest_without_smtp_host_is_written_as_eml_and_address_masked(
    make_runtime: RuntimeMaker, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = await make_runtime()
    async with runtime.sessions() as session:
        await build_programme(session)
    with caplog.at_level(logging.INFO):
        assert await send_weekly_digest(runtime, WEEK) == 1
    [eml] = list(runtime.settings.mail_outbox_dir.glob("*.eml"))
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["To"] == "koordinator@vejle.dk"
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert str(eml) in logged
    assert "koordinator@vejle.dk" not in logged and "k***@vejle.dk" in logged


async def test_digest_of_a_large_programme_names_the_first_and_counts_the_rest(
    make_runtime: RuntimeMaker,
) -> None:
    runtime = await make_runtime(digest_recipients="koordinator@vejle.dk")
    async with runtime.sessions() as session:
        await bulk_programme(session, SHOWN + 15)
    assert await send_weekly_digest(runtime, WEEK) == 1
    [eml] = list(runtime.settings.mail_outbox_dir.glob("*.eml"))
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    text = _parts(msg)["text/plain"][0].get_content()
    html = _parts(msg)["text/html"][0].get_content()
    # All 35 pairs are below their hours on the 26th: the heading counts them all, the list
    # names the first 20 and says how many more there are.
    assert f"Par der har brug for opmærksomhed ({SHOWN + 15})" in text
    assert text.count("only 1,5 hours") == 0 and text.count("kun 1,5 timer") == SHOWN
    assert "- og 15 mere" in text and "og 15 mere" in html
    assert "35 af 35 par er under" in text


def test_the_renderer_brings_its_own_date_filters_before_any_digest_is_drawn() -> None:
    """`shortday` is the renderer's, not added to it as a side effect of drawing a digest."""
    renderer = Renderer()
    template = renderer.env("da", html=True).from_string("{{ d|shortday }}")
    assert template.render(d=date(2026, 12, 8)) == "8. dec. 2026"

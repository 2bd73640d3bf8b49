"""The digest as an e-mail: HTML (inlined CSS) + text, with inline chart images; and its sending."""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mentoring.digest import load_digest
from mentoring.digest_model import Digest, default_week
from mentoring.programmes import current_programme
from messaging.charts import hours_chart, progress_chart
from messaging.email import Mailer
from messaging.render import Renderer
from storage.models import Coordinator, DigestSend

if TYPE_CHECKING:
    from core.runtime import Runtime

log = logging.getLogger(__name__)
DIGEST_WEEKDAY, DIGEST_HOUR = 0, 7  # Monday 07:00 programme time (scheduler.py's trigger)


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str
    images: dict[str, bytes]  # content-id (without brackets) -> PNG


def charts(digest: Digest) -> dict[str, bytes]:
    span = max((digest.ends_on - digest.starts_on).days, 1)
    actual = [((d - digest.starts_on).days / span, n) for d, n in digest.matches_over_time]
    target = digest.target("matched").target
    top = max(target, *(n for _, n in digest.matches_over_time)) * 1.05
    hours = sorted((h for _, h in digest.hours_this_month), reverse=True)
    return {
        "matches": progress_chart(actual, target, top),
        "hours": hours_chart(hours, digest.monthly_hours),
    }


def render_digest(digest: Digest, renderer: Renderer, language: str) -> Rendered:
    """Subject, HTML with CSS inlined (premailer), text part and the chart images."""
    images = charts(digest)
    domain = "mentorbot.local"
    cids = {name: make_msgid(name, domain)[1:-1] for name in images}
    hours_top = max([digest.monthly_hours * 1.5, *(h for _, h in digest.hours_this_month)])
    context = {
        "d": digest,
        "cids": cids,
        "hours_top": hours_top,
        "matches_top": max(
            digest.target("matched").target, *(n for _, n in digest.matches_over_time)
        )
        * 1.05,
        "pairs_behind_hours": digest.below_hours,
    }
    subject = renderer.render("email/digest_subject.txt.j2", language, **context)
    text = renderer.render("email/digest.txt.j2", language, **context)
    raw_html = renderer.render("email/digest.html.j2", language, **context)
    # Imported here: premailer (with cssutils and lxml) costs ~15 MB of resident memory in every
    # `serve` process, and only the weekly digest inlines CSS.
    from premailer import Premailer

    html = Premailer(
        raw_html,
        keep_style_tags=True,
        strip_important=False,
        allow_network=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
    ).transform()
    return Rendered(" ".join(subject.split()), html, text, {cids[k]: v for k, v in images.items()})


def compose(rendered: Rendered, to: str, mail_from: str) -> EmailMessage:
    """multipart/alternative: text, then multipart/related (HTML + inline PNGs by Content-ID)."""
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = mail_from
    message["To"] = to
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    html_part = message.get_payload()[1]  # type: ignore[index]
    assert isinstance(html_part, EmailMessage)
    for cid, png in rendered.images.items():
        html_part.add_related(
            png,
            maintype="image",
            subtype="png",
            cid=f"<{cid}>",
            filename=f"{cid.split('.')[0]}.png",
        )
    return message


def preview_html(rendered: Rendered) -> str:
    """The HTML with the images embedded as data: URIs, for a browser."""
    html = rendered.html
    for cid, png in rendered.images.items():
        data = base64.b64encode(png).decode("ascii")
        html = html.replace(f"cid:{cid}", f"data:image/png;base64,{data}")
    return html


async def recipients(runtime: Runtime) -> list[tuple[str, str]]:
    """(address, language): DIGEST_RECIPIENTS, or all coordinators, each in their language."""
    async with runtime.sessions() as session:
        rows = (await session.execute(select(Coordinator.email, Coordinator.language))).all()
    languages = {email.lower(): language for email, language in rows}
    listed = runtime.settings.digest_recipient_list
    if listed:
        default = runtime.settings.default_language
        return [(a, languages.get(a.lower(), default)) for a in listed]
    return sorted((email, language or "da") for email, language in rows)


async def digest_for(runtime: Runtime, week: str | None) -> Digest:
    now = runtime.clock()
    tz = runtime.settings.tz
    week = week or default_week(now, tz)
    async with runtime.sessions() as session, session.begin():
        programme = await current_programme(session, now.astimezone(tz).date())
        return await load_digest(session, programme.id, week, now, tz)


async def write_preview(runtime: Runtime, week: str | None, path: Path, language: str) -> Path:
    digest = await digest_for(runtime, week)
    html = preview_html(render_digest(digest, runtime.renderer, language))
    await asyncio.to_thread(path.write_text, html, "utf-8")
    return path


async def send_weekly_digest(runtime: Runtime, week: str | None = None) -> int:
    """The scheduler's weekly job: one e-mail per recipient; returns how many were sent."""
    return await send_digest(runtime, week)


async def send_digest(runtime: Runtime, week: str | None, mailer: Mailer | None = None) -> int:
    """One e-mail per recipient (rendered in their language) that has not had this week's;
    returns how many were sent.

    Each send is recorded (`digest_sends`, per week and recipient) before it goes out and
    marked after, so a rerun or a restart after a crash sends only to the recipients not yet
    marked: at most the one being sent at the moment of a crash gets it twice.
    """
    mailer = mailer or Mailer(runtime.settings)
    digest = await digest_for(runtime, week)
    sent = 0
    cache: dict[str, Rendered] = {}
    for address, language in await recipients(runtime):
        if not await _claim(runtime, digest.week, address):
            continue
        if language not in cache:
            cache[language] = render_digest(digest, runtime.renderer, language)
        await mailer.send(compose(cache[language], address, runtime.settings.mail_from))
        await _mark_sent(runtime, digest.week, address)
        sent += 1
    log.info("digest sent", extra={"week": digest.week, "emails": sent})
    return sent


async def _claim(runtime: Runtime, week: str, address: str) -> bool:
    """Record the send before it happens; False when this recipient has had the week's."""
    table = cast(Table, DigestSend.__table__)
    async with runtime.sessions() as session, session.begin():
        connection = await session.connection()
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        await session.execute(
            insert(table)
            .values(week=week, recipient=address.lower(), created_at=runtime.clock())
            .on_conflict_do_nothing(index_elements=[table.c.week, table.c.recipient])
        )
        sent_at = await session.scalar(
            select(table.c.sent_at).where(
                table.c.week == week, table.c.recipient == address.lower()
            )
        )
    return sent_at is None


async def _mark_sent(runtime: Runtime, week: str, address: str) -> None:
    async with runtime.sessions() as session, session.begin():
        await session.execute(
            update(DigestSend)
            .where(DigestSend.week == week, DigestSend.recipient == address.lower())
            .values(sent_at=runtime.clock())
        )


def _due_moment(now: datetime, tz: ZoneInfo) -> datetime:
    """The last Monday 07:00 (DIGEST_WEEKDAY, DIGEST_HOUR, local time) at or before `now`."""
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=(local.weekday() - DIGEST_WEEKDAY) % 7)
    due = datetime.combine(monday, time(DIGEST_HOUR), tzinfo=tz)
    return due - timedelta(days=7) if due > local else due


def due_week(now: datetime, tz: ZoneInfo) -> str:
    """The week whose digest should have gone out by `now`: the one the last Monday 07:00
    sent, or would have."""
    return default_week(_due_moment(now, tz), tz)


async def catch_up_digest(runtime: Runtime) -> int:
    """On the scheduler's start: send the due week's digest to whoever has not had it (a
    process that was down on Monday at 07:00, or started after it, skips no week). Only

    - when it fell due this week: before Monday 07:00 the regular run is hours away, and last
      week's digest that late would be one more e-mail rather than a missed one;
    - when this installation has recorded a digest send before: on a new installation, or on
      the first start after the upgrade that began recording sends, nothing says the due week
      did not go out (it had, unrecorded), so the next Monday's run is the first.
    """
    now, tz = runtime.clock(), runtime.settings.tz
    due = _due_moment(now, tz)
    if due.isocalendar()[:2] != now.astimezone(tz).isocalendar()[:2]:
        return 0
    async with runtime.sessions() as session:
        recorded = await session.scalar(select(DigestSend.id).limit(1))
    if recorded is None:
        log.info("digest catch-up skipped: no digest send recorded yet")
        return 0
    return await send_digest(runtime, default_week(due, tz))

"""`mentorbot doctor`: is this installation ready for real people? One line per check.

Each check asks the real thing (the database, Telegram, Twilio, the SMTP server) rather than
trusting the configuration, and says what to do when something is wrong. The exit code is the
worst level found: 0 all ok, 1 warnings, 2 errors.
"""

from __future__ import annotations

import asyncio
import ssl
import stat
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from enum import IntEnum
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from messaging.render import Renderer
from ops.providers import (
    SMS_INBOUND_PATH,
    SMS_STATUS_PATH,
    TELEGRAM_PATH,
    SetupError,
    fetch_sender,
    telegram_bot,
    telegram_error,
    twilio_client,
    twilio_error,
)
from settings import Settings, production_problems
from storage.db import create_engine, is_sqlite
from storage.migrate import SchemaState, schema_state

PENDING_UPDATES_WARN = 100  # more waiting updates than this: the webhook is not being answered
RECENT_ERROR = timedelta(hours=24)  # a Telegram delivery error younger than this is reported
CLOCK_SKEW = timedelta(seconds=60)  # Twilio signatures and one-click links tolerate less drift


class Level(IntEnum):
    OK = 0
    WARNING = 1
    ERROR = 2


@dataclass(frozen=True)
class Finding:
    level: Level
    check: str
    text: str

    def line(self) -> str:
        return f"{self.level.name.lower():<8}{self.check}: {self.text}"


@dataclass
class Doctor:
    settings: Settings
    send_test: str | None = None
    tls_context: ssl.SSLContext | None = None  # tests trust their own SMTP certificate

    async def run(self) -> list[Finding]:
        checks: list[Callable[[], Awaitable[list[Finding]]]] = [
            self.production,
            self.data_dir,
            self.database,
            self.clock,
            self.telegram,
            self.twilio,
            self.smtp,
            self.email_inbound,
        ]
        findings: list[Finding] = []
        for check in checks:
            findings += await check()
        return findings

    # -- the checks --------------------------------------------------------------------------

    async def production(self) -> list[Finding]:
        """The refusals `serve` applies (settings.production_problems), all of them listed."""
        s = self.settings
        problems = production_problems(s)
        if problems:
            return [Finding(Level.ERROR, "production", f"serve refuses: {p}") for p in problems]
        if not s.is_production:
            return [
                Finding(
                    Level.WARNING,
                    "production",
                    "APP_ENV is not production: set APP_ENV=production on the server "
                    "(hides the demo and dev pages)",
                )
            ]
        return [Finding(Level.OK, "production", "APP_ENV=production and its settings are safe")]

    async def database(self) -> list[Finding]:
        url = self.settings.db_url
        if is_sqlite(url):  # look, do not create: opening a missing file would make one
            path = Path(make_url(url).database or "")
            if not await asyncio.to_thread(path.is_file):
                return [Finding(Level.ERROR, "database", f"there is no database at {path}: "
                                "run `mentorbot db upgrade` to create it")]  # fmt: skip
        engine = create_engine(url)
        try:
            state = await schema_state(engine)
        except (SQLAlchemyError, OSError) as exc:
            return [
                Finding(
                    Level.ERROR,
                    "database",
                    f"cannot connect ({type(exc).__name__}): "
                    "check DATABASE_URL and that the server runs",
                )
            ]
        finally:
            await engine.dispose()
        return [_schema_finding(state)]

    async def data_dir(self) -> list[Finding]:
        folder = self.settings.data_dir.resolve()
        if not folder.is_dir():
            return [
                Finding(
                    Level.ERROR,
                    "data dir",
                    f"{folder} does not exist: mkdir -m 700 {folder} (owned by the service user)",
                )
            ]
        mode = stat.S_IMODE(folder.stat().st_mode)
        if mode & 0o077:
            return [
                Finding(
                    Level.WARNING,
                    "data dir",
                    f"{folder} is readable by others (mode {mode:o}): chmod 700 {folder}",
                )
            ]
        return [Finding(Level.OK, "data dir", f"{folder} exists and is private")]

    async def clock(self) -> list[Finding]:
        now = datetime.now(UTC)
        tz = self.settings.tz
        local = now.astimezone(tz)
        if now.year < 2026:
            return [
                Finding(
                    Level.ERROR,
                    "clock",
                    f"the system clock says {now:%Y-%m-%d}: "
                    "turn on time synchronisation (timedatectl set-ntp true)",
                )
            ]
        skew = await self._database_skew(now)
        if skew is not None and abs(skew) > CLOCK_SKEW:
            return [
                Finding(
                    Level.WARNING,
                    "clock",
                    f"this machine and the database differ by "
                    f"{abs(skew).total_seconds():.0f} s: synchronise both with NTP",
                )
            ]
        offset = local.utcoffset() or timedelta()
        return [
            Finding(
                Level.OK,
                "clock",
                f"{local:%Y-%m-%d %H:%M} in {self.settings.timezone} "
                f"(UTC{offset.total_seconds() / 3600:+.0f})",
            )
        ]

    async def _database_skew(self, now: datetime) -> timedelta | None:
        if is_sqlite(self.settings.db_url):
            return None  # the same machine's clock
        engine = create_engine(self.settings.db_url)
        try:
            async with engine.connect() as conn:
                theirs = await conn.scalar(text("SELECT now()"))
        except (SQLAlchemyError, OSError):
            return None  # the database check reports it
        finally:
            await engine.dispose()
        return theirs - now if isinstance(theirs, datetime) else None

    async def telegram(self) -> list[Finding]:
        from aiogram.exceptions import TelegramAPIError, TelegramNetworkError

        s = self.settings
        if not s.telegram_enabled:
            return [Finding(Level.OK, "telegram", "off (TELEGRAM_BOT_TOKEN is not set)")]
        try:
            async with telegram_bot(s) as bot:
                me = await bot.get_me()
                info = await bot.get_webhook_info()
        except (TelegramAPIError, TelegramNetworkError) as exc:
            return [Finding(Level.ERROR, "telegram", telegram_error(exc))]
        found = [Finding(Level.OK, "telegram", f"the token works for @{me.username}")]
        wanted = f"{s.public_base_url}{TELEGRAM_PATH}" if s.public_base_url else ""
        if not wanted and info.url:
            found.append(
                Finding(
                    Level.ERROR,
                    "telegram webhook",
                    f"set to {info.url} but "
                    "PUBLIC_BASE_URL is unset, so polling gets nothing: run "
                    "`mentorbot telegram webhook delete` or set PUBLIC_BASE_URL",
                )
            )
        elif not wanted:
            found.append(Finding(Level.OK, "telegram webhook", "none: serve uses polling"))
        elif not info.url:
            found.append(
                Finding(
                    Level.WARNING,
                    "telegram webhook",
                    "not set yet: serve sets it on start, or run `mentorbot telegram webhook set`",
                )
            )
        elif info.url != wanted:
            found.append(
                Finding(
                    Level.ERROR,
                    "telegram webhook",
                    f"points at {info.url}, not {wanted}: run `mentorbot telegram webhook set`",
                )
            )
        else:
            found.append(Finding(Level.OK, "telegram webhook", f"points at {wanted}"))
        if info.last_error_date and datetime.now(UTC) - info.last_error_date < RECENT_ERROR:
            found.append(
                Finding(
                    Level.WARNING,
                    "telegram delivery",
                    f"Telegram could not "
                    f"deliver at {info.last_error_date:%Y-%m-%d %H:%M} UTC: "
                    f"{info.last_error_message}; check the proxy and /healthz",
                )
            )
        if info.pending_update_count > PENDING_UPDATES_WARN:
            found.append(
                Finding(
                    Level.WARNING,
                    "telegram delivery",
                    f"{info.pending_update_count}"
                    " updates wait for us: is serve running and reachable?",
                )
            )
        return found

    async def twilio(self) -> list[Finding]:
        from twilio.base.exceptions import TwilioException

        s = self.settings
        if not s.sms_enabled:
            return [Finding(Level.OK, "twilio", "off (TWILIO_ACCOUNT_SID is not set)")]
        try:
            async with twilio_client(s) as client:
                account = await client.api.v2010.accounts(s.twilio_account_sid).fetch_async()
                sender = await fetch_sender(client, s)
        except SetupError as exc:
            return [Finding(Level.ERROR, "twilio", str(exc))]
        except (TwilioException, OSError, TimeoutError) as exc:
            return [Finding(Level.ERROR, "twilio", twilio_error(exc))]
        if account.status != "active":
            return [
                Finding(
                    Level.ERROR,
                    "twilio",
                    f"the account is {account.status}: reactivate it in the Twilio console",
                )
            ]
        found = [Finding(Level.OK, "twilio", f"account {account.friendly_name} is active")]
        if not sender.has_sms:
            found.append(
                Finding(
                    Level.ERROR,
                    "twilio sender",
                    f"the {sender.label} cannot send SMS: choose a number with the SMS capability",
                )
            )
        if not s.public_base_url:
            found.append(
                Finding(
                    Level.WARNING,
                    "twilio callbacks",
                    "PUBLIC_BASE_URL is unset: incoming SMS and delivery reports cannot reach us",
                )
            )
            return found
        inbound = s.public_base_url + SMS_INBOUND_PATH
        wrong = []
        if sender.inbound_url != inbound:
            wrong.append(f"incoming SMS go to {sender.inbound_url or 'nowhere'}")
        if sender.kind == "service":
            if sender.status_url != s.public_base_url + SMS_STATUS_PATH:
                wrong.append(f"statuses go to {sender.status_url or 'nowhere'}")
            if sender.numbers_use_own_webhook:
                wrong.append("the numbers' own webhooks are used")
        if wrong:
            found.append(
                Finding(
                    Level.ERROR,
                    "twilio callbacks",
                    f"the {sender.label}: "
                    f"{'; '.join(wrong)}, not us: run `mentorbot twilio configure`",
                )
            )
        else:
            found.append(
                Finding(
                    Level.OK,
                    "twilio callbacks",
                    f"the {sender.label} sends incoming SMS to {inbound}",
                )
            )
        return found

    async def smtp(self) -> list[Finding]:
        import aiosmtplib

        from messaging.email import DEFAULT_PORTS, Mailer

        s = self.settings
        if not s.smtp_host:
            level = Level.WARNING if s.is_production else Level.OK
            return [
                Finding(
                    level,
                    "smtp",
                    f"SMTP_HOST is not set: e-mails are only written to {s.mail_outbox_dir}",
                )
            ]
        port = s.smtp_port or DEFAULT_PORTS[s.smtp_security]
        where = f"{s.smtp_host}:{port} ({s.smtp_security})"
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=port,
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
            tls_context=self.tls_context,
            timeout=15,
        )
        try:
            async with client:
                if s.smtp_username:
                    password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                    await client.login(s.smtp_username, password)
        except aiosmtplib.SMTPAuthenticationError:
            return [
                Finding(
                    Level.ERROR,
                    "smtp",
                    f"{where} refuses the login of "
                    f"{s.smtp_username}: check SMTP_USERNAME and SMTP_PASSWORD",
                )
            ]
        except (aiosmtplib.SMTPException, OSError) as exc:
            return [
                Finding(
                    Level.ERROR,
                    "smtp",
                    f"cannot talk to {where} ({type(exc).__name__}"
                    f"): check SMTP_HOST, SMTP_PORT and SMTP_SECURITY",
                )
            ]
        login = f" and logs in as {s.smtp_username}" if s.smtp_username else ""
        found = [Finding(Level.OK, "smtp", f"{where} answers{login}")]
        if self.send_test:
            try:
                await Mailer(s, self.tls_context).send(self._test_mail(self.send_test))
            except Exception as exc:  # every failure is reported, none hidden
                found.append(Finding(Level.ERROR, "smtp test mail", f"not accepted ({exc})"))
            else:
                found.append(
                    Finding(
                        Level.OK,
                        "smtp test mail",
                        f"accepted for {self.send_test}: check that it arrived (and not as spam)",
                    )
                )
        return found

    def _test_mail(self, address: str) -> EmailMessage:
        renderer = Renderer(tz=self.settings.tz)
        language = self.settings.default_language
        mail = EmailMessage()
        mail["Subject"] = renderer.render("email/doctor_test_subject.txt.j2", language).strip()
        mail["To"] = address
        mail.set_content(renderer.render("email/doctor_test.txt.j2", language))
        return mail

    async def email_inbound(self) -> list[Finding]:
        s = self.settings
        if not s.smtp_host:
            return [Finding(Level.OK, "e-mail replies", "no e-mail goes out, so none come back")]
        if not s.email_inbound_enabled:
            return [
                Finding(
                    Level.WARNING,
                    "e-mail replies",
                    "EMAIL_INBOUND_SECRET is not set: "
                    "replies to our e-mails are lost; set it and point the mail "
                    "provider's inbound parse at PUBLIC_BASE_URL/email/inbound/SECRET",
                )
            ]
        return [Finding(Level.OK, "e-mail replies", "EMAIL_INBOUND_SECRET is set")]


def _schema_finding(state: SchemaState) -> Finding:
    if state.current is None:
        return Finding(Level.ERROR, "database", "reachable but empty: run `mentorbot db upgrade`")
    if state.newer_than_code:
        return Finding(
            Level.ERROR,
            "database",
            f"at revision {state.current}, newer than this "
            f"code ({state.head}): install the version that upgraded it",
        )
    if state.current != state.head:
        return Finding(
            Level.ERROR,
            "database",
            f"at revision {state.current}, the code needs "
            f"{state.head}: back up, then run `mentorbot db upgrade`",
        )
    return Finding(Level.OK, "database", f"reachable and at the latest revision ({state.head})")


async def diagnose(
    settings: Settings, send_test: str | None = None, tls_context: ssl.SSLContext | None = None
) -> tuple[list[Finding], int]:
    """All findings and the exit code (the worst level)."""
    findings = await Doctor(settings, send_test, tls_context).run()
    return findings, max((int(f.level) for f in findings), default=0)

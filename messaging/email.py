"""Sending e-mail: aiosmtplib with the SMTP_* settings, or `.eml` files when no host is set.

Without SMTP_HOST (development, demos) every e-mail is written to DATA_DIR/outbox/ and its path
logged, so nothing leaves the machine and the file opens in any mail program. Addresses are never
logged unmasked.
"""

from __future__ import annotations

import logging
import os
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import aiosmtplib

from logsetup import mask_email
from messaging.senders import PermanentFailure, TemporaryFailure
from settings import Settings

log = logging.getLogger(__name__)
DEFAULT_PORTS = {"tls": 465, "starttls": 587, "none": 25}


class Mailer:
    """Delivers finished messages; returns the Message-ID (set here when missing)."""

    def __init__(self, settings: Settings, tls_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.tls_context = tls_context

    def prepare(self, message: EmailMessage) -> str:
        if "From" not in message:
            message["From"] = self.settings.mail_from
        if "Date" not in message:
            message["Date"] = formatdate(localtime=False, usegmt=True)
        if "Message-ID" not in message:
            domain = self.settings.mail_from.rpartition("@")[2] or "localhost"
            message["Message-ID"] = make_msgid(domain=domain)
        return str(message["Message-ID"])

    async def send(self, message: EmailMessage) -> str:
        message_id = self.prepare(message)
        recipients = [mask_email(a.strip()) for a in str(message.get("To", "")).split(",")]
        if not self.settings.smtp_host:
            path = self.write_eml(message, message_id)
            log.info("e-mail written", extra={"path": str(path), "to": recipients})
            return message_id
        security = self.settings.smtp_security
        password = self.settings.smtp_password
        try:
            await aiosmtplib.send(
                message,
                hostname=self.settings.smtp_host,
                port=self.settings.smtp_port or DEFAULT_PORTS[security],
                username=self.settings.smtp_username or None,
                password=password.get_secret_value() if password else None,
                use_tls=security == "tls",
                start_tls=security == "starttls",
                tls_context=self.tls_context,
                timeout=30,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure("recipient refused", "invalid") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentFailure(f"smtp {exc.code}", "invalid") from exc
            raise TemporaryFailure(f"smtp {exc.code}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"smtp {type(exc).__name__}") from exc
        log.info("e-mail sent", extra={"to": recipients})
        return message_id

    def write_eml(self, message: EmailMessage, message_id: str) -> Path:
        folder = self.settings.mail_outbox_dir
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        token = "".join(ch for ch in message_id if ch.isalnum())[:24]
        path = folder / f"{stamp}-{token}.eml"
        # An e-mail names a person and what we told them: this user's eyes only.
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(message.as_bytes())
        return path

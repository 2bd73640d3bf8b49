"""The one typed settings object: every environment variable of the README's Configuration."""

from __future__ import annotations

import re
import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class AppEnv(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SettingsError(Exception):
    """A configuration value that stops start-up; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_env: AppEnv = AppEnv.DEVELOPMENT
    data_dir: Path = Path("./var")
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_base_url: str | None = None
    secret_key: SecretStr | None = None
    secret_key_previous: SecretStr | None = None  # still accepted after a rotation
    timezone: str = "Europe/Copenhagen"
    default_language: Literal["da", "en"] = "da"

    telegram_bot_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    twilio_messages_per_second: float = Field(default=1.0, gt=0)  # 1 for a long code
    sms_allow_links: bool = False  # Danish operators filter SMS with links

    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    mail_from: str = "erhvervsmentor@localhost"
    email_inbound_secret: SecretStr | None = None  # the path secret of POST /email/inbound/…

    digest_recipients: str = ""
    run_scheduler: bool = True
    metrics_token: SecretStr | None = None  # /metrics from elsewhere than localhost needs it

    @field_validator("database_url")
    @classmethod
    def _parsable_url(cls, value: str | None) -> str | None:
        if value:
            try:
                make_url(value)
            except ArgumentError as exc:
                raise ValueError("not a SQLAlchemy database URL") from exc
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone") from exc
        return value

    @field_validator("secret_key", "secret_key_previous", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """`SECRET_KEY=` (the .env.example line uncommented) means no key, never an empty one."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("email_inbound_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        if len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (it is the webhook's only lock)")
        if not re.fullmatch(r"[A-Za-z0-9._~-]+", value.get_secret_value()):
            raise ValueError("may hold only letters, digits and . _ ~ - (it is part of a URL)")
        return value

    @field_validator("public_base_url", "telegram_api_url", "twilio_api_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @property
    def is_production(self) -> bool:
        return self.app_env is AppEnv.PRODUCTION

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'mentorbot.db').resolve()}"

    @property
    def mail_outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def imports_dir(self) -> Path:
        """CSV uploads waiting to be imported: the dashboard writes them, the retention job
        deletes those left too long (mentoring.importing.forget_old_uploads)."""
        return self.data_dir / "imports"

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def sms_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def email_inbound_enabled(self) -> bool:
        return self.email_inbound_secret is not None

    @property
    def digest_recipient_list(self) -> list[str]:
        return [a.strip() for a in self.digest_recipients.split(",") if a.strip()]

    def secret(self) -> str:
        """The signing key; in development one is generated once into DATA_DIR."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if self.is_production:
            raise SettingsError("SECRET_KEY: must be set when APP_ENV=production")
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48))
        return path.read_text().strip()

    def signing_keys(self) -> list[str]:
        """Every key a signature may carry, oldest first (itsdangerous' order): the newest
        signs, SECRET_KEY_PREVIOUS still verifies, so links and sessions survive a rotation."""
        keys = [self.secret()]
        if self.secret_key_previous is not None:
            keys.insert(0, self.secret_key_previous.get_secret_value())
        return keys

    def check_production(self) -> None:
        """Production refuses unsafe defaults rather than running with them."""
        problems = production_problems(self)
        if problems:
            raise SettingsError(problems[0])


MIN_SECRET_LENGTH = 32


def production_problems(settings: Settings) -> list[str]:
    """Why production must not start with these settings: one line each, naming the variable.

    `serve` (through `check_production`) refuses on the first; `mentorbot doctor` lists them all.
    Development accepts everything here.
    """
    if not settings.is_production:
        return []
    problems = []
    for name, key in (
        ("SECRET_KEY", settings.secret_key),
        ("SECRET_KEY_PREVIOUS", settings.secret_key_previous),
    ):
        if key is None:
            if name == "SECRET_KEY":
                problems.append("SECRET_KEY: must be set when APP_ENV=production")
        elif len(key.get_secret_value()) < MIN_SECRET_LENGTH:
            problems.append(
                f"{name}: must be at least {MIN_SECRET_LENGTH} characters in production"
                " (python -c 'import secrets; print(secrets.token_urlsafe(48))' makes one)"
            )
    if settings.public_base_url is not None and not _absolute_https(settings.public_base_url):
        problems.append(
            "PUBLIC_BASE_URL: must be an absolute https:// URL in production"
            " (Telegram and Twilio call it; links and cookies depend on it)"
        )
    if (
        settings.telegram_enabled
        and settings.public_base_url
        and not settings.telegram_webhook_secret
    ):
        problems.append(
            "TELEGRAM_WEBHOOK_SECRET: must be set when the Telegram webhook is on in production"
        )
    if settings.twilio_account_sid and not settings.twilio_auth_token:
        problems.append("TWILIO_AUTH_TOKEN: must be set when SMS is on in production")
    return problems


def _absolute_https(url: str) -> bool:
    """https, a host name, no user info, query or fragment: what a public base must be."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a malformed port
    except ValueError:
        return False
    host = parts.hostname or ""
    return (
        parts.scheme == "https"
        and bool(re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", host))
        and "." in host
        and not parts.username
        and not parts.query
        and not parts.fragment
        and (port is None or 0 < port < 65536)
        and url == url.strip()
    )


def load_settings(**overrides: object) -> Settings:
    """Read the environment (and `.env`); a bad value becomes one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"{name}: {first['msg']}") from None

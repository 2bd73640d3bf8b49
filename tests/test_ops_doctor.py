"""`mentorbot doctor` and the provider set-up, against the fake Bot API and Twilio servers over real
HTTP and a real SMTP server: all ok once set up, and each broken part named with its fix."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from ops.doctor import Finding, Level, diagnose
from ops.providers import configure_twilio, delete_webhook, set_webhook, webhook_info_lines
from settings import Settings, load_settings
from storage.migrate import upgrade
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import ACCOUNT, FROM, TOKEN
from tests.smtp_server import Inbox, smtp_server

BASE = "https://mentor.example.dk"
BOT_TOKEN = "42:TEST-TOKEN"
USED_UPDATES = ["message", "callback_query", "my_chat_member"]


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    with smtp_server(user="mentor@kommune.dk", password="rigtigt") as (port, inbox, _):
        yield port, inbox


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    return folder


@dataclass
class Site:
    """A municipality's set-up on the fakes: the Bot API, Twilio with the number still pointing
    at the old supplier, an SMTP server with a login, and a database and DATA_DIR."""

    telegram: FakeTelegramAPI
    twilio: FakeTwilio
    smtp_port: int
    inbox: Inbox
    db_url: str
    data_dir: Path

    def settings(self, **changes: object) -> Settings:
        values: dict[str, object] = {
            "app_env": "production",
            "secret_key": "s" * 48,
            "database_url": self.db_url,
            "data_dir": self.data_dir,
            "public_base_url": BASE,
            "telegram_bot_token": BOT_TOKEN,
            "telegram_webhook_secret": "webhook-secret-123",
            "telegram_api_url": self.telegram.base_url,
            "twilio_account_sid": ACCOUNT,
            "twilio_auth_token": TOKEN,
            "twilio_from_number": FROM,
            "twilio_api_url": self.twilio.base_url,
            "smtp_host": "127.0.0.1",
            "smtp_port": self.smtp_port,
            "smtp_security": "none",
            "smtp_username": "mentor@kommune.dk",
            "smtp_password": "rigtigt",
            "mail_from": "erhvervsmentor@kommune.dk",
            "email_inbound_secret": "inbound-secret-0123456789",
        }
        values.update(changes)
        return load_settings(**values)


@pytest.fixture
def site(
    telegram_api: FakeTelegramAPI,
    twilio: FakeTwilio,
    smtp: tuple[int, Inbox],
    sqlite_url: str,
    data_dir: Path,
) -> Site:
    telegram_api.token = BOT_TOKEN
    twilio.add_number(FROM, sms_url="https://old-supplier.example.com/sms")
    return Site(telegram_api, twilio, smtp[0], smtp[1], sqlite_url, data_dir)


def by_check(findings: list[Finding]) -> dict[str, Finding]:
    return {f.check: f for f in findings}


def problems(findings: list[Finding]) -> list[str]:
    return [f.line() for f in findings if f.level is not Level.OK]


async def test_doctor_is_all_ok_once_the_providers_are_set_up_from_the_command_line(
    site: Site,
    db_url: str,
) -> None:
    settings = replace(site, db_url=db_url).settings()

    before, code = await diagnose(settings)
    assert code == 2
    assert "run `mentorbot twilio configure`" in by_check(before)["twilio callbacks"].text
    assert "mentorbot telegram webhook set" in by_check(before)["telegram webhook"].text

    said = await set_webhook(settings, USED_UPDATES)
    assert said == f"The Telegram webhook now points at {BASE}/telegram/webhook."
    assert site.telegram.webhook_secret == "webhook-secret-123"
    assert await configure_twilio(settings) == [
        f"The number {FROM} now sends incoming SMS to {BASE}/sms/inbound."
    ]

    findings, code = await diagnose(settings)
    assert problems(findings) == []
    assert code == 0
    assert by_check(findings)["telegram"].text == "the token works for @mentor_test_bot"
    assert by_check(findings)["smtp"].text.endswith("logs in as mentor@kommune.dk")


async def test_setting_up_twice_changes_nothing_the_second_time(
    site: Site,
) -> None:
    settings = site.settings()
    await configure_twilio(settings)
    await set_webhook(settings, USED_UPDATES)
    updates = len(site.twilio.updates)

    assert await configure_twilio(settings) == [
        f"The number {FROM} already sends incoming SMS to {BASE}/sms/inbound."
    ]
    assert len(site.twilio.updates) == updates
    again = await set_webhook(settings, USED_UPDATES)
    assert again.startswith("The Telegram webhook already pointed at")
    assert site.telegram.webhook["url"] == f"{BASE}/telegram/webhook"
    assert f"url: {BASE}/telegram/webhook" in await webhook_info_lines(settings)

    assert await delete_webhook(settings) == (
        "The Telegram webhook is deleted; serve will use polling when PUBLIC_BASE_URL is unset."
    )
    assert await delete_webhook(settings) == "There was no Telegram webhook; nothing changed."


async def test_a_wrong_telegram_token_is_an_error_that_says_where_to_get_the_right_one(
    site: Site,
) -> None:
    settings = site.settings(telegram_bot_token="42:REVOKED")
    findings, code = await diagnose(settings)
    assert code == 2
    assert by_check(findings)["telegram"].line() == (
        "error   telegram: Telegram refuses the token (401): copy TELEGRAM_BOT_TOKEN again "
        "from @BotFather"
    )


async def test_a_twilio_number_pointing_elsewhere_is_named_with_the_command_that_fixes_it(
    site: Site,
) -> None:
    settings = site.settings()
    await set_webhook(settings, USED_UPDATES)
    findings, code = await diagnose(settings)
    assert problems(findings) == [
        f"error   twilio callbacks: the number {FROM}: incoming SMS go to "
        "https://old-supplier.example.com/sms, not us: run `mentorbot twilio configure`"
    ]
    assert code == 2


async def test_a_wrong_smtp_password_is_an_error_naming_the_two_settings(
    site: Site,
) -> None:
    settings = site.settings(smtp_password="forkert")
    findings, code = await diagnose(settings)
    assert code == 2
    assert by_check(findings)["smtp"].line() == (
        f"error   smtp: 127.0.0.1:{site.smtp_port} (none) refuses the login of mentor@kommune.dk: "
        "check SMTP_USERNAME and SMTP_PASSWORD"
    )
    assert site.inbox.logins == []


async def test_an_old_database_is_an_error_that_says_to_back_up_and_upgrade(
    tmp_path: Path,
    site: Site,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await upgrade(url, "0001")
    settings = site.settings(database_url=url)
    findings, code = await diagnose(settings)
    assert code == 2
    database = by_check(findings)["database"]
    assert database.level is Level.ERROR
    assert database.text.startswith("at revision 0001, the code needs ")
    assert database.text.endswith(": back up, then run `mentorbot db upgrade`")


async def test_telegram_delivery_trouble_and_a_private_data_dir_are_warnings_exit_1(
    site: Site,
) -> None:
    settings = site.settings()
    await set_webhook(settings, USED_UPDATES)
    await configure_twilio(settings)
    site.telegram.delivery_error("Connection refused")
    site.telegram.pending_update_count = 250
    await asyncio.to_thread(site.data_dir.chmod, 0o755)

    findings, code = await diagnose(settings)
    assert code == 1
    lines = problems(findings)
    assert len(lines) == 3
    assert lines[0] == (
        f"warning data dir: {site.data_dir} is readable by others (mode 755): "
        f"chmod 700 {site.data_dir}"
    )
    assert "Telegram could not deliver" in lines[1] and "Connection refused" in lines[1]
    assert lines[2] == (
        "warning telegram delivery: 250 updates wait for us: is serve running and reachable?"
    )


async def test_a_messaging_service_is_checked_and_configured_with_its_status_url(
    site: Site,
) -> None:
    service = site.twilio.add_service(FROM)
    settings = site.settings(twilio_from_number=None, twilio_messaging_service_sid=service,
    )  # fmt: skip
    await set_webhook(settings, USED_UPDATES)
    findings, _ = await diagnose(settings)
    assert by_check(findings)["twilio callbacks"].text == (
        f"the messaging service {service}: incoming SMS go to nowhere; statuses go to nowhere; "
        "the numbers' own webhooks are used, not us: run `mentorbot twilio configure`"
    )
    await configure_twilio(settings)
    assert site.twilio.services[service]["status_callback"] == f"{BASE}/sms/status"
    assert site.twilio.services[service]["use_inbound_webhook_on_number"] is False
    findings, code = await diagnose(settings)
    assert problems(findings) == []
    assert code == 0


async def test_an_unknown_messaging_service_is_named(
    site: Site,
) -> None:
    settings = site.settings(twilio_messaging_service_sid="MG" + "0" * 32,
    )  # fmt: skip
    findings, code = await diagnose(settings)
    assert code == 2
    assert by_check(findings)["twilio"].text == (
        "Twilio does not know it (404, code 20404): check the SID"
    )


async def test_send_test_delivers_a_danish_test_mail(
    site: Site,
) -> None:
    settings = site.settings()
    findings, _ = await diagnose(settings, send_test="it@kommune.dk")
    assert by_check(findings)["smtp test mail"].level is Level.OK
    [(to, mail)] = site.inbox.messages
    assert to == ["it@kommune.dk"]
    assert mail["Subject"] == "Test-e-mail fra erhvervsmentorprogrammet"
    assert "Kan du læse den, kan programmet sende e-mail." in mail.get_content()


async def test_the_production_refusals_serve_applies_are_reported(
    site: Site,
) -> None:
    settings = site.settings(telegram_webhook_secret=None)
    findings, code = await diagnose(settings)
    assert code == 2
    assert by_check(findings)["production"].text.startswith(
        "serve refuses: TELEGRAM_WEBHOOK_SECRET: must be set"
    )


async def test_every_production_refusal_is_listed_not_only_the_first(
    site: Site,
) -> None:
    settings = site.settings(secret_key="short", public_base_url="http://mentor.example.dk",
    )  # fmt: skip
    findings, code = await diagnose(settings)
    assert code == 2
    refusals = [f.text for f in findings if f.check == "production"]
    assert len(refusals) == 2
    assert refusals[0].startswith("serve refuses: SECRET_KEY: must be at least 32 characters")
    assert refusals[1].startswith("serve refuses: PUBLIC_BASE_URL: must be an absolute https://")


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    import shutil

    target = tmp_path / "mentorbot.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite+aiosqlite:///{target}"


async def test_a_missing_sqlite_database_is_named_and_not_created(
    tmp_path: Path,
    site: Site,
) -> None:
    missing = tmp_path / "nowhere" / "mentorbot.db"
    settings = site.settings(database_url=f"sqlite+aiosqlite:///{missing}")
    findings, code = await diagnose(settings)
    assert code == 2
    assert by_check(findings)["database"].text == (
        f"there is no database at {missing}: run `mentorbot db upgrade` to create it"
    )
    assert not missing.parent.exists()


async def test_smtp_with_starttls_logs_in_over_tls(
    tmp_path: Path,
    site: Site,
) -> None:
    user, password = "mentor@kommune.dk", "rigtigt"
    with smtp_server(tmp_path, user=user, password=password) as (port, inbox, trust):
        settings = site.settings(smtp_port=port, smtp_security="starttls")
        findings, _ = await diagnose(settings, tls_context=trust)
    assert by_check(findings)["smtp"].line() == (
        f"ok      smtp: 127.0.0.1:{port} (starttls) answers and logs in as {user}"
    )
    assert inbox.logins == [user]


async def test_a_number_without_sms_is_an_error(
    site: Site,
) -> None:
    site.twilio.numbers.clear()
    site.twilio.add_number(FROM, sms=False, sms_url=f"{BASE}/sms/inbound")
    settings = site.settings()
    findings, code = await diagnose(settings)
    assert code == 2
    assert by_check(findings)["twilio sender"].text == (
        f"the number {FROM} cannot send SMS: choose a number with the SMS capability"
    )

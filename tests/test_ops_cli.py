"""The operator's commands as an IT department runs them: real `mentorbot` subprocesses."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

from tests.cli_helpers import clean_env, mentorbot
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import ACCOUNT, FROM, TOKEN


def test_db_upgrade_refuses_a_database_newer_than_the_code(tmp_path: Path) -> None:
    env = clean_env(tmp_path / "var")
    assert mentorbot("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    assert (tmp_path / "var").stat().st_mode & 0o777 == 0o700  # made private, as doctor wants
    with closing(sqlite3.connect(tmp_path / "var" / "mentorbot.db")) as db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
        db.commit()

    refused = mentorbot("db", "upgrade", env=env, cwd=tmp_path)
    assert refused.returncode == 2
    assert "the database is at revision 9999, newer than this code" in refused.stderr
    assert "install the version that upgraded it, or restore a backup" in refused.stderr
    other = mentorbot("followups", env=env, cwd=tmp_path)
    assert other.returncode == 2 and "newer than this code" in other.stderr


def test_backup_and_restore_from_the_command_line(tmp_path: Path) -> None:
    live = clean_env(tmp_path / "live")
    assert mentorbot("demo", env=live, cwd=tmp_path).returncode == 0
    made = mentorbot("backup", str(tmp_path / "nightly.backup"), env=live, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == f"Backup written to {tmp_path / 'nightly.backup'}."

    new = clean_env(tmp_path / "new")
    restored = mentorbot("restore", str(tmp_path / "nightly.backup"), env=new, cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert "Erased again after the restore: 0 person(s)." in restored.stdout
    again = mentorbot("restore", str(tmp_path / "nightly.backup"), env=new, cwd=tmp_path)
    assert again.returncode == 2
    assert "Nothing restored: the database is not empty" in again.stdout
    forced = mentorbot("restore", str(tmp_path / "nightly.backup"), "--force", env=new,
                       cwd=tmp_path)  # fmt: skip
    assert forced.returncode == 0
    with closing(sqlite3.connect(tmp_path / "new" / "mentorbot.db")) as db:
        (people,) = db.execute("SELECT count(*) FROM people").fetchone()
    assert people > 0


async def test_doctor_exit_code_names_the_wrong_token(
    tmp_path: Path, telegram_api: FakeTelegramAPI, twilio: FakeTwilio
) -> None:
    telegram_api.token = "42:RIGHT"
    twilio.add_number(FROM, sms_url="https://mentor.example.dk/sms/inbound")
    data = tmp_path / "var"
    data.mkdir(mode=0o700)
    env = clean_env(
        data,
        APP_ENV="production",
        SECRET_KEY="s" * 48,
        PUBLIC_BASE_URL="https://mentor.example.dk",
        TELEGRAM_BOT_TOKEN="42:WRONG",
        TELEGRAM_WEBHOOK_SECRET="webhook-secret-123",
        TELEGRAM_API_URL=telegram_api.base_url,
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_FROM_NUMBER=FROM,
        TWILIO_API_URL=twilio.base_url,
    )
    assert (
        await asyncio.to_thread(mentorbot, "db", "upgrade", env=env, cwd=tmp_path)
    ).returncode == 0
    ran = await asyncio.to_thread(mentorbot, "doctor", env=env, cwd=tmp_path)
    assert ran.returncode == 2, ran.stdout + ran.stderr
    lines = ran.stdout.splitlines()
    assert (
        "error   telegram: Telegram refuses the token (401): copy TELEGRAM_BOT_TOKEN again "
        "from @BotFather"
    ) in lines
    assert lines[-1] == "Errors: fix them before going live."
    assert (
        "ok      twilio callbacks: the number +4571999999 sends incoming SMS to "
        "https://mentor.example.dk/sms/inbound" in lines
    )

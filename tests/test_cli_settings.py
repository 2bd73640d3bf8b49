"""Configuration: bad values stop start-up with one line naming the variable and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import SettingsError, load_settings
from tests.cli_helpers import clean_env, mentorbot


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATABASE_URL", "not a url at all"), ("TIMEZONE", "Europe/Atlantis"), ("PORT", "eighty")],
)
def test_bad_setting_stops_startup_naming_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = mentorbot("db", "upgrade", env=clean_env(tmp_path, **{variable: value}), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"configuration error: {variable}:")


def test_production_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    env = clean_env(tmp_path, APP_ENV="production")
    result = mentorbot("db", "upgrade", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "SECRET_KEY" in result.stderr


def test_unknown_command_is_bad_usage(tmp_path: Path) -> None:
    assert mentorbot("fly", env=clean_env(tmp_path), cwd=tmp_path).returncode == 2


def test_settings_defaults_are_the_embedded_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "DATA_DIR", "APP_ENV", "PORT", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.db_url.startswith("sqlite+aiosqlite:///")
    assert (settings.host, settings.port, settings.timezone) == (
        "127.0.0.1",
        8080,
        "Europe/Copenhagen",
    )
    assert not settings.telegram_enabled and not settings.sms_enabled


def test_dotenv_file_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PORT", raising=False)
    (tmp_path / ".env").write_text("PORT=9099\n")
    assert load_settings().port == 9099


def test_development_secret_is_generated_once_into_data_dir(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    first = settings.secret()
    assert first == load_settings(data_dir=tmp_path).secret()
    assert len(first) > 40
    with pytest.raises(SettingsError):
        load_settings(data_dir=tmp_path, app_env="production").secret()


def test_an_empty_secret_key_is_no_key(tmp_path: Path) -> None:
    """`SECRET_KEY=` uncommented must never sign with the empty string."""
    settings = load_settings(data_dir=tmp_path, secret_key="")
    assert settings.secret_key is None and len(settings.secret()) > 40

"""Running `mentorbot` as a newcomer would: a real subprocess with its own environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CONFIG_VARS = (
    "APP_ENV", "DATABASE_URL", "DATA_DIR", "SECRET_KEY", "TIMEZONE", "PORT", "HOST",
    "TELEGRAM_BOT_TOKEN", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SMTP_HOST",
    "PUBLIC_BASE_URL", "RUN_SCHEDULER",
)  # fmt: skip


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env["DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def mentorbot(
    *args: str, env: dict[str, str], cwd: Path, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        env=env | {"PYTHONPATH": str(Path(__file__).parent.parent)},
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )

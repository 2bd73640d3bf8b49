"""deploy/INSTALL.md's steps, followed on this machine with PostgreSQL, reach a running service:
deploy/check-install.sh runs them (the units' ExecStart lines included) and cleans up after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL

ROOT = Path(__file__).parent.parent


@pytest.mark.timeout(600)  # a dozen `mentorbot` runs, each starting Python on a busy machine
def test_the_installation_guide_reaches_a_running_service(pg_url: str) -> None:
    admin = make_url(PG_URL).set(drivername="postgresql", database="postgres")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "DATABASE_"))}
    env |= {
        "MENTORBOT_VENV": sys.prefix,
        "PG_ADMIN_URL": admin.render_as_string(hide_password=False),
        "PATH": f"{Path(sys.prefix) / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    }
    proc = subprocess.Popen(
        ["bash", str(ROOT / "deploy" / "check-install.sh")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # on a timeout the services it started go too
    )
    try:
        out, err = proc.communicate(timeout=540)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)  # the script's trap stops the services and cleans up
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out[-3000:] + err[-3000:]
    assert "ok      database: reachable and at the latest revision" in out
    assert "healthz: version " in out and "the dispatcher logs JSON lines" in out
    assert "Coordinator koordinator@kommune.dk added." in out
    assert "imported 2, already there 0, rejected 0" in out
    assert "Erased again after the restore: 0 person(s)." in out  # into a new database
    assert out.rstrip().endswith("The service runs: installation steps 1-12 done")


@pytest.mark.parametrize("unit", ["mentorbot", "mentorbot-dispatcher", "mentorbot-backup"])
def test_the_systemd_units_log_to_the_journal_and_read_the_settings_file(unit: str) -> None:
    text = (ROOT / "deploy" / "systemd" / f"{unit}.service").read_text()
    assert "EnvironmentFile=/etc/mentorbot/mentorbot.env" in text
    assert "User=mentorbot" in text and "ExecStart=" in text
    assert "StandardError=journal" in text or "Type=oneshot" in text

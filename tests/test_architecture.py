"""The layers hold (ARCHITECTURE.md, "Layers"): the import-linter contracts in pyproject.toml are
kept, and a new leak or cycle breaks them.

The second test copies the packages into a temporary directory, adds one forbidden import there
and runs the same contracts against the copy: so a contract that silently stopped checking (a
typo in a module name, an over-broad ignore) fails here, not in a review.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "bot", "messaging", "storage", "mentoring", "web", "ops", "templates")
TOP_MODULES = ("cli.py", "settings.py", "logsetup.py", "scheduler.py")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` over the packages under `root`, with the repository's contracts."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
         "sys.exit(lint_imports_command())", "--config", str(root / "pyproject.toml"),
         "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_architecture_every_import_contract_is_kept() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name in PACKAGES:
        shutil.copytree(
            REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.po", "*.j2")
        )
    for name in (*TOP_MODULES, "pyproject.toml"):
        shutil.copy(REPO / name, root / name)
    return root


LEAKS = {
    "web reads a model": ("web/leak.py", "from storage.models import Person\n", "web/ and bot/"),
    "bot queues a message": (
        "bot/leak.py",
        "from messaging.outbox import enqueue\n",
        "web/ and bot/",
    ),
    "bot opens the outbox's module": (
        "bot/flows/leak.py",
        "import messaging.outbox\n",
        "web/ and bot/",
    ),
    "messaging imports the domain": (
        "messaging/leak.py",
        "from mentoring import inbox\n",
        "messaging/ never imports",
    ),
    "two domain modules import each other": (
        "mentoring/leak.py",
        "from mentoring import inbox\n",
        "no import cycles",
    ),
}


@pytest.mark.parametrize("leak", sorted(LEAKS))
def test_architecture_a_new_leak_breaks_a_contract(tmp_path: Path, leak: str) -> None:
    path, line, contract = LEAKS[leak]
    root = _copy(tmp_path)
    (root / path).write_text(line)
    if leak == "two domain modules import each other":
        inbox = root / "mentoring" / "inbox.py"
        inbox.write_text(inbox.read_text() + "\nfrom mentoring import leak  # noqa\n")
    result = lint_imports(root)
    assert result.returncode != 0, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout

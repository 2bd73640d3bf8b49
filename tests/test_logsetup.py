"""Log lines: one per event with its context; JSON in production; contact details masked."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from logsetup import configure_logging, mask_email, mask_phone


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_production_logs_are_json_lines_with_context(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(production=True)
    logging.getLogger("mentorbot.test").info(
        "reply queued", extra={"person_id": 7, "channel": "sms"}
    )
    line = capsys.readouterr().err.strip()
    record = json.loads(line)
    assert (record["event"], record["person_id"], record["channel"]) == ("reply queued", 7, "sms")
    assert "\n" not in line


def test_development_logs_are_readable(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(production=False)
    logging.getLogger("mentorbot.test").warning("send deferred", extra={"outbox_id": 3})
    assert "send deferred  [outbox_id=3]" in capsys.readouterr().err


def test_masks_hide_contact_details() -> None:
    assert mask_phone("+4522334455") == "+45******55"
    assert mask_email("sara.jensen@example.dk") == "s***@example.dk"

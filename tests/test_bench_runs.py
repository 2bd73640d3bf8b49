"""Each benchmark module runs end to end in a tiny configuration and reports sane rows, so
`make bench` keeps working as the code under it changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import (
    bench_digest,
    bench_imports,
    bench_inbound_sms,
    bench_memory,
    bench_pacing,
    bench_scaleout,
    bench_sweep,
    bench_telegram_webhook,
)
from bench.__main__ import main as bench_main
from bench.load import loopback

pytestmark = pytest.mark.xdist_group("bench")  # server processes: keep them on one worker


def by_name(rows: list[dict[str, Any]], part: str) -> dict[str, Any]:
    [row] = [r for r in rows if part in r["name"]]
    return row


def test_load_refuses_anything_but_loopback() -> None:
    assert loopback("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080/x"
    with pytest.raises(ValueError):
        loopback("http://example.org/sms/inbound")


def test_bench_pacing_delivers_every_message_once() -> None:
    rows = bench_pacing.run(messages=60, sms_messages=40, chats=20)
    assert by_name(rows, "telegram: messages lost")["value"] == 0
    assert by_name(rows, "sms: messages lost")["value"] == 0
    assert all(r["unit"] for r in rows)


def test_bench_digest_statement_count_does_not_grow() -> None:
    rows = bench_digest.run(bench_digest.Size(300, 150, 1500), bench_digest.Size(20, 10, 100))
    for backend in ("sqlite", "postgresql"):
        statements = by_name(rows, f"{backend}: digest statements")
        assert statements["ok"] and statements["value"] == statements["baseline"]
        assert by_name(rows, f"{backend}: digest build")["value"] > 0


def test_bench_imports_imports_every_row_once() -> None:
    [row] = bench_imports.run(youths=40)  # it asserts no rejected row and an idempotent rerun
    assert row["unit"] == "s" and row["baseline"] > 0 and row["value"] > 0


def test_bench_sweep_reports_one_row() -> None:
    [row] = bench_sweep.run(pending=2000)
    assert row["unit"] == "ms" and row["baseline"] > 0


def test_bench_inbound_sms_handles_every_text_once_and_reports_end_to_end() -> None:
    rows = bench_inbound_sms.run(count=60, seconds=2, backends=("sqlite",), warmup=20)
    journal = by_name(rows, "journal rows")
    assert journal["ok"] and journal["value"] == journal["baseline"]
    half = by_name(rows, "reply delay (recorded")["name"]
    assert journal["baseline"] == 20 + 60 + int(half.split(" texts)")[0].rsplit(", ", 1)[1])
    assert by_name(rows, "texts fully handled")["value"] > 0
    assert by_name(rows, "texts fully handled")["baseline"] > 0  # the bare handler under wrk
    assert by_name(rows, "reply delay p99")["value"] > 0
    assert by_name(rows, "server CPU per text")["value"] > 0


def test_bench_telegram_webhook_reports_a_ratio() -> None:
    rows = bench_telegram_webhook.run(count=40, seconds=2, warmup=10)
    assert by_name(rows, "updates fully handled")["value"] > 0
    assert by_name(rows, "updates fully handled")["baseline"] > 0


def test_bench_memory_reads_the_server_rss() -> None:
    rows = bench_memory.run(count=40, seconds=20)
    assert all(10 < r["value"] < 2000 for r in rows)


def test_bench_scaleout_sends_each_reply_once() -> None:
    rows = bench_scaleout.run(count=40, due=30, warmup=10)
    assert by_name(rows, "sent twice")["value"] == 0
    assert by_name(rows, "a text handled twice or never")["value"] == 0
    assert by_name(rows, "two serve processes vs one")["value"] > 0
    assert by_name(rows, "keys handled by two racing sweeps")["value"] == 30
    assert by_name(rows, "keys handled more than once")["value"] == 0


def test_bench_main_prints_the_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    bench_main(["matching", "--out", str(out)])
    assert '"bench": "matching"' in out.read_text()

"""Telegram updates fully handled by `serve` against a bare aiogram echo bot, both under wrk.

The full path is `mentorbot serve` with TELEGRAM_BOT_TOKEN and PUBLIC_BASE_URL set (SQLite): the
webhook checks the secret, validates the update, records it in the inbound journal and answers
200; the conversation workers feed it to aiogram's dispatcher, one conversation step, the reply
queued in the outbox. Updates fully handled per second: N updates sent once each by wrk, N / (the
last one handled minus wrk's start). The baseline is an aiogram echo bot whose handler runs
before the webhook answers, returning sendMessage in the webhook response: its answers per second
under wrk. 50 connections, 127.0.0.1. Goal: at least 0.5 of the echo bot's rate.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.dbs import sqlite_db
from bench.inbound import handled
from bench.load import Request
from bench.servers import TELEGRAM_SECRET as SECRET
from bench.servers import baseline, free_port, serve, stopping
from bench.wrk import WrkResult, write, wrk
from tests.fakes.telegram_api import start_fake_telegram

GOAL_RATIO = 0.5
WARMED, TIMED = 6_000_000, 7_000_000  # update ids: the journal keys start with 6 or 7
TEXTS = ("Hej", "Sara", "2005", "8000", "ja")


def update(i: int, chats: int) -> bytes:
    chat = 500_000 + i % chats
    return json.dumps(
        {
            "update_id": i,
            "message": {
                "message_id": i + 1,
                "from": {"id": chat, "is_bot": False, "first_name": "Sara", "language_code": "da"},
                "chat": {"id": chat, "first_name": "Sara", "type": "private"},
                "date": 1_764_000_000 + i,
                "text": TEXTS[(i // chats) % len(TEXTS)],
            },
        }
    ).encode()


def _file(folder: Path, name: str, url: str, first: int, count: int, chats: int) -> str:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    requests = (
        Request(f"{url}/telegram/webhook", update(first + i, chats), headers) for i in range(count)
    )
    base, _ = write(folder / name, requests)
    return base


async def _echo(folder: Path, seconds: float) -> WrkResult:
    echo = baseline("echo-telegram", folder / "echo.log")
    with stopping(echo):
        await echo.ready()
        base = _file(folder, "echo.txt", echo.url, 0, 4000, 800)
        await wrk(folder / "echo.txt", base, once=False, seconds=2)  # warm-up
        result, _ = await wrk(folder / "echo.txt", base, once=False, seconds=seconds)
    return result


async def _full(folder: Path, count: int, warmup: int) -> tuple[float, WrkResult]:
    fake, runner = await start_fake_telegram()
    try:
        async with sqlite_db() as url:
            port = free_port()
            env = {
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                "DATABASE_URL": url,
                "TELEGRAM_BOT_TOKEN": "42:BENCH",
                "TELEGRAM_API_URL": fake.base_url,
                "TELEGRAM_WEBHOOK_SECRET": SECRET,
            }
            server = serve(env, folder / "serve.log", port)
            with stopping(server):
                await server.ready()
                chats = max(1, count // len(TEXTS))
                base = _file(folder, "warm.txt", server.url, WARMED, warmup, chats)
                await wrk(folder / "warm.txt", base, once=True, until=handled(url, "6", warmup))
                base = _file(folder, "full.txt", server.url, TIMED, count, chats)
                started = time.time()
                result, done = await wrk(
                    folder / "full.txt", base, once=True, seconds=600,
                    until=handled(url, "7", count),
                )  # fmt: skip
                assert done is not None
        return count / (done.last_handled - started), result
    finally:
        await runner.cleanup()


async def _run(count: int, seconds: float, warmup: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bare = await _echo(folder, seconds)
        rate, full = await _full(folder, count, warmup)
    ratio = rate / bare.throughput if bare.throughput else 0.0
    return [
        {
            "name": f"sqlite: Telegram updates fully handled/s ({count} updates, first request "
            "to last reply queued) vs aiogram echo bot answers/s (wrk c=50)",
            "value": rate,
            "unit": "updates/s",
            "baseline": bare.throughput,
            "ratio": ratio,
            "goal": f"ratio >= {GOAL_RATIO}",
            "ok": ratio >= GOAL_RATIO and full.errors == 0,
        },
        {
            "name": f"sqlite: Telegram webhook answer p50 (echo: {bare.p50_ms:.1f} ms)",
            "value": full.p50_ms,
            "unit": "ms",
        },
        {
            "name": f"sqlite: Telegram webhook answer p99 (echo: {bare.p99_ms:.1f} ms)",
            "value": full.p99_ms,
            "unit": "ms",
        },
    ]


def run(count: int = 3000, seconds: float = 10.0, warmup: int = 200) -> list[dict[str, Any]]:
    return asyncio.run(_run(count, seconds, warmup))


if __name__ == "__main__":
    for row in run():
        print(row)  # noqa: T201

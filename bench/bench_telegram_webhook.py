"""Telegram webhook, full path, against a bare aiogram echo bot behind the same request handler.

The full path is `mentorbot serve` with TELEGRAM_BOT_TOKEN and PUBLIC_BASE_URL set: aiogram's
webhook handler (record first: our handlers run before the answer), update de-duplication, one
conversation step, commit, reply queued in the outbox. The baseline is an aiogram echo bot behind
the same request handler, answering each message in the webhook response. Both in their own
process, 50 updates in flight from this process on 127.0.0.1, each private chat with one update
in flight. Goal: at least 0.5 of the echo bot's throughput.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from bench.dbs import sqlite_db
from bench.load import LoadResult, Request, hammer
from bench.servers import TELEGRAM_SECRET as SECRET
from bench.servers import Server, baseline, free_port, serve, stopping
from tests.fakes.telegram_api import start_fake_telegram

GOAL_RATIO = 0.5
TEXTS = ("Hej", "Sara", "2005", "8000", "ja")


def update(i: int, chats: int) -> bytes:
    chat = 500_000 + i % chats
    return json.dumps(
        {
            "update_id": 100_000 + i,
            "message": {
                "message_id": i + 1,
                "from": {"id": chat, "is_bot": False, "first_name": "Sara", "language_code": "da"},
                "chat": {"id": chat, "first_name": "Sara", "type": "private"},
                "date": 1_764_000_000 + i,
                "text": TEXTS[(i // chats) % len(TEXTS)],
            },
        }
    ).encode()


async def load(server: Server, count: int, seconds: float, offset: int) -> LoadResult:
    chats = max(1, count // len(TEXTS))
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}

    def make(i: int) -> Request:
        return Request(f"{server.url}/telegram/webhook", update(offset + i, chats), headers)

    await hammer(lambda i: make(count + i), count=100, max_seconds=30)  # warm-up
    return await hammer(make, count=count, max_seconds=seconds)


async def _run(count: int, seconds: float) -> list[dict[str, Any]]:
    fake, runner = await start_fake_telegram()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            echo = baseline("echo-telegram", folder / "echo.log")
            with stopping(echo):
                await echo.ready()
                bare = await load(echo, count * 2, seconds / 2, 0)
            async with sqlite_db() as url:
                port = free_port()
                env = {
                    "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                    "DATABASE_URL": url,
                    "TELEGRAM_BOT_TOKEN": "42:BENCH",
                    "TELEGRAM_API_URL": fake.base_url,
                    "TELEGRAM_WEBHOOK_SECRET": SECRET,
                }
                full_server = serve(env, folder / "serve.log", port)
                with stopping(full_server):
                    await full_server.ready()
                    full = await load(full_server, count, seconds, 0)
    finally:
        await runner.cleanup()
    ratio = full.throughput / bare.throughput if bare.throughput else 0.0
    return [
        {
            "name": "sqlite: Telegram updates/s, full path vs aiogram echo bot (c=50)",
            "value": full.throughput,
            "unit": "updates/s",
            "baseline": bare.throughput,
            "ratio": ratio,
            "goal": f"ratio >= {GOAL_RATIO}",
            "ok": ratio >= GOAL_RATIO and full.errors == 0,
        },
        {
            "name": f"sqlite: Telegram p50 latency, full path (echo: {bare.p50:.1f} ms)",
            "value": full.p50,
            "unit": "ms",
        },
        {
            "name": f"sqlite: Telegram p99 latency, full path (echo: {bare.p99:.1f} ms)",
            "value": full.p99,
            "unit": "ms",
        },
    ]


def run(count: int = 3000, seconds: float = 10.0) -> list[dict[str, Any]]:
    return asyncio.run(_run(count, seconds))


if __name__ == "__main__":
    for row in run():
        print(row)  # noqa: T201

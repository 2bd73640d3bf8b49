"""Resident memory of `mentorbot serve`: idle after start-up, and after the inbound SMS load.

Reads VmRSS from /proc/<pid>/status of the server process (SQLite, SMS configured, as in
benchmark 1). The baseline is the bare aiohttp SMS handler's process after the same load, so the
figure shows what the application adds to Python + aiohttp. Goal: under 200 MB.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from bench import inbound
from bench.dbs import sqlite_db
from bench.servers import baseline, rss_mb, stopping
from tests.fakes.twilio_api import FakeTwilio

GOAL_MB = 200.0


async def _run(count: int, seconds: float) -> list[dict[str, Any]]:
    twilio = FakeTwilio(inbound.ACCOUNT, inbound.TOKEN)
    await twilio.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            bare = baseline("bare-sms", folder / "bare.log")
            with stopping(bare):
                await bare.ready()
                await inbound.load([bare.url], count, seconds, "mbare")
                bare_mb = rss_mb(bare.pid)
            async with sqlite_db() as url:
                with inbound.sms_server(
                    inbound.sms_env(url, twilio.base_url), folder / "s.log"
                ) as s:
                    await s.ready()
                    await asyncio.sleep(1.0)
                    idle = rss_mb(s.pid)
                    await inbound.load([s.url], count, seconds, "mem")
                    loaded = rss_mb(s.pid)
    finally:
        await twilio.close()
    return [
        {
            "name": "mentorbot serve RSS, idle (baseline: bare aiohttp process)",
            "value": idle,
            "unit": "MB",
            "baseline": bare_mb,
            "goal": f"< {GOAL_MB:g} MB",
            "ok": idle < GOAL_MB,
        },
        {
            "name": f"mentorbot serve RSS after {count} inbound texts",
            "value": loaded,
            "unit": "MB",
            "baseline": bare_mb,
            "goal": f"< {GOAL_MB:g} MB",
            "ok": loaded < GOAL_MB,
        },
    ]


def run(count: int = 2000, seconds: float = 10.0) -> list[dict[str, Any]]:
    return asyncio.run(_run(count, seconds))


if __name__ == "__main__":
    for row in run():
        print(row)  # noqa: T201

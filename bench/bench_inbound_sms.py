"""Inbound SMS, full path, against a bare aiohttp handler: throughput ratio and latency.

The full path is `mentorbot serve`: signature check, MessageSid de-duplication, one conversation
step, commit, reply queued in the outbox. The baseline is a bare aiohttp handler in the same kind
of process answering the same signed form POST with empty TwiML. Both take 50 requests in flight
from the load generator in this process, on 127.0.0.1. Goal: at least 0.35 of the baseline's
throughput and p99 under 50 ms, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from bench import inbound
from bench.dbs import database
from bench.load import LoadResult
from bench.servers import baseline, stopping
from tests.fakes.twilio_api import FakeTwilio

GOAL_RATIO, GOAL_P99_MS = 0.35, 50.0


async def measure_bare(folder: Path, count: int, seconds: float) -> LoadResult:
    server = baseline("bare-sms", folder / "bare-sms.log")
    with stopping(server):
        await server.ready()
        return await inbound.load([server.url], count, seconds, "bare")


async def measure_full(
    backend: str, folder: Path, count: int, seconds: float
) -> tuple[LoadResult, tuple[int, int]]:
    twilio = FakeTwilio(inbound.ACCOUNT, inbound.TOKEN)
    await twilio.start()
    try:
        async with database(backend, "inbound") as url:
            env = inbound.sms_env(url, twilio.base_url)
            with inbound.sms_server(env, folder / f"serve-{backend}.log") as server:
                await server.ready()
                result = await inbound.load([server.url], count, seconds, backend)
            return result, await inbound.stored(url)
    finally:
        await twilio.close()


def rows(
    backend: str, full: LoadResult, bare: LoadResult, kept: tuple[int, int]
) -> list[dict[str, Any]]:
    ratio = full.throughput / bare.throughput if bare.throughput else 0.0
    return [
        {
            "name": f"{backend}: inbound SMS req/s, full path vs bare handler (c=50)",
            "value": full.throughput,
            "unit": "req/s",
            "baseline": bare.throughput,
            "ratio": ratio,
            "goal": f"ratio >= {GOAL_RATIO}",
            "ok": ratio >= GOAL_RATIO and full.errors == 0,
        },
        {
            "name": f"{backend}: inbound SMS p50 latency (bare: {bare.p50:.1f} ms)",
            "value": full.p50,
            "unit": "ms",
        },
        {
            "name": f"{backend}: inbound SMS p99 latency (bare: {bare.p99:.1f} ms)",
            "value": full.p99,
            "unit": "ms",
            "goal": f"< {GOAL_P99_MS:g} ms",
            "ok": full.p99 < GOAL_P99_MS,
        },
        {
            "name": f"{backend}: texts answered / errors / stored (keys, outbox rows {kept[1]})",
            "value": float(full.answered),
            "unit": "texts",
            "baseline": float(kept[0]),
            "goal": "no errors",
            "ok": full.errors == 0,
        },
    ]


async def _run(count: int, seconds: float, backends: tuple[str, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bare = await measure_bare(folder, count * 4, seconds / 2)
        for backend in backends:
            full, kept = await measure_full(backend, folder, count, seconds)
            out += rows(backend, full, bare, kept)
    return out


def run(
    count: int = 4000, seconds: float = 10.0, backends: tuple[str, ...] = ("sqlite", "postgresql")
) -> list[dict[str, Any]]:
    return asyncio.run(_run(count, seconds, backends))


if __name__ == "__main__":
    for row in run():
        print(row)  # noqa: T201

"""Inbound SMS, full path, against a bare aiohttp handler: throughput ratio, latency, server CPU.

The full path is `mentorbot serve`: signature check, MessageSid de-duplication, one conversation
step, commit, reply queued in the outbox. The baseline is a bare aiohttp handler in the same kind
of process answering the same signed form POST with empty TwiML. Both take 50 requests in flight
from the load generator in this process, on 127.0.0.1. Goal: at least 0.35 of the baseline's
throughput and p99 under 50 ms, on SQLite and on PostgreSQL.

The goal is measured in the steady state a jobcenter sees: signed-up youths (seeded before the
timed run, on top of the demo `serve` loads) replying in their conversation, each number owned
by one load worker. First texts from new numbers (each one starts a sign-up: the dearest and
rarest case) are shown in their own rows. Server CPU per text is the server process's CPU time
over the timed run divided by the texts answered.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import inbound
from bench.dbs import database
from bench.load import LoadResult
from bench.servers import Server, baseline, cpu_seconds, stopping
from tests.fakes.twilio_api import FakeTwilio

GOAL_RATIO, GOAL_P99_MS = 0.35, 50.0
WARMUP = 100


@dataclass(frozen=True)
class Measured:
    load: LoadResult
    cpu_ms: float  # server CPU per answered request

    @property
    def throughput(self) -> float:
        return self.load.throughput


async def measured(
    server: Server, count: int, seconds: float, tag: str, pool: list[str] | None = None
) -> Measured:
    """A warm-up, then one timed load with the server's CPU time over the timed part only."""
    await inbound.load([server.url], WARMUP, 30, f"w{tag}", warmup=0, pool=pool)
    before = cpu_seconds(server.pid)
    result = await inbound.load([server.url], count, seconds, tag, warmup=0, pool=pool)
    spent = cpu_seconds(server.pid) - before
    return Measured(result, 1000 * spent / result.answered if result.answered else 0.0)


async def measure_bare(folder: Path, count: int, seconds: float) -> Measured:
    server = baseline("bare-sms", folder / "bare-sms.log")
    with stopping(server):
        await server.ready()
        return await measured(server, count, seconds, "bare")


@dataclass(frozen=True)
class Full:
    steady: Measured
    first: Measured
    kept: tuple[int, int]  # inbound keys, outbox rows


async def measure_full(backend: str, folder: Path, count: int, seconds: float) -> Full:
    twilio = FakeTwilio(inbound.ACCOUNT, inbound.TOKEN)
    await twilio.start()
    try:
        async with database(backend, "inbound") as url:
            env = inbound.sms_env(url, twilio.base_url)
            with inbound.sms_server(env, folder / f"serve-{backend}.log") as server:
                await server.ready()  # the demo programme is loaded by now
                pool = await inbound.seed_pool(url, inbound.pool_size(count + WARMUP), backend)
                steady = await measured(server, count, seconds, backend, pool=pool)
                first = await measured(server, count // 2, seconds / 2, f"f{backend}")
            return Full(steady, first, await inbound.stored(url))
    finally:
        await twilio.close()


def _ratio(full: Measured, bare: Measured) -> float:
    return full.throughput / bare.throughput if bare.throughput else 0.0


def rows(backend: str, full: Full, bare: Measured) -> list[dict[str, Any]]:
    steady, first, kept = full.steady.load, full.first.load, full.kept
    ratio = _ratio(full.steady, bare)
    errors = steady.errors + first.errors
    return [
        {
            "name": f"{backend}: inbound SMS req/s, signed-up people replying, vs bare (c=50)",
            "value": steady.throughput,
            "unit": "req/s",
            "baseline": bare.throughput,
            "ratio": ratio,
            "goal": f"ratio >= {GOAL_RATIO}",
            "ok": ratio >= GOAL_RATIO and steady.errors == 0,
        },
        {
            "name": f"{backend}: inbound SMS p50 latency, replying (bare: {bare.load.p50:.1f} ms)",
            "value": steady.p50,
            "unit": "ms",
        },
        {
            "name": f"{backend}: inbound SMS p99 latency, replying (bare: {bare.load.p99:.1f} ms)",
            "value": steady.p99,
            "unit": "ms",
            "goal": f"< {GOAL_P99_MS:g} ms",
            "ok": steady.p99 < GOAL_P99_MS,
        },
        {
            "name": f"{backend}: inbound SMS server CPU per text, replying (vs bare)",
            "value": full.steady.cpu_ms,
            "unit": "ms",
            "baseline": bare.cpu_ms,
        },
        {
            "name": (
                f"{backend}: inbound SMS req/s, first texts (sign-up start), vs bare; "
                f"p50 {first.p50:.0f} ms, p99 {first.p99:.0f} ms, "
                f"CPU {full.first.cpu_ms:.1f} ms/text"
            ),
            "value": first.throughput,
            "unit": "req/s",
            "baseline": bare.throughput,
            "ratio": _ratio(full.first, bare),
        },
        {
            "name": f"{backend}: texts answered / errors / stored (keys, outbox rows {kept[1]})",
            "value": float(steady.answered + first.answered),
            "unit": "texts",
            "baseline": float(kept[0]),
            "goal": "no errors",
            "ok": errors == 0,
        },
    ]


async def _run(count: int, seconds: float, backends: tuple[str, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bare = await measure_bare(folder, count * 4, seconds / 2)
        for backend in backends:
            out += rows(backend, await measure_full(backend, folder, count, seconds), bare)
    return out


def run(
    count: int = 4000, seconds: float = 10.0, backends: tuple[str, ...] = ("sqlite", "postgresql")
) -> list[dict[str, Any]]:
    return asyncio.run(_run(count, seconds, backends))


if __name__ == "__main__":
    for row in run():
        print(row)  # noqa: T201

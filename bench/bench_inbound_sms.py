"""Inbound SMS end to end against a bare aiohttp handler, both loaded by wrk in the same run.

The full path is `mentorbot serve`: signature check, the text recorded in the inbound journal
(group commit) and answered, then handled by the conversation workers in batches (one step of
the person's conversation, the reply queued in the outbox). The baseline is a bare aiohttp
handler in the same kind of process answering the same signed form POST with empty TwiML.
wrk (bench/wrk.py) keeps 50 requests in flight for both, on 127.0.0.1.

Figures, each for the steady state a jobcenter sees (signed-up youths, seeded before the timed
run, replying in their conversation; no number over the flood gate):

- texts fully handled per second: N texts sent once each by wrk; N / (the last one's handling,
  which queued its reply in the same commit, minus the moment wrk started). Baseline: the bare
  handler's answers per second under wrk for `seconds`. Goal: PostgreSQL >= 0.35, SQLite >=
  0.25 of it.
- the webhook's answer p50/p99 during that run (wrk's latency). Goal p99 < 50 ms.
- the reply delay (recorded -> handled, reply queued) p50/p99 at half the rate just measured,
  sent open loop at a fixed rate for `seconds`. Goal p99 < 1 s.
- server CPU per text: the serve process's CPU time from wrk's start to the last text handled,
  over N; the baseline's over its requests.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import inbound
from bench.dbs import database
from bench.load import paced
from bench.servers import Server, baseline, cpu_seconds, stopping
from bench.wrk import WrkResult, write, wrk
from tests.fakes.twilio_api import FakeTwilio

GOAL_RATIO = {"postgresql": 0.35, "sqlite": 0.25}
GOAL_P99_MS, GOAL_DELAY_P99_MS = 50.0, 1000.0
WARMUP = 200


@dataclass(frozen=True)
class Bare:
    load: WrkResult
    cpu_ms: float  # per answered request


async def measure_bare(folder: Path, seconds: float) -> Bare:
    server = baseline("bare-sms", folder / "bare-sms.log")
    with stopping(server):
        await server.ready()
        texts = inbound.Texts([server.url], 4000, "bare")
        base, _ = write(folder / "bare.txt", (texts.make(i) for i in range(4000)))
        await wrk(folder / "bare.txt", base, once=False, seconds=2)  # warm-up
        before = cpu_seconds(server.pid)
        result, _ = await wrk(folder / "bare.txt", base, once=False, seconds=seconds)
        spent = cpu_seconds(server.pid) - before
    return Bare(result, 1000 * spent / result.requests if result.requests else 0.0)


@dataclass(frozen=True)
class Full:
    texts: int
    warmup: int
    rate: float  # texts fully handled per second
    webhook: WrkResult
    cpu_ms: float
    half: inbound.Handled  # the run at half the rate
    half_errors: int
    kept: tuple[int, int]  # journal rows, outbox rows


async def timed(
    server: Server, url: str, folder: Path, pool: list[str], count: int
) -> tuple[float, WrkResult, float]:
    """N texts once each through wrk: (texts handled a second, wrk's result, CPU ms a text)."""
    texts = inbound.Texts([server.url], count, "m", pool=pool)
    base, _ = write(folder / "full.txt", (texts.make(i) for i in range(count)))
    before, started = cpu_seconds(server.pid), time.time()
    result, done = await wrk(
        folder / "full.txt", base, once=True, seconds=600, until=inbound.handled(url, "SMm", count)
    )
    assert done is not None
    spent = cpu_seconds(server.pid) - before
    return count / (done.last_handled - started), result, 1000 * spent / count


async def measure_full(
    backend: str, folder: Path, count: int, seconds: float, warmup: int = WARMUP
) -> Full:
    twilio = FakeTwilio(inbound.ACCOUNT, inbound.TOKEN)
    await twilio.start()
    try:
        async with database(backend, "inbound") as url:
            env = inbound.sms_env(url, twilio.base_url)
            with inbound.sms_server(env, folder / f"serve-{backend}.log") as server:
                await server.ready()  # the demo programme is loaded by now
                pool = await inbound.seed_pool(url, inbound.pool_size(warmup + 2 * count), backend)
                await inbound.load([server.url], warmup, 60, "w", warmup=0, pool=pool)
                await inbound.handled(url, "SMw", warmup)
                rate, webhook, cpu_ms = await timed(server, url, folder, pool, count)
                half_count = min(count, max(50, round(rate / 2 * seconds)))
                texts = inbound.Texts([server.url], half_count, "h", pool=pool)
                sent = await paced(texts.make, rate=rate / 2, count=half_count)
                half = await inbound.handled(url, "SMh", half_count)
            kept = await inbound.stored(url)
        return Full(count, warmup, rate, webhook, cpu_ms, half, sent.errors, kept)
    finally:
        await twilio.close()


def rows(backend: str, full: Full, bare: Bare) -> list[dict[str, Any]]:
    goal = GOAL_RATIO[backend]
    ratio = full.rate / bare.load.throughput if bare.load.throughput else 0.0
    webhook = full.webhook
    expected = full.warmup + full.texts + len(full.half.delays)
    return [
        {
            "name": f"{backend}: SMS texts fully handled/s ({full.texts} texts, first request to "
            "last reply queued) vs bare aiohttp answers/s (wrk c=50)",
            "value": full.rate,
            "unit": "texts/s",
            "baseline": bare.load.throughput,
            "ratio": ratio,
            "goal": f"ratio >= {goal}",
            "ok": ratio >= goal and webhook.errors == 0,
        },
        {
            "name": f"{backend}: SMS webhook answer p50, c=50 (bare: {bare.load.p50_ms:.1f} ms)",
            "value": webhook.p50_ms,
            "unit": "ms",
        },
        {
            "name": f"{backend}: SMS webhook answer p99, c=50 (bare: {bare.load.p99_ms:.1f} ms)",
            "value": webhook.p99_ms,
            "unit": "ms",
            "goal": f"< {GOAL_P99_MS:g} ms",
            "ok": webhook.p99_ms < GOAL_P99_MS,
        },
        {
            "name": f"{backend}: reply delay (recorded -> reply queued) p50 at half that rate "
            f"({full.rate / 2:.0f} texts/s, {len(full.half.delays)} texts)",
            "value": full.half.delay_ms(50),
            "unit": "ms",
        },
        {
            "name": f"{backend}: reply delay p99 at half that rate",
            "value": full.half.delay_ms(99),
            "unit": "ms",
            "goal": f"< {GOAL_DELAY_P99_MS:g} ms",
            "ok": full.half.delay_ms(99) < GOAL_DELAY_P99_MS and full.half_errors == 0,
        },
        {
            "name": f"{backend}: server CPU per text, handled (bare: per answer)",
            "value": full.cpu_ms,
            "unit": "ms",
            "baseline": bare.cpu_ms,
        },
        {
            "name": f"{backend}: journal rows (texts sent incl. warm-up: {expected}), "
            f"outbox rows {full.kept[1]}",
            "value": float(full.kept[0]),
            "unit": "rows",
            "baseline": float(expected),
            "goal": "one row a text",
            "ok": full.kept[0] == expected,
        },
    ]


async def _run(
    count: int, seconds: float, backends: tuple[str, ...], warmup: int
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bare = await measure_bare(folder, seconds)
        for backend in backends:
            full = await measure_full(backend, folder, count, seconds, warmup)
            out += rows(backend, full, bare)
    return out


def run(
    count: int = 4000,
    seconds: float = 10.0,
    backends: tuple[str, ...] = ("sqlite", "postgresql"),
    warmup: int = WARMUP,
) -> list[dict[str, Any]]:
    return asyncio.run(_run(count, seconds, backends, warmup))


if __name__ == "__main__":
    for row in run():
        print(row)  # noqa: T201

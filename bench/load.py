"""A bounded HTTP load generator for the benchmarks: loopback only, closed loop, percentiles.

`hammer` keeps `concurrency` requests in flight (50 by default, like `wrk -c 50`) until `count`
requests were answered or `max_seconds` passed, whichever comes first, and records each
request's latency. Worker w sends requests w, w + concurrency, w + 2 * concurrency, ... one at a
time, so whatever `make` derives from `index % concurrency` (a sender) is never in flight twice.
It refuses any URL that is not 127.0.0.1, so a benchmark can never load a real service by
mistake.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

CONCURRENCY = 50


@dataclass(frozen=True)
class Request:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass
class LoadResult:
    answered: int = 0
    errors: int = 0  # answers with a status other than `expect`, or broken connections
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Latency in milliseconds at percentile `p` (0-100), nearest rank."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        rank = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[rank] * 1000

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000 if self.latencies else 0.0


def loopback(url: str) -> str:
    host = urlsplit(url).hostname
    if host != "127.0.0.1":
        raise ValueError(f"benchmarks only load 127.0.0.1, not {host}")
    return url


async def hammer(
    make: Callable[[int], Request],
    *,
    count: int,
    concurrency: int = CONCURRENCY,
    max_seconds: float = 20.0,
    expect: int = 200,
) -> LoadResult:
    """Send requests `make(0)`, `make(1)`, ... with `concurrency` in flight; bounded both ways."""
    result = LoadResult()
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=max_seconds + 5)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
        started = time.perf_counter()
        deadline = started + max_seconds

        async def worker(index: int) -> None:
            while index < count and time.perf_counter() < deadline:
                request = make(index)
                sent = time.perf_counter()
                try:
                    async with client.post(
                        loopback(request.url), data=request.body, headers=request.headers
                    ) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    status = 0
                result.latencies.append(time.perf_counter() - sent)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                result.answered += 1
                if status != expect:
                    result.errors += 1
                index += concurrency

        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result


async def paced(make: Callable[[int], Request], *, rate: float, count: int) -> LoadResult:
    """Send `count` requests at a fixed `rate` (open loop: request i leaves at i / rate seconds,
    whatever the answers do), for the reply delay at a given load."""
    result = LoadResult()
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as client:
        loop = asyncio.get_running_loop()
        started = loop.time()

        async def one(index: int) -> None:
            request = make(index)
            sent = time.perf_counter()
            try:
                async with client.post(
                    loopback(request.url), data=request.body, headers=request.headers
                ) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            result.latencies.append(time.perf_counter() - sent)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.answered += 1
            result.errors += status != 200

        tasks = []
        for index in range(count):
            delay = started + index / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(index)))
        await asyncio.gather(*tasks)
        result.seconds = loop.time() - started
    return result

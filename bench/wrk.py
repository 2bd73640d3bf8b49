"""wrk (the Debian package, `make wrk`) as the load generator: it is not the ceiling.

The requests are signed beforehand and written to a file; bench/wrk_cycle.lua hands them out,
thread k taking lines k, k + threads, ... in order, either once each (N texts end to end) or
round and round for a timed run (the baselines). wrk keeps `connections` requests in flight
(closed loop) and reports the answers' latency percentiles, which `done` prints as one JSON
line.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bench.load import Request, loopback

T = TypeVar("T")
SCRIPT = Path(__file__).with_name("wrk_cycle.lua")
CONNECTIONS = 50
THREADS = 2


@dataclass(frozen=True)
class WrkResult:
    requests: int  # answers wrk got (the once-mode tail repeats included)
    seconds: float
    errors: int  # non-2xx/3xx answers and socket errors
    p50_ms: float
    p99_ms: float

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def write(path: Path, requests: Iterable[Request]) -> tuple[str, int]:
    """The requests as wrk_cycle.lua reads them; returns (the server's base URL, how many)."""
    base, count = "", 0
    with path.open("w") as out:
        for request in requests:
            url = loopback(request.url)
            scheme_host, _, rest = url.partition("//")[2].partition("/")
            base = f"http://{scheme_host}"
            fields = [f"/{rest}", request.body.decode()]
            for name, value in request.headers.items():
                fields += [name, value]
            assert all("\t" not in f and "\n" not in f for f in fields), "no tab or newline"
            out.write("\t".join(fields) + "\n")
            count += 1
    return base, count


async def wrk(
    file: Path,
    base: str,
    *,
    once: bool,
    seconds: float = 60.0,
    until: Awaitable[T] | None = None,
    connections: int = CONNECTIONS,
    threads: int = THREADS,
) -> tuple[WrkResult, T | None]:
    """Run wrk over `file`: each request once, or cycling for `seconds`; with `until`, wrk is
    stopped (SIGINT: it still reports) as soon as that completes, and its result comes back too.
    (wrk itself always runs its full duration, even when every thread stopped early.)"""
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed: run `make wrk` (Debian package wrk)")
    process = await asyncio.create_subprocess_exec(
        binary, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
        "--timeout", "10s", "-s", str(SCRIPT), loopback(base),
        "--", str(file), "once" if once else "cycle", str(threads),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    waited: T | None = None
    if until is not None:
        talk = asyncio.create_task(process.communicate())
        try:
            waited = await until
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
        out, err = await talk
    else:
        out, err = await process.communicate()
    lines = [line for line in out.decode().splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed: {err.decode()[-500:]} {out.decode()[-500:]}")
    data = json.loads(lines[-1])
    result = WrkResult(
        data["requests"], data["seconds"], data["errors"], data["p50_ms"], data["p99_ms"]
    )
    return result, waited

"""Scale-out on PostgreSQL: the inbound SMS load against one and against two `serve` processes.

Requests alternate between the processes (as a load balancer would spread them). Both run the
outbox dispatcher against one fake Twilio; afterwards every queued reply must have reached it
exactly once (the status-callback URL carries the outbox id). Follow-ups: two sweeps with their
own engines race over the same due rows; each key must be handled exactly once. Goal: throughput
ratio (two / one) of 1.5 or more on two cores.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, insert, select

from bench import inbound
from bench.dbs import postgres_db
from bench.load import LoadResult
from bench.servers import Server, free_port, serve
from core.runtime import Runtime
from mentoring.programmes import current_programme
from mentoring.sweep import sweep
from settings import Settings
from storage.db import create_engine, session_factory, unit_of_work
from storage.models import FollowUp, InboxItem, OutboxMessage, Person
from storage.types import utcnow
from tests.fakes.twilio_api import FakeTwilio

GOAL_RATIO = 1.5
RATE = 1000.0  # replies are sent at once, so the duplicate check sees every one


async def _processes(
    n: int, url: str, twilio: FakeTwilio, folder: Path, count: int, seconds: float
) -> LoadResult:
    ports = [free_port() for _ in range(n)]
    public = f"http://127.0.0.1:{ports[0]}"  # Twilio signs the one public URL
    env = {**inbound.sms_env(url, twilio.base_url, RATE), "PUBLIC_BASE_URL": public}
    servers: list[Server] = []
    try:
        for k, port in enumerate(ports):  # one after the other: the first loads the demo data
            servers.append(serve(env, folder / f"serve{n}-{k}.log", port))
            await servers[-1].ready()
        result = await inbound.load(
            [s.url for s in servers], count, seconds, f"x{n}", signed_base=public
        )
        await _drained(url)
    finally:
        for server in servers:
            server.stop()
    return result


async def _drained(url: str, seconds: float = 60.0) -> None:
    engine = create_engine(url)
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            async with session_factory(engine)() as session:
                left = await session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status.in_(("pending", "sending")))
                )
            if not left:
                return
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()


def _twice(twilio: FakeTwilio) -> int:
    ids = Counter(
        parse_qs(urlsplit(m.get("StatusCallback", "")).query).get("id", ["?"])[0]
        for m in twilio.accepted
    )
    return sum(n - 1 for n in ids.values() if n > 1)


async def _followups_twice(url: str, due: int) -> tuple[int, int]:
    """Two sweeps race over `due` follow-ups; (keys handled, keys handled more than once).

    Counted per key, not by adding up both sweeps' claims (the demo data has due follow-ups of
    its own): each bench follow-up belongs to its own person, and handling it files one
    "outcome missing" item for that person, so the items per person show how often each key
    was handled.
    """
    now = utcnow()
    first = Runtime.build(Settings(database_url=url, run_scheduler=False))
    second = Runtime.build(Settings(database_url=url, run_scheduler=False))
    try:
        async with unit_of_work(first.sessions) as session:
            programme = await current_programme(session, now.date())
            people = (
                await session.scalars(
                    insert(Person).returning(Person.id),
                    [
                        {"programme_id": programme.id, "role": "youth", "status": "active"}
                        for _ in range(due)
                    ],
                )
            ).all()
            await session.execute(
                insert(FollowUp),
                [
                    {
                        "programme_id": programme.id,
                        "person_id": person_id,
                        "key": f"bench:{k}",
                        "kind": "outcome_coordinator",
                        "due_at": now - timedelta(minutes=1),
                        "state": "pending",
                        "payload": {},
                    }
                    for k, person_id in enumerate(people)
                ],
            )
        await asyncio.gather(sweep(first, now), sweep(second, now))
        async with first.sessions() as session:
            filed = Counter(
                (
                    await session.scalars(
                        select(InboxItem.person_id).where(
                            InboxItem.kind == "outcome_missing", InboxItem.person_id.in_(people)
                        )
                    )
                ).all()
            )
        return len(filed), sum(n - 1 for n in filed.values())
    finally:
        await first.close()
        await second.close()


async def _phase(
    n: int, folder: Path, count: int, seconds: float, due: int
) -> tuple[LoadResult, int, int, tuple[int, int]]:
    """One database and one fake Twilio per phase: (load, sent, sent twice, follow-ups)."""
    twilio = FakeTwilio(inbound.ACCOUNT, inbound.TOKEN)
    await twilio.start()
    try:
        async with postgres_db(f"scale{n}") as url:
            result = await _processes(n, url, twilio, folder, count, seconds)
            followups = await _followups_twice(url, due) if n == 2 else (0, 0)
        return result, len(twilio.accepted), _twice(twilio), followups
    finally:
        await twilio.close()


async def _run(count: int, seconds: float, due: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        one, _, _, _ = await _phase(1, Path(tmp), count, seconds, due)
        two, sent, twice, (handled, handled_twice) = await _phase(2, Path(tmp), count, seconds, due)
    ratio = two.throughput / one.throughput if one.throughput else 0.0
    return [
        {
            "name": "postgresql: inbound SMS req/s, two serve processes vs one",
            "value": two.throughput,
            "unit": "req/s",
            "baseline": one.throughput,
            "ratio": ratio,
            "goal": f"ratio >= {GOAL_RATIO}",
            "ok": ratio >= GOAL_RATIO and one.errors == two.errors == 0,
        },
        {
            "name": f"outbox messages sent twice by two processes (of {sent} sent)",
            "value": float(twice),
            "unit": "messages",
            "goal": "0",
            "ok": twice == 0,
        },
        {
            "name": f"follow-up keys handled by two racing sweeps (of {due} due)",
            "value": float(handled),
            "unit": "keys",
            "baseline": float(due),
            "goal": "all",
            "ok": handled == due,
        },
        {
            "name": "follow-up keys handled more than once by two racing sweeps",
            "value": float(handled_twice),
            "unit": "keys",
            "goal": "0",
            "ok": handled_twice == 0,
        },
    ]


def run(count: int = 3000, seconds: float = 10.0, due: int = 500) -> list[dict[str, Any]]:
    return asyncio.run(_run(count, seconds, due))


if __name__ == "__main__":
    for row in run():
        print(row)  # noqa: T201

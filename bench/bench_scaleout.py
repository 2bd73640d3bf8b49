"""Scale-out on PostgreSQL: N texts fully handled by one and by two `serve` processes.

Texts alternate between the processes (as a load balancer would spread them; one wrk with 25
connections a process), each recorded in the shared inbound journal by the process it reached and
handled by whichever process's workers claim it first (FOR UPDATE SKIP LOCKED). Texts fully
handled per second: N / (the last one handled minus wrk's start). Every number sends the same
texts, so every number must get the same replies: a text handled twice shows as a number with
more. Both processes run the outbox dispatcher against one fake Twilio; afterwards every queued
reply must have reached it exactly once (the status-callback URL carries the outbox id).
Follow-ups: two sweeps with their own engines race over the same due rows; each key must be
handled exactly once. Goal: two / one of 1.5 or more. The load generator is not pinned to a core
of its own: the development machine has two, both needed by the servers and PostgreSQL.
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
from bench.servers import Server, free_port, serve
from bench.wrk import CONNECTIONS, write, wrk
from core.runtime import Runtime
from mentoring.programmes import current_programme
from mentoring.sweep import sweep
from settings import Settings
from storage.db import create_engine, session_factory, unit_of_work
from storage.models import FollowUp, InboxItem, OutboxMessage, Person
from storage.types import utcnow
from tests.fakes.twilio_api import FakeTwilio

GOAL_RATIO = 1.5
WARMUP = 200
RATE = 1000.0  # replies are sent at once, so the duplicate check sees every one


async def _processes(
    n: int, url: str, twilio: FakeTwilio, folder: Path, count: int, warmup: int
) -> tuple[float, int]:
    """(texts fully handled a second, numbers whose replies differ from the others')."""
    ports = [free_port() for _ in range(n)]
    public = f"http://127.0.0.1:{ports[0]}"  # Twilio signs the one public URL
    env = {**inbound.sms_env(url, twilio.base_url, RATE), "PUBLIC_BASE_URL": public}
    servers: list[Server] = []
    try:
        for k, port in enumerate(ports):  # one after the other: the first loads the demo data
            servers.append(serve(env, folder / f"serve{n}-{k}.log", port))
            await servers[-1].ready()
        pool = await inbound.seed_pool(url, inbound.pool_size(warmup + count), f"s{n}")
        targets = [s.url for s in servers]
        await inbound.load(targets, warmup, 60, f"w{n}", signed_base=public, warmup=0, pool=pool)
        await inbound.handled(url, f"SMw{n}", warmup)
        texts = inbound.Texts(targets, count, f"x{n}", public, pool)
        files = []
        for k in range(n):  # text i goes to process i % n, and so does its number, always
            base, _ = write(folder / f"x{n}-{k}.txt", (texts.make(i) for i in range(k, count, n)))
            files.append((folder / f"x{n}-{k}.txt", base))
        started = time.time()
        done = asyncio.ensure_future(inbound.handled(url, f"SMx{n}", count))
        each = {"once": True, "seconds": 600, "connections": CONNECTIONS // n, "threads": 1}
        await asyncio.gather(*(wrk(f, b, until=asyncio.shield(done), **each) for f, b in files))
        rate = count / ((await done).last_handled - started)
        await _drained(url)
    finally:
        for server in servers:
            server.stop()
    sent = Counter(pool[i % len(pool)] for i in [*range(warmup), *range(count)])
    return rate, await _uneven(url, pool, sent)


async def _uneven(url: str, pool: list[str], sent: Counter[str]) -> int:
    """Numbers of the pool whose count of replies differs from the most common count among the
    numbers that sent as many texts (the same texts: the body depends on the round only)."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.execute(
                select(OutboxMessage.address, func.count())
                .where(OutboxMessage.address.in_(pool))
                .group_by(OutboxMessage.address)
            )
            per_number = Counter({address: n for address, n in rows.all()})
    finally:
        await engine.dispose()
    usual = {
        texts: Counter(per_number[n] for n in pool if sent[n] == texts).most_common(1)[0][0]
        for texts in {sent[n] for n in pool}
    }
    return sum(1 for number in pool if per_number[number] != usual[sent[number]])


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
    n: int, folder: Path, count: int, due: int, warmup: int
) -> tuple[float, int, int, int, tuple[int, int]]:
    """One database and one fake Twilio per phase: (texts/s, uneven numbers, sent, sent twice,
    follow-ups)."""
    twilio = FakeTwilio(inbound.ACCOUNT, inbound.TOKEN)
    await twilio.start()
    try:
        async with postgres_db(f"scale{n}") as url:
            rate, uneven = await _processes(n, url, twilio, folder, count, warmup)
            followups = await _followups_twice(url, due) if n == 2 else (0, 0)
        return rate, uneven, len(twilio.accepted), _twice(twilio), followups
    finally:
        await twilio.close()


async def _run(count: int, due: int, warmup: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        one, uneven_one, _, _, _ = await _phase(1, folder, count, due, warmup)
        two, uneven, sent, twice, (handled, handled_twice) = await _phase(
            2, folder, count, due, warmup
        )
    ratio = two / one if one else 0.0
    return [
        {
            "name": f"postgresql: SMS texts fully handled/s ({count} texts), two serve "
            "processes vs one (wrk, 50 connections in all)",
            "value": two,
            "unit": "texts/s",
            "baseline": one,
            "ratio": ratio,
            "goal": f"ratio >= {GOAL_RATIO}",
            "ok": ratio >= GOAL_RATIO,
        },
        {
            "name": "numbers with more or fewer replies than the others (a text handled twice "
            "or never), two processes / one",
            "value": float(uneven),
            "unit": "numbers",
            "baseline": float(uneven_one),
            "goal": "0",
            "ok": uneven == uneven_one == 0,
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


def run(count: int = 4000, due: int = 500, warmup: int = WARMUP) -> list[dict[str, Any]]:
    return asyncio.run(_run(count, due, warmup))


if __name__ == "__main__":
    for row in run():
        print(row)  # noqa: T201

"""A small programme for dashboard tests: a coordinator, waiting youths and mentors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from core.runtime import Runtime
from mentoring.coordinators import add_coordinator
from tests import factories
from tests.runtime import make_runtime

EMAIL = "koordinator@jobcenter.example.dk"
PASSWORD = "rigtig-hest-batteri"


@dataclass(frozen=True)
class Seeded:
    coordinator_id: int
    sara: int
    omar: int
    henrik: int
    lone: int
    peter: int  # pending approval


def dashboard_runtime(
    engine: AsyncEngine, tmp_path: Path, clock: Callable[[], datetime]
) -> Runtime:
    """The dashboard's runtime: a signing secret, no scheduler, no Telegram."""
    return make_runtime(
        engine, clock, data_dir=tmp_path, run_scheduler=False, telegram_bot_token=None,
        secret_key="test-secret-for-the-dashboard-0123456789",
    )  # fmt: skip


async def seed(runtime: Runtime, now: datetime) -> Seeded:
    async with runtime.sessions() as s:
        coordinator = await add_coordinator(s, EMAIL, PASSWORD, name="Mette")
        signed_up = now - timedelta(days=3)
        sara = await factories.youth(
            s, signed_up, "Sara", interests=["construction"], postcode="8000", phone="+4522334455"
        )
        omar = await factories.youth(
            s, signed_up, "Omar", interests=["it"], postcode="2100", phone="+4522334466"
        )
        henrik = await factories.mentor(
            s, "Henrik", capacity=2, postcode="8200", phone="+4540112233", availability="tirsdage"
        )
        lone = await factories.mentor(
            s,
            "Lone",
            company_name="Kode & Co ApS",
            industry="it",
            postcode="2200",
            phone="+4540112244",
        )
        peter = await factories.mentor(
            s, "Peter", approved=False, company_name="Peters VVS", phone="+4540112255"
        )
        await s.commit()
        return Seeded(coordinator.id, sara.id, omar.id, henrik.id, lone.id, peter.id)

"""`mentorbot coordinator add` and `mentorbot demo` as a coordinator would run them."""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Company, Coordinator, Match, Mentor, Youth
from tests.cli_helpers import clean_env, mentorbot


async def test_coordinator_add_stores_an_argon2_hash_read_from_stdin(
    db_url: str, tmp_path: Path, session: AsyncSession
) -> None:
    env = clean_env(tmp_path / "var", DATABASE_URL=db_url)
    result = mentorbot(
        "coordinator", "add", "Mette@Kommune.DK", env=env, cwd=tmp_path, stdin="hemmeligt-ord-42\n"
    )
    assert result.returncode == 0, result.stderr
    coordinator = await session.scalar(select(Coordinator))
    assert coordinator is not None and coordinator.email == "mette@kommune.dk"
    assert "hemmeligt" not in coordinator.password_hash
    assert PasswordHasher().verify(coordinator.password_hash, "hemmeligt-ord-42")

    again = mentorbot(
        "coordinator", "add", "mette@kommune.dk", env=env, cwd=tmp_path, stdin="x" * 12
    )
    assert again.returncode == 1


async def test_coordinator_password_sets_a_new_hash_and_ends_sessions(
    db_url: str, tmp_path: Path, session: AsyncSession
) -> None:
    env = clean_env(tmp_path / "var", DATABASE_URL=db_url)
    mentorbot("coordinator", "add", "mette@kommune.dk", env=env, cwd=tmp_path, stdin="x" * 12)
    result = mentorbot(
        "coordinator", "password", "Mette@kommune.dk", env=env, cwd=tmp_path, stdin="nyt-ord-1234"
    )
    assert result.returncode == 0, result.stderr
    coordinator = await session.scalar(select(Coordinator))
    assert coordinator is not None and coordinator.session_version == 1
    assert PasswordHasher().verify(coordinator.password_hash, "nyt-ord-1234")
    await session.commit()  # let the next command write (SQLite)
    nobody = mentorbot("coordinator", "password", "x@y.dk", env=env, cwd=tmp_path, stdin="z" * 12)
    assert nobody.returncode == 1 and "ingen koordinator" in nobody.stdout


async def test_demo_builds_a_programme_at_every_stage(
    db_url: str, tmp_path: Path, session: AsyncSession
) -> None:
    result = mentorbot("demo", env=clean_env(tmp_path / "var", DATABASE_URL=db_url), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert await session.scalar(select(func.count()).select_from(Youth)) == 40
    assert await session.scalar(select(func.count()).select_from(Mentor)) == 20
    assert await session.scalar(select(func.count()).select_from(Company)) == 12
    stages = set(await session.scalars(select(Match.status)))
    assert {"proposed", "active", "ended_early"} <= stages
    groups = set(await session.scalars(select(Youth.target_group)))
    assert groups == {"g0", "g1", "g2", "student"}

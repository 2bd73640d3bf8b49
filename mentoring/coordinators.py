"""Coordinators: argon2-hashed passwords; the login checks and lock-out live in web/."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import CoordinatorRole
from mentoring.addresses import normalise_email
from mentoring.errors import DomainError
from storage.models import Coordinator

MIN_PASSWORD = 10
hasher = PasswordHasher()


async def add_coordinator(
    session: AsyncSession,
    email: str,
    password: str,
    *,
    name: str | None = None,
    role: CoordinatorRole = CoordinatorRole.COORDINATOR,
) -> Coordinator:
    """A dashboard login: a coordinator, or a read-only viewer (steering group, Task Force)."""
    address = normalise_email(email).lower()
    if len(password) < MIN_PASSWORD:
        raise DomainError("password_too_short", min=MIN_PASSWORD)
    if await session.scalar(select(Coordinator.id).where(Coordinator.email == address)):
        raise DomainError("coordinator_exists")
    coordinator = Coordinator(
        email=address, name=name, password_hash=hasher.hash(password), role=CoordinatorRole(role)
    )
    session.add(coordinator)
    await session.flush()
    return coordinator


async def coordinator_name(session: AsyncSession) -> str | None:
    """The name youths and mentors are told ("Anne skriver til dig"), rather than a pronoun that
    guesses the coordinator's gender; None when no coordinator has given a name."""
    return await session.scalar(
        select(Coordinator.name)
        .where(Coordinator.name.is_not(None), Coordinator.name != "")
        .order_by(Coordinator.id)
        .limit(1)
    )

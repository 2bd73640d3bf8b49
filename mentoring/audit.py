"""The audit log: who did what to which record. Details never hold contact data or bodies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Coordinator


async def record(
    session: AsyncSession,
    actor: str,
    action: str,
    entity: str | None = None,
    entity_id: int | None = None,
    *,
    at: datetime | None = None,
    **details: Any,
) -> None:
    """An audit row; `at`: the domain's moment, where a rule reads the row back as history (the
    database's clock otherwise)."""
    entry = AuditEntry(
        actor=actor, action=action, entity=entity, entity_id=entity_id, details=details
    )
    if at is not None:
        entry.at = at
    session.add(entry)


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page narrows to: who (an actor such as "coordinator:3"), what (the start
    of an action name), which record (entity and id) and which days (inclusive, UTC)."""

    actor: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.actor:
            found.append(AuditEntry.actor == self.actor)
        if self.action:
            found.append(AuditEntry.action.startswith(self.action, autoescape=True))
        if self.entity:
            found.append(AuditEntry.entity == self.entity)
        if self.entity_id is not None:
            found.append(AuditEntry.entity_id == self.entity_id)
        if self.since is not None:
            found.append(AuditEntry.at >= self.since)
        if self.until is not None:
            found.append(AuditEntry.at < self.until)
        return found


async def entries(
    session: AsyncSession, chosen: AuditFilter, *, offset: int = 0, limit: int = 50
) -> tuple[Sequence[AuditEntry], int]:
    """One page of the log, newest first, and how many entries the filter lets through."""
    where = chosen.conditions()
    total = await session.scalar(select(func.count()).select_from(AuditEntry).where(*where))
    rows = await session.scalars(
        select(AuditEntry).where(*where).order_by(AuditEntry.id.desc()).offset(offset).limit(limit)
    )
    return rows.all(), int(total or 0)


async def actors(session: AsyncSession) -> dict[str, str]:
    """Every coordinator as an actor key ("coordinator:3") with their name or e-mail, for the
    audit page's "who" filter and for showing names instead of keys."""
    rows = await session.execute(select(Coordinator.id, Coordinator.name, Coordinator.email))
    return {f"coordinator:{i}": name or email for i, name, email in rows}

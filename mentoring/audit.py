"""The audit log: who did what to which record. Details never hold contact data or bodies."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


async def record(
    session: AsyncSession,
    actor: str,
    action: str,
    entity: str | None = None,
    entity_id: int | None = None,
    **details: Any,
) -> None:
    session.add(
        AuditEntry(actor=actor, action=action, entity=entity, entity_id=entity_id, details=details)
    )

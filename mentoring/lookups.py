"""Lookup data (target groups, situations, interests, outcomes, job kinds) from the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.errors import DomainError
from storage.models import Lookup


async def lookup(session: AsyncSession, kind: str) -> dict[str, dict[str, Any]]:
    """code -> attrs for one kind, in display order. Read once per session: lookups change
    only with a deploy, and an import of a thousand rows would otherwise read them per row."""
    key = f"lookup:{kind}"
    if key not in session.info:
        rows = await session.execute(
            select(Lookup.code, Lookup.attrs)
            .where(Lookup.kind == kind, Lookup.valid_to.is_(None))
            .order_by(Lookup.sort_order)
        )
        session.info[key] = {code: attrs for code, attrs in rows.all()}
    return dict(session.info[key])


async def require_code(session: AsyncSession, kind: str, code: str) -> dict[str, Any]:
    codes = await lookup(session, kind)
    if code not in codes:
        raise DomainError(f"unknown_{kind}", code=code)
    return codes[code]

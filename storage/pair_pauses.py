"""Whether a pair was paused at a past moment. `Match.paused_at` holds only the pause running now;
a digest for an earlier week needs the pauses then, which the audit log keeps: the pair was paused
at `as_of` when its last pause up to then came after its last resume."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from storage.models import AuditEntry

PAUSED_ACTION, RESUMED_ACTION = "pair.paused", "pair.resumed"


def paused_then(as_of: datetime) -> Any:
    """A subquery of (match_id, paused_at): the pairs paused at `as_of` by the audit log, with
    the start of that pause. One grouped pass over the few pause and resume rows."""
    paused = func.max(case((AuditEntry.action == PAUSED_ACTION, AuditEntry.at)))
    resumed = func.max(case((AuditEntry.action == RESUMED_ACTION, AuditEntry.at)))
    return (
        select(AuditEntry.entity_id.label("match_id"), paused.label("paused_at"))
        .where(
            AuditEntry.entity == "match",
            AuditEntry.action.in_((PAUSED_ACTION, RESUMED_ACTION)),
            AuditEntry.at <= as_of,
        )
        .group_by(AuditEntry.entity_id)
        .having(and_(paused.is_not(None), or_(resumed.is_(None), paused > resumed)))
        .subquery("paused_then")
    )

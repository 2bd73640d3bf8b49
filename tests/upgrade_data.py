"""Representative rows for every table of a database at any revision, for the upgrade test.

The rows are built from the schema as it is at that revision (reflected), so the test keeps
working when revisions are added: each column gets a plausible value for its type, named
columns get values the app understands (a role, a channel, a status), and foreign keys point at
the rows inserted before. Column types come from today's models where the column still exists,
so values are stored exactly as the app stores them (UTC datetimes, JSON).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Enum, Integer, MetaData, text
from sqlalchemy import Table as SATable
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import column, table
from sqlalchemy.types import TypeEngine

from storage.models import Base
from storage.types import UTCDateTime

AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ON = date(2026, 11, 2)
SEEDED = {"lookups", "alembic_version"}  # the migrations fill these themselves

# Values the app reads with meaning, by column name (or "table.column").
NAMED: dict[str, Any] = {
    "role": "youth",
    "language": "da",
    "people.status": "active",
    "matches.status": "active",
    "meetings.status": "confirmed",
    "outbox.status": "sent",
    "mentors.approval": "approved",
    "followups.state": "pending",
    "checkin_answers.kind": "checkin",
    "events.kind": "mentor_training",
    "event_guests.rsvp": "yes",
    "companies.partner_kind": "code_of_care",
    "job_openings.status": "open",
    "events.minutes": "Referat fra mødet",  # text (the minutes of a meeting), not a number
    "contact_points.state": "ok",
    "channel": "sms",
    "address": "+4512345678",
    "email": "koordinator@kommune.dk",
    "guardian_phone": "+4587654321",
    "guardian_email": "forælder@example.dk",
    "first_name": "Mille",
    "last_name": "Hansen",
    "postcode": "8000",
    "cvr": "12345678",
    "birth_year": 2009,
    "capacity": 1,
    "sequence": 0,
    "attempts": 1,
    "misses": 0,
    "failed_logins": 0,
    "minutes": 90,
    "score": 4,
    "languages": ["da"],
    "interests": ["it"],
    "options": [],
}
# The second and third person: a mentor, and someone erased before the upgrade.
MORE_PEOPLE = [
    {"id": 2, "role": "mentor", "first_name": "Jonas", "status": "active"},
    {"id": 3, "role": "unknown", "first_name": None, "status": "erased", "erased_at": AT},
]
MENTOR_ID = 2


def _type(table_name: str, col: Any) -> TypeEngine[Any]:
    model = Base.metadata.tables.get(table_name)
    if model is not None and col.name in model.c:
        return model.c[col.name].type
    if isinstance(col.type, DateTime):
        return UTCDateTime()
    return col.type  # type: ignore[no-any-return]


def _value(table_name: str, col: Any, type_: TypeEngine[Any], row_id: int) -> Any:
    name = col.name
    for key in (f"{table_name}.{name}", name):
        if key in NAMED:
            return NAMED[key]
    mapped = Base.metadata.tables.get(table_name)
    model_col = mapped.c.get(name) if mapped is not None else None
    if model_col is not None and isinstance(model_col.type, Enum) and model_col.type.enums:
        return model_col.type.enums[0]  # a status the app can read back
    if col.foreign_keys:
        (fk,) = col.foreign_keys
        target = fk.column.table.name
        to_mentor = target == "mentors" or (target == "people" and "mentor" in name)
        return MENTOR_ID if to_mentor else 1
    if isinstance(type_, UTCDateTime | DateTime):
        return AT
    if isinstance(type_, Date):
        return ON
    if isinstance(type_, Boolean):
        return True
    if isinstance(type_, Integer | BigInteger):
        return row_id if col.primary_key else 3
    if isinstance(type_, JSON) or type(type_).__name__ in ("JSON", "JSONB", "Variant"):
        return {"eksempel": 1}
    length = getattr(type_, "length", None) or 200
    return f"{name}-{row_id}"[:length]


def reflect(sync_conn: Any) -> MetaData:
    meta = MetaData()
    meta.reflect(sync_conn)
    return meta


async def populate(conn: AsyncConnection) -> dict[str, int]:
    """Insert the rows into every table the database has now; returns rows per table."""
    meta: MetaData = await conn.run_sync(reflect)
    counts: dict[str, int] = {}
    for reflected in meta.sorted_tables:
        if reflected.name in SEEDED:
            continue
        rows = [_row(reflected, 1)]
        if reflected.name == "people":
            rows += [{**_row(reflected, p["id"]), **p} for p in MORE_PEOPLE]
        if reflected.name == "mentors":
            rows[0]["person_id"] = MENTOR_ID
        target = table(
            reflected.name, *[column(c.name, _type(reflected.name, c)) for c in reflected.c]
        )
        await conn.execute(target.insert(), rows)
        counts[reflected.name] = len(rows)
    if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
        for reflected in meta.sorted_tables:
            if "id" in reflected.c and reflected.name not in SEEDED:
                await conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{reflected.name}', 'id'), "
                    f"(SELECT max(id) FROM {reflected.name}))"
                ))  # fmt: skip
    return counts


def _row(reflected: SATable, row_id: int) -> dict[str, Any]:
    return {
        c.name: _value(reflected.name, c, _type(reflected.name, c), row_id) for c in reflected.c
    }


async def snapshot(conn: AsyncConnection, tables: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every row of these tables as the driver returns it, in primary-key order."""
    meta: MetaData = await conn.run_sync(reflect)
    out: dict[str, list[dict[str, Any]]] = {}
    for name in tables:
        reflected = meta.tables[name]
        order = list(reflected.primary_key.columns) or list(reflected.c)
        typed = table(name, *[column(c.name, _type(name, c)) for c in reflected.c])
        result = await conn.execute(typed.select().order_by(*[typed.c[c.name] for c in order]))
        out[name] = [dict(r._mapping) for r in result]
    return out

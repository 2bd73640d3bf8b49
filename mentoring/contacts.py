"""Contact points and their states: the only code that writes `ContactPoint.state`.

A contact point (a Telegram chat, an E.164 number, an e-mail address, a simulator session) is
"ok" until something says otherwise; the dispatcher sends only to "ok" ones, and the digest lists
the others as unreachable (ARCHITECTURE.md, "The four doors"). The moves:

    ok           -> opted_out (SMS STOP, Twilio 21610), blocked (Telegram: bot blocked),
                    unreachable (dead-lettered), invalid (no such number or chat)
    opted_out    -> ok (SMS START only: nothing else overrides a person's no)
    blocked      -> ok (they unblocked the bot), invalid
    unreachable  -> ok (they wrote from it), opted_out, blocked, invalid
    invalid      -> ok (they wrote from it, or restarted the bot)

Any other move is refused (`move` returns False and changes nothing). A move to the state a point
is already in keeps the first reason and time. `verified` is separate: an SMS number is verified
when a text arrives from it (`prove`), and until then gets only its verification code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from messaging.delivery import AddressFailure
from storage.models import ContactPoint


class State(StrEnum):
    OK = "ok"
    OPTED_OUT = "opted_out"
    BLOCKED = "blocked"
    UNREACHABLE = "unreachable"
    INVALID = "invalid"


MOVES: dict[State, frozenset[State]] = {
    State.OK: frozenset({State.OPTED_OUT, State.BLOCKED, State.UNREACHABLE, State.INVALID}),
    State.OPTED_OUT: frozenset({State.OK}),
    State.BLOCKED: frozenset({State.OK, State.INVALID}),
    State.UNREACHABLE: frozenset({State.OK, State.OPTED_OUT, State.BLOCKED, State.INVALID}),
    State.INVALID: frozenset({State.OK}),
}


def allowed(current: str, new: str) -> bool:
    return State(new) in MOVES[State(current)]


def allowed_from(new: str) -> list[State]:
    """The states a point may be in for a move to `new`."""
    return [s for s, targets in MOVES.items() if State(new) in targets]


async def find(session: AsyncSession, channel: str, address: str) -> ContactPoint | None:
    return await session.scalar(
        select(ContactPoint).where(ContactPoint.channel == channel, ContactPoint.address == address)
    )


async def mark_verified(session: AsyncSession, channel: str, address: str) -> None:
    """The sign-up's code came back: the number is the writer's (no point, nothing to mark)."""
    point = await find(session, channel, address)
    if point is not None:
        point.verified = True


async def drop_unverified(session: AsyncSession, channel: str, address: str) -> None:
    """Forget an address given in sign-up that was never proved (a verified one is kept)."""
    point = await find(session, channel, address)
    if point is not None and not point.verified:
        await session.delete(point)


async def state_of(session: AsyncSession, channel: str, address: str) -> str | None:
    """The point's state, None when nobody holds this address."""
    return await session.scalar(
        select(ContactPoint.state).where(
            ContactPoint.channel == channel, ContactPoint.address == address
        )
    )


def move(point: ContactPoint, new: str, reason: str | None, now: datetime) -> bool:
    """Move one loaded point; False (and nothing changed) when the move is not allowed."""
    if point.state == new or not allowed(point.state, new):
        return False
    point.state, point.state_reason, point.state_changed_at = new, reason and reason[:40], now
    return True


def opt_back_in(point: ContactPoint, reason: str, now: datetime) -> bool:
    """Out of an opt-out (SMS START): "ok" and verified, since the text came from the number."""
    if point.state != State.OPTED_OUT or not move(point, State.OK, reason, now):
        return False
    point.verified = True
    return True


async def move_address(
    session: AsyncSession, channel: str, address: str, new: str, reason: str | None, now: datetime
) -> bool:
    """Move the point with this address, if there is one and the move is allowed."""
    point = await find(session, channel, address)
    return point is not None and move(point, new, reason, now)


async def prove(session: AsyncSession, channel: str, address: str) -> None:
    """A message from this address proves it is theirs: its held messages may go out."""
    await session.execute(
        update(ContactPoint)
        .where(ContactPoint.channel == channel, ContactPoint.address == address)
        .values(verified=True)
    )


_POINTS = cast(Table, ContactPoint.__table__)
_SLOTS = 4  # the most states a move can start from (to "ok": four)
_FAILED = (
    update(_POINTS)
    .where(
        _POINTS.c.channel == bindparam("ch"),
        _POINTS.c.address == bindparam("addr"),
        # Plain comparisons, not IN: an executemany cannot expand a list.
        or_(*(_POINTS.c.state == bindparam(f"from{i}") for i in range(_SLOTS))),
    )
    .values(
        state=bindparam("target"),
        state_reason=bindparam("reason"),
        state_changed_at=bindparam("at"),
    )
)


def _starts(new: str) -> dict[str, str]:
    starts = [s.value for s in allowed_from(new)]
    return {f"from{i}": starts[min(i, len(starts) - 1)] for i in range(_SLOTS)}


async def record_failures(
    conn: AsyncConnection, failures: Sequence[AddressFailure], now: datetime
) -> None:
    """Many providers' answers in one executemany (the dispatcher's group commit), each applied
    only where the move is allowed."""
    if not failures:
        return
    await conn.execute(
        _FAILED,
        [
            {
                "ch": f.channel,
                "addr": f.address,
                "target": f.state,
                "reason": f.reason[:40] or None,
                "at": now,
                **_starts(f.state),
            }
            for f in failures
        ],
    )

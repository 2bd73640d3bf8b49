"""Talking to the conversation engine as a person would, on any channel, with a fixed clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bot.engine import process
from bot.events import Incoming
from core.runtime import Runtime
from storage.models import ContactPoint, OutboxMessage
from tests.factories import active_pair


@dataclass
class Chat:
    """One person's side of a conversation: send text or tap options, read what came back."""

    runtime: Runtime
    channel: str = "web"
    address: str = "sim-1"
    language_hint: str | None = None
    seen: int = 0
    log: list[OutboxMessage] = field(default_factory=list)
    _update: int = 0

    async def send(
        self,
        text: str | None = None,
        *,
        option: str | None = None,
        start: str | None = None,
        media: bool = False,
    ) -> list[OutboxMessage]:
        self._update += 1
        await process(
            self.runtime,
            Incoming(
                self.channel,
                self.address,
                text=text,
                option=option,
                start_payload=start,
                language_hint=self.language_hint,
                media=media,
            ),
            dedupe=(self.channel, f"{self.address}:{self._update}"),
        )
        return await self.replies()

    async def replies(self) -> list[OutboxMessage]:
        """Messages to this address since the last call."""
        async with self.runtime.sessions() as session:
            rows = list(
                await session.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.channel == self.channel,
                        OutboxMessage.address == self.address,
                        OutboxMessage.id > self.seen,
                    )
                    .order_by(OutboxMessage.id)
                )
            )
        if rows:
            self.seen = rows[-1].id
        self.log.extend(rows)
        return rows

    async def text(self, text: str | None = None, **kwargs: Any) -> str:
        """Send (nothing: just read), and return the new messages joined: what the person reads."""
        if text is None and not kwargs:
            rows = await self.replies()
        else:
            rows = await self.send(text, **kwargs)
        return "\n---\n".join(m.body or "" for m in rows)


@dataclass(frozen=True)
class PairChats:
    """A running pair: the youth by SMS and the mentor on Telegram, each with their chat."""

    youth: Chat
    mentor: Chat
    youth_id: int
    match_id: int


async def pair_on_sms_and_telegram(
    runtime: Runtime, youth_phone: str, mentor_chat: str, language: str = "da"
) -> PairChats:
    """Sara (youth) by SMS and Henrik (mentor) on Telegram in a running pair, their earlier
    messages read, so a test sees only what its own texts bring."""
    async with runtime.sessions() as session, session.begin():
        y, m, match = await active_pair(session, runtime.clock())
        y.language = m.language = language
        session.add(ContactPoint(person_id=y.id, channel="sms", address=youth_phone, verified=True))
        session.add(ContactPoint(person_id=m.id, channel="telegram", address=mentor_chat))
    youth = Chat(runtime, channel="sms", address=youth_phone)
    mentor = Chat(runtime, channel="telegram", address=mentor_chat)
    await youth.replies()
    await mentor.replies()
    return PairChats(youth, mentor, y.id, match.id)

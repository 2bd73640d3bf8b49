"""What the outbox dispatcher needs from a channel: send one message, or say why not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from storage.models import OutboxMessage


@dataclass(frozen=True)
class Sent:
    provider_id: str | None = None  # Telegram message_id, Twilio MessageSid, Message-ID


class TemporaryFailure(Exception):
    """Try again later (429, 5xx, timeouts). `retry_after` in seconds when the server said so."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class PermanentFailure(Exception):
    """Never try this address again: `state` becomes the contact point's state."""

    def __init__(self, reason: str, state: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.state = state  # blocked, opted_out, invalid, unreachable


class Sender(Protocol):
    channel: str

    async def send(self, message: OutboxMessage) -> Sent: ...

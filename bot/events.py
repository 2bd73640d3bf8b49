"""The channel-neutral interface: an incoming event produces replies.

Channels (Telegram, SMS, e-mail, the browser simulator) translate their wire format into
`Incoming` and render each `Reply` their own way: inline buttons, "Svar JA eller NEJ", links.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mentoring.outbound import Option
from storage.types import storable

__all__ = ["Incoming", "Option", "Reply"]


@dataclass(frozen=True)
class Incoming:
    channel: str  # telegram, sms, email, web
    address: str  # chat id, E.164 number, e-mail address, simulator session id
    text: str | None = None
    option: str | None = None  # the key of a chosen Option
    language_hint: str | None = None
    start_payload: str | None = None  # Telegram deep link `/start <payload>`
    media: bool = False  # a photo, sticker, voice note or MMS: not text
    # E-mail: the first meaningful line of `text` (a greeting skipped), and the meeting our
    # invite was about when the e-mail answers one (its In-Reply-To / References).
    first_line: str | None = None
    answers_meeting: int | None = None
    # E-mail: SPF or the sender's own DKIM passed. A From address is easy to forge, so an
    # e-mail without a pass is read by the coordinator, never acted on as its sender's.
    authenticated: bool = True

    def __post_init__(self) -> None:
        """Whatever a channel hands in is text the databases can keep (see `storable`)."""
        for name in ("address", "text", "option", "language_hint", "start_payload", "first_line"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, storable(value))


@dataclass(frozen=True)
class Reply:
    template: str  # name under templates/messages/
    context: dict[str, Any] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    person_id: int | None = None  # None: to the sender of the incoming event

"""The "web" channel of the development chat simulator.

The simulator page reads its messages straight from the outbox (by address), so sending is only
bookkeeping: the dispatcher marks the row sent. No network, no configuration.
"""

from __future__ import annotations

from messaging.senders import Sent
from storage.models import OutboxMessage


class WebSender:
    """messaging.senders.Sender for channel "web"."""

    channel = "web"

    async def send(self, message: OutboxMessage) -> Sent:
        return Sent(provider_id=f"web-{message.id}")

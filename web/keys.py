"""Typed application keys (aiohttp ≥3.9 warns about string keys)."""

from __future__ import annotations

from aiohttp import web

from bot.inbound import Channel, Workers
from core.runtime import Runtime
from mentoring.journal import Recorder
from messaging.dispatcher import Dispatcher

RUNTIME = web.AppKey("runtime", Runtime)
# The outbox dispatcher of this process: handlers call `.wake()` after committing an outbox row.
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
# The Telegram bot's @username (from getMe at start-up), for t.me invitation links; absent
# when Telegram is off or the Bot API could not be reached.
TELEGRAM_USERNAME = web.AppKey("telegram_username", str)
# The inbound journal (web.inbound): the group commit webhooks record into, the channels the
# conversation workers handle (a channel adds itself at setup), and the workers.
RECORDER = web.AppKey("inbound_recorder", Recorder)
CHANNELS = web.AppKey("inbound_channels", dict[str, Channel])
WORKERS = web.AppKey("inbound_workers", Workers)

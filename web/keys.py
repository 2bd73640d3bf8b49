"""Typed application keys (aiohttp ≥3.9 warns about string keys)."""

from __future__ import annotations

from aiohttp import web

from mentoring.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)

"""Size and depth limits on every JSON body, before any handler parses it.

Python's json parser recurses once per nesting level: a body of 100,000 `[` is a RecursionError
(a 500) in whichever handler reads it, aiogram's webhook included. Telegram updates and the
simulator's messages are small and shallow, so a body over MAX_JSON_BYTES gets 413 and one
nested deeper than MAX_JSON_DEPTH gets 400, and neither reaches a handler. aiohttp keeps the
body it read, so the handler reads the same bytes again without another network read.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from aiohttp import web

MAX_JSON_BYTES = 256 * 1024  # a Telegram update is a few kB
MAX_JSON_DEPTH = 32  # a Telegram update nests about 6 deep
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_depth(body: bytes) -> int:
    """How deep arrays and objects nest in `body` (brackets inside strings do not count)."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return body.count(b"[") + body.count(b"{")  # an upper bound, and small: done
    depth = deepest = 0
    for token in _TOKENS.finditer(body):
        char = token.group()[:1]
        if char in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif char in (b"]", b"}"):
            depth -= 1
    return deepest


@web.middleware
async def json_limits(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if request.method in ("POST", "PUT", "PATCH") and "json" in request.content_type:
        if (request.content_length or 0) > MAX_JSON_BYTES:
            raise web.HTTPRequestEntityTooLarge(MAX_JSON_BYTES, request.content_length or 0)
        body = await request.read()
        if len(body) > MAX_JSON_BYTES:
            raise web.HTTPRequestEntityTooLarge(MAX_JSON_BYTES, len(body))
        if json_depth(body) > MAX_JSON_DEPTH:
            raise web.HTTPBadRequest(text="JSON nested too deep")
    return await handler(request)

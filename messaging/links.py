"""Signed one-click links: itsdangerous' URL-safe signed JSON, with our own expiry.

itsdangerous does the signing (HMAC-SHA1 over a key derived per salt) and the key rotation: it is
given every accepted key, oldest first, signs with the newest and verifies with any, so links sent
before a SECRET_KEY rotation keep working while SECRET_KEY_PREVIOUS is set. The expiry is a field
of the payload checked against our clock (not itsdangerous' timed variant, which reads the wall
clock): links live from a day to a year, and simulations move time. "Works once" is enforced by
the caller, which records the token's digest (see web/links.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from itsdangerous import BadData, URLSafeSerializer

SALT = "mentorbot.link"


class LinkError(Exception):
    """`reason` is forged or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer(keys: str | Sequence[str]) -> URLSafeSerializer:
    return URLSafeSerializer([keys] if isinstance(keys, str) else list(keys), salt=SALT)


def sign(keys: str | Sequence[str], payload: dict[str, Any], expires: datetime) -> str:
    """A token for the payload; `keys` oldest first, the last one signs."""
    return str(_serializer(keys).dumps({**payload, "exp": int(expires.timestamp())}))


def verify(keys: str | Sequence[str], token: str, now: datetime) -> dict[str, Any]:
    """The payload of a token signed with any of `keys` and not expired; LinkError otherwise."""
    try:
        payload = _serializer(keys).loads(token)
    except (BadData, ValueError, TypeError, RecursionError):
        raise LinkError("forged") from None
    if not isinstance(payload, dict):
        raise LinkError("forged")
    try:
        expires = int(payload.get("exp", 0))
    except (ValueError, TypeError):
        raise LinkError("forged") from None
    if expires < now.timestamp():
        raise LinkError("expired")
    return payload


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:64]

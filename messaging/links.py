"""Signed one-click links: HMAC-SHA256 over a small JSON payload, with an expiry.

The signature proves the link came from us; "works once" is enforced by the caller, which records
the token's digest (see web/links.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any


class LinkError(Exception):
    """`reason` is forged or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, payload: dict[str, Any], expires: datetime) -> str:
    body = _b64(json.dumps({**payload, "exp": int(expires.timestamp())}, sort_keys=True).encode())
    mac = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify(secret: str, token: str, now: datetime) -> dict[str, Any]:
    body, _, mac = token.partition(".")
    expected = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(_unb64(mac), expected):
            raise LinkError("forged")
        payload: dict[str, Any] = json.loads(_unb64(body))
    except (ValueError, TypeError):
        raise LinkError("forged") from None
    if int(payload.get("exp", 0)) < now.timestamp():
        raise LinkError("expired")
    return payload


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:64]

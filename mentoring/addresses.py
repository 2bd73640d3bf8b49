"""Contact details: Danish phone numbers to E.164, e-mail addresses checked, names tidied."""

from __future__ import annotations

import re

import phonenumbers

from mentoring.errors import DomainError

_EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)


def normalise_phone(raw: str, region: str = "DK") -> str:
    """'12 34 56 78', '+45 12345678', '0045 1234 5678' -> '+4512345678'."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise DomainError("invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise DomainError("invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    text = raw.strip()
    if len(text) > 254 or not _EMAIL.match(text):
        raise DomainError("invalid_email")
    local, _, domain = text.partition("@")
    return f"{local}@{domain.lower()}"


def tidy_name(raw: str, max_length: int = 80) -> str:
    """A first name as people write it: spaces squeezed, no digits or markup."""
    name = " ".join(raw.split())
    if not name or len(name) > max_length or re.search(r"[\d<>@/\\{}]", name):
        raise DomainError("invalid_name")
    return name[0].upper() + name[1:]

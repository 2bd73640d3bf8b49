"""SMS encoding: is a text GSM-7 or UCS-2, how many segments does it cost, and how to keep it GSM-7.

One character outside the GSM-7 alphabet (a curly quote, a long dash, an emoji) turns the whole
message into UCS-2: 70 characters a segment instead of 160, so it costs twice or more.
The alphabet (3GPP TS 23.038) is the `gsm0338` codec's; the segment arithmetic is ours: the
codec encodes, it does not count what Twilio bills.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec: the alphabet and its escapes)

CODEC = "gsm03.38"
ESCAPE = "\x1b"  # the codec's own escape character: never a character of a message

_SPACES = re.compile(r" {2,}")

GSM7_SINGLE, GSM7_MULTI = 160, 153  # septets: one segment, each part of a concatenated one
UCS2_SINGLE, UCS2_MULTI = 70, 67  # UTF-16 code units

# What people type (phones and word processors "smarten" text) mapped to GSM-7 look-alikes.
_REPLACEMENTS = {
    "\u2018": "'",  # ‘
    "\u2019": "'",  # ’
    "\u201a": "'",  # ‚
    "\u201b": "'",
    "\u2032": "'",  # prime
    "\u00b4": "'",  # acute accent
    "`": "'",
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u201e": '"',  # „
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',  # «
    "\u00bb": '"',  # »
    "\u2039": "'",
    "\u203a": "'",
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",
    "\u2212": "-",  # minus
    "\u2026": "...",  # ellipsis
    "\u00a0": " ",  # NBSP
    "\u2002": " ",
    "\u2003": " ",
    "\u2007": " ",
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow NBSP (Danish number formatting)
    "\t": " ",
    "\u200b": "",  # zero-width space
    "\u200c": "",
    "\u200d": "",
    "\ufeff": "",
    "\u00ad": "",  # soft hyphen
    "\u2022": "-",  # bullet
    "\u00b7": "-",
    "\u00d7": "x",
}


@dataclass(frozen=True)
class SmsCost:
    encoding: Literal["GSM-7", "UCS-2"]
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def _septets(text: str) -> int | None:
    """Septets the text takes in GSM-7 (an extension character such as € or [ takes two), or
    None when it does not fit the alphabet."""
    if ESCAPE in text:
        return None
    try:
        return len(text.encode(CODEC))
    except UnicodeEncodeError:
        return None


def is_gsm7(text: str) -> bool:
    return _septets(text) is not None


def sms_cost(text: str) -> SmsCost:
    """The encoding Twilio will use for `text` and the number of segments it is billed as."""
    septets = _septets(text)
    if septets is not None:
        units, single, multi, encoding = septets, GSM7_SINGLE, GSM7_MULTI, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2  # astral emoji take two units
        single, multi, encoding = UCS2_SINGLE, UCS2_MULTI, "UCS-2"
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = -(-units // multi)
    return SmsCost(encoding=encoding, units=units, segments=segments)  # type: ignore[arg-type]


def _fold(ch: str) -> str:
    """A non-GSM letter to its GSM base ('á' -> 'a'); anything else (emoji, symbols) dropped."""
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return base if base and is_gsm7(base) else ""


def to_gsm7(text: str) -> str:
    """Text someone typed, made safe to put into an SMS without switching it to UCS-2."""
    out: list[str] = []
    for ch in text:
        if is_gsm7(ch):
            out.append(ch)
        elif ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
        else:
            out.append(_fold(ch))
    return _SPACES.sub(" ", "".join(out)).strip()

"""How typed words are compared everywhere: `fold` makes 'Hjælp!', 'hjaelp' and 'HJÆLP' one word."""

from __future__ import annotations

import re
import unicodedata

_FOLDS = (("æ", "ae"), ("ø", "o"), ("å", "a"), ("oe", "o"), ("aa", "a"))
_PUNCT = re.compile(r"[!.,;:?)(\"'\u2019]+")


def fold(text: str) -> str:
    """'Hjælp!' -> 'hjaelp', 'LØRDAG' -> 'lordag', 'moede' -> 'mode': lower case, one space, no
    punctuation, and æ/ø/å equal to the ae/oe/aa (or o/a) people type without those keys."""
    said = unicodedata.normalize("NFC", text).strip().lower()
    if said == "?":
        return said
    said = _PUNCT.sub(" ", said)
    for letter, plain in _FOLDS:
        said = said.replace(letter, plain)
    return " ".join(said.split())

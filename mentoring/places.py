"""Towns and postcodes as people type them ('viborg', 'Bjeringbro', '8800', 'kbh', 'jeg bor i
skals') made one place: a postcode and the town's name, so matching can measure distance.

Two lists are searched: the programme's own towns and villages (its `local_places` setting, one
"postcode town" a line, or Viborg Kommune's in places_local.csv by default) before the country's
postcode areas (postcodes.csv). Misspellings are matched with rapidfuzz; a name of four letters
or fewer must match exactly ("kbh", "fur"), so a short word is never taken for a town.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.errors import DomainError
from mentoring.text import fold
from storage.models import Programme

LOCAL_FILE = Path(__file__).with_name("places_local.csv")
NATIONAL_FILE = Path(__file__).with_name("postcodes.csv")
# Damerau-Levenshtein similarity 0-1 (two letters swapped is one edit): 'vibrog', 'viborgg',
# 'bjeringbro', 'silkebor' pass; 'vejle' is not taken for 'vejen' (0.6).
FUZZY_CUTOFF = 0.8
# Other names people use for a town (folded).
ALIASES = {
    "kbh": "København K",
    "cph": "København K",
    "kobenhavn": "København K",
    "copenhagen": "København K",
    "arhus": "Aarhus C",
    "aarhus": "Aarhus C",
    "alborg": "Aalborg",
    "odense": "Odense C",
    "esbjerg": "Esbjerg",
}
# Words in "jeg bor i viborg men går i skole i skive" that are never a town.
_NOT_TOWN = frozenset(
    "jeg bor i pa ved men og gar skole skolen gym fra lige nu taet naer kommune by byen ude "  # noqa: SIM905
    "uden for udenfor det er min mit hjemme hos mor far live in near the at".split()
)


@dataclass(frozen=True)
class Place:
    postcode: str
    town: str


def _rows(path: Path, postcode_col: str, town_col: str) -> list[Place]:
    with path.open(encoding="utf-8") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        return [
            Place(row[postcode_col].strip(), row[town_col].strip())
            for row in csv.DictReader(lines, delimiter=";")
            if row.get(town_col)
        ]


@cache
def national() -> tuple[Place, ...]:
    return tuple(_rows(NATIONAL_FILE, "from", "name"))


@cache
def default_local() -> tuple[Place, ...]:
    return tuple(_rows(LOCAL_FILE, "postcode", "town"))


def parse_local(setting: str | None) -> tuple[Place, ...]:
    """A programme's own list ("8800 Viborg" a line); None or empty: Viborg Kommune's."""
    if not setting or not setting.strip():
        return default_local()
    places = []
    for line in setting.splitlines():
        found = re.fullmatch(r"\s*(\d{4})[\s;,]+(.+?)\s*", line)
        if found:
            places.append(Place(found.group(1), found.group(2)))
    return tuple(places) or default_local()


def local_setting(raw: str) -> str | None:
    """`--local-places "8800 Viborg, Bjerringbro, 6000 Agtrup"` -> the stored setting ("postcode
    town" a line). A town without a postcode takes the one it has in Viborg Kommune's or the
    country's list (a village in neither needs its postcode); empty or '-': Viborg Kommune's."""
    items = [item.strip() for item in re.split(r"[,;\n]", raw) if item.strip()]
    if not items or items == ["-"]:
        return None
    by_name = _index(default_local())[0]
    lines = []
    for item in items:
        given = re.fullmatch(r"(\d{4})\s+(.+)", item)
        known = by_name.get(fold(item))
        if given:
            lines.append(f"{given.group(1)} {' '.join(given.group(2).split())}")
        elif known is not None:
            lines.append(f"{known.postcode} {known.town}")
        else:
            raise DomainError("programme_setting_invalid", setting="local_places", value=item)
    return "\n".join(dict.fromkeys(lines))


async def programme_places(session: AsyncSession, programme_id: int) -> tuple[Place, ...]:
    """The programme's own towns (its `local_places` setting, or Viborg Kommune's)."""
    programme = await session.get(Programme, programme_id)
    return parse_local(programme.local_places if programme else None)


@cache
def _index(local: tuple[Place, ...]) -> tuple[dict[str, Place], dict[str, Place]]:
    """(folded town -> place, postcode -> place); the programme's own towns win."""
    by_name: dict[str, Place] = {}
    by_code: dict[str, Place] = {}
    everything = local + national()
    for place in everything:
        by_name.setdefault(fold(place.town), place)
        by_code.setdefault(place.postcode, place)
    for place in everything:  # "randers" for "Randers C", "aarhus" for "Aarhus N"
        plain = re.sub(r"\s+(?:c|k|v|n|s|o|nv|sv|j)$", "", fold(place.town))
        by_name.setdefault(plain, place)
    for alias, town in ALIASES.items():
        target = by_name.get(fold(town))
        if target is not None:
            by_name.setdefault(alias, target)
    return by_name, by_code


def _town(said: str, by_name: dict[str, Place]) -> Place | None:
    if said in by_name:
        return by_name[said]
    if len(said) <= 4:
        return None
    score = DamerauLevenshtein.normalized_similarity
    best = max(by_name, key=lambda name: score(said, name))
    return by_name[best] if score(said, best) >= FUZZY_CUTOFF else None


def find_place(text: str | None, local: tuple[Place, ...] | None = None) -> Place | None:
    """The place a text names: a postcode (with the town we know for it), or a town's name,
    misspelt or inside a sentence (the first town named wins: 'bor i viborg, går i skole i
    skive' -> Viborg). None when no town or postcode can be found."""
    if not text:
        return None
    by_name, by_code = _index(local if local is not None else default_local())
    code = re.search(r"(?<![0-9])([0-9]{4})(?![0-9])", text)
    if code and code.group(1)[0] != "0":
        known = by_code.get(code.group(1))
        rest = fold(text.replace(code.group(1), " "))
        named = _town(rest, by_name) if rest else None
        return Place(code.group(1), named.town if named else (known.town if known else ""))
    said = fold(text)
    whole = _town(said, by_name)
    if whole is not None:
        return whole
    tokens = said.split()
    for start in range(len(tokens)):
        for size in (3, 2, 1):
            chunk = tokens[start : start + size]
            if len(chunk) < size or chunk[0] in _NOT_TOWN or chunk[-1] in _NOT_TOWN:
                continue
            found = _town(" ".join(chunk), by_name)
            if found is not None:
                return found
    return None

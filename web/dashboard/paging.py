"""Long lists a page at a time, narrowed by filters read from the query string.

Every list page reads `?page=N` and its filters with these helpers, hands `paging.offset` and
`paging.size` to the domain query (which counts the total and fetches one page in SQL, so a
list of 100,000 youths costs one page's rows), and renders `templates/web/_paging.html`'s
`pager(pager)` under the table. Unknown filter values are dropped rather than refused: a stale
bookmark shows the unfiltered list instead of an error.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web

PAGE_SIZE = 50
MAX_PAGE = 100_000  # far past any real list; keeps OFFSET arithmetic small
FREE_TEXT_MAX = 80  # characters of a free-text filter kept


@dataclass(frozen=True)
class Paging:
    """Which page (from 1) of `size` rows a request asks for."""

    number: int = 1
    size: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@dataclass(frozen=True)
class Pager:
    """What the page links need: where this page sits in the total and the neighbours' links."""

    paging: Paging
    total: int
    prev_href: str | None
    next_href: str | None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.paging.size))

    @property
    def first(self) -> int:
        """The 1-based position of the page's first row (0 on an empty list)."""
        return min(self.paging.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.paging.offset + self.paging.size, self.total)


def paging_of(request: web.Request, size: int = PAGE_SIZE) -> Paging:
    """`?page=N` (1 when missing, not a number or out of range)."""
    raw = request.query.get("page", "1")
    number = int(raw) if raw.isdigit() and len(raw) < 7 else 1
    return Paging(min(max(number, 1), MAX_PAGE), size)


def filters_of(
    request: web.Request, allowed: Mapping[str, Collection[str] | None]
) -> dict[str, str]:
    """The query's filters that this page knows: a value from its list of codes, or (where the
    list is None) free text, trimmed and shortened. Empty and unknown values are left out."""
    chosen: dict[str, str] = {}
    for name, codes in allowed.items():
        value = " ".join(request.query.get(name, "").split())[:FREE_TEXT_MAX]
        if value and (codes is None or value in codes):
            chosen[name] = value
    return chosen


def _href(request: web.Request, filters: Mapping[str, str], number: int) -> str:
    query = dict(filters)
    if number > 1:
        query["page"] = str(number)
    return request.path + (f"?{urlencode(query)}" if query else "")


def pager(request: web.Request, paging: Paging, total: int, filters: Mapping[str, str]) -> Pager:
    """The pager under a list: links keep the filters and change only the page."""
    pages = max(1, -(-total // paging.size))
    return Pager(
        paging,
        total,
        _href(request, filters, paging.number - 1) if paging.number > 1 else None,
        _href(request, filters, min(paging.number + 1, pages)) if paging.number < pages else None,
    )

"""Domain errors carry a message key (rendered from templates/errors/<key>.j2) and parameters."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A broken rule. `key` names the template that explains it to a person."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __repr__(self) -> str:
        return f"DomainError({self.key!r}, {self.params!r})"


class NotFound(DomainError):
    def __init__(self, what: str, ident: object) -> None:
        super().__init__("not_found", what=what, ident=str(ident))

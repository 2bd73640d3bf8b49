"""Rendering: Jinja2 templates translated through gettext catalogues read from templates/locales.

Templates are written once, with `{% trans %}` blocks whose source text is English; each language
has `.po` catalogues (Danish complete; English is the source text). Adding a language is adding
catalogues: no code changes. Catalogues are read straight from `.po`, so there is no build step.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from core.statuses import TEMPLATE_GLOBALS
from templates import LOCALE_DIR, TEMPLATE_DIR

DEFAULT_TZ = ZoneInfo("Europe/Copenhagen")


def available_languages(locale_dir: Path = LOCALE_DIR) -> list[str]:
    return sorted(p.name for p in locale_dir.iterdir() if (p / "LC_MESSAGES").is_dir())


@cache
def translations(language: str, locale_dir: Path = LOCALE_DIR) -> Translations:
    """All catalogues of a language merged: each part of the product owns its own `.po` file."""
    merged = Translations()
    for po in sorted((locale_dir / language / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        merged.merge(Translations(fp=buf))
    return merged


class Renderer:
    """Renders named templates for a language; dates and numbers the local way.

    Compiled templates stay cached for the life of the process and their files are not checked
    again (no auto-reload): templates, like the catalogues above, only change with a deploy or a
    restart, and the check cost a stat() per template on every message.
    """

    def __init__(self, template_dir: Path = TEMPLATE_DIR, tz: ZoneInfo = DEFAULT_TZ) -> None:
        self.template_dir = template_dir
        self.tz = tz
        self._envs: dict[tuple[str, bool], jinja2.Environment] = {}

    def env(self, language: str, html: bool = False) -> jinja2.Environment:
        key = (language, html)
        if key not in self._envs:
            env = jinja2.Environment(
                loader=jinja2.FileSystemLoader(self.template_dir),
                extensions=["jinja2.ext.i18n"],
                autoescape=html,
                undefined=jinja2.StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=False,
                auto_reload=False,
            )
            env.policies["ext.i18n.trimmed"] = True
            env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
            env.filters["when"] = lambda dt: self.when(dt, language)
            env.filters["day"] = lambda d: self.day(d, language)
            env.filters["shortday"] = lambda d: self.short_day(d, language)
            env.filters["clock"] = lambda dt: self.clock(dt, language)
            env.filters["number"] = lambda n, digits=1: self.number(n, language, digits)
            env.globals["language"] = language
            env.globals.update(TEMPLATE_GLOBALS)
            self._envs[key] = env
        return self._envs[key]

    def gettext(self, language: str, msgid: str, **params: Any) -> str:
        text = str(translations(language).gettext(msgid))
        return text % params if params else text

    def render(self, name: str, language: str, **context: Any) -> str:
        html = name.endswith(".html") or name.endswith(".html.j2")
        return self.env(language, html).get_template(name).render(**context).strip()

    def message(self, name: str, language: str, channel: str = "web", **context: Any) -> str:
        """A chat message: `templates/messages/<name>.j2`, with the channel for its variants."""
        return self.render(f"messages/{name}.j2", language, channel=channel, **context)

    def error(self, key: str, language: str, channel: str = "web", **params: Any) -> str:
        return self.render(f"errors/{key}.j2", language, channel=channel, **params)

    def local(self, dt: datetime) -> datetime:
        return dt.astimezone(self.tz)

    def when(self, dt: datetime, language: str) -> str:
        """'tirsdag d. 8. december kl. 15.00' in Danish; the pattern lives in the catalogue."""
        pattern = self.gettext(language, "EEEE d MMMM 'at' HH:mm")
        return format_datetime(self.local(dt), pattern, locale=language)

    def day(self, d: date | datetime, language: str) -> str:
        if isinstance(d, datetime):
            d = self.local(d).date()
        return format_date(d, self.gettext(language, "EEEE d MMMM"), locale=language)

    def short_day(self, d: date, language: str) -> str:
        """'8. dec. 2026': a date in a table or a heading (the digest)."""
        return format_date(d, self.gettext(language, "d MMM yyyy"), locale=language)

    def clock(self, dt: datetime, language: str) -> str:
        return format_time(self.local(dt), self.gettext(language, "HH:mm"), locale=language)

    def number(self, value: float, language: str, digits: int = 1) -> str:
        return format_decimal(round(value, digits), locale=language)

    def template_names(self, folder: str) -> Iterable[str]:
        root = self.template_dir / folder
        return sorted(p.relative_to(root).as_posix()[:-3] for p in root.rglob("*.j2"))

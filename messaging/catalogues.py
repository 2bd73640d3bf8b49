"""Checking the translation catalogues against the templates: `python -m messaging.catalogues`.

Every `{% trans %}` block and `_()` call in templates/ is a msgid; each language's merged
catalogues (templates/locales/<lang>/LC_MESSAGES/*.po) must translate it with the same
%(placeholders)s. English is the source text, so an English msgid may stay untranslated.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

from messaging.render import Renderer, available_languages
from templates import LOCALE_DIR, TEMPLATE_DIR

SOURCE_LANGUAGE = "en"
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Problem:
    language: str
    template: str
    msgid: str
    reason: str  # missing, placeholders

    def __str__(self) -> str:
        return f"[{self.language}] {self.template}: {self.reason}: {self.msgid!r}"


def template_msgids(template_dir: Path = TEMPLATE_DIR) -> list[tuple[str, str]]:
    """(template path, msgid) for every translatable string in every template."""
    env = Renderer(template_dir).env(SOURCE_LANGUAGE)
    found: list[tuple[str, str]] = []
    for path in sorted(template_dir.rglob("*")):
        if path.suffix not in (".j2", ".html") or "locales" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        for _line, _func, message in env.extract_translations(source):  # type: ignore[attr-defined]
            msgid = message[0] if isinstance(message, tuple) else message
            if isinstance(msgid, str) and msgid:
                found.append((path.relative_to(template_dir).as_posix(), msgid))
    return found


def merged_catalogue(language: str, locale_dir: Path = LOCALE_DIR) -> dict[str, str]:
    merged: dict[str, str] = {}
    for po in sorted((locale_dir / language / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale=language):
                msgid, text = message.id, message.string
                if isinstance(msgid, tuple | list):  # plural: every form must be translated
                    forms = list(text) if isinstance(text, tuple | list) else [text]
                    msgid, text = msgid[0], (forms[0] if forms and all(forms) else "")
                if not (isinstance(msgid, str) and isinstance(text, str)):
                    continue
                if msgid and (text or msgid not in merged):
                    merged[msgid] = text
    return merged


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def problems(template_dir: Path = TEMPLATE_DIR, locale_dir: Path = LOCALE_DIR) -> list[Problem]:
    msgids = template_msgids(template_dir)
    found: list[Problem] = []
    for language in available_languages(locale_dir):
        catalogue = merged_catalogue(language, locale_dir)
        for template, msgid in msgids:
            translated = catalogue.get(msgid, "")
            if not translated:
                if language != SOURCE_LANGUAGE:
                    found.append(Problem(language, template, msgid, "missing"))
                continue
            if placeholders(translated) != placeholders(msgid):
                found.append(Problem(language, template, msgid, "placeholders differ"))
    return found


def main() -> int:
    found = problems()
    for problem in found:
        sys.stdout.write(f"{problem}\n")
    languages = ", ".join(available_languages())
    sys.stdout.write(f"{len(found)} problem(s) in {languages}\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

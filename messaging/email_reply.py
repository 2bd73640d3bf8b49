"""Reading an inbound e-mail (SendGrid Inbound Parse fields) down to what a reply means.

Pure functions, no I/O: decode the form parts with the charsets SendGrid reports, take the
sender, the meeting the e-mail answers (our invite Message-ID in In-Reply-To / References) and
the new text above the quoted part, whose first meaningful line carries the answer ("JA").
Both of SendGrid's modes are read: parsed fields (headers, from, subject, text, html) and raw
(`email`, the whole MIME message).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser, HeaderParser
from email.utils import parseaddr
from html import unescape
from html.parser import HTMLParser

from messaging.ical import referenced_meeting

MAX_LINE = 200
# Where the quoted part begins: "> ...", "On ... wrote:", "Den ... skrev ...:", Outlook's
# "-----Original Message-----" / "Fra: ..." block, a long underscore rule, a signature "-- ".
_QUOTE_START = re.compile(
    r"""^(?:
        >
      | -{2,}\s*(?:original\s+message|oprindelig\s+(?:meddelelse|besked)
                 |forwarded\s+message|videresendt\s+(?:meddelelse|besked))\b
      | _{8,}\s*$
      | (?:from|fra):\s\S
      | --\s*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_ATTRIBUTION = re.compile(
    r"^(?:on|den|d\.|am|le)\s.*\b(?:wrote|skrev|schrieb|a\s+écrit)\b[^:]*:\s*$", re.IGNORECASE
)
_GREETING = re.compile(r"^(?:hej|hejsa|hi|hello|hallo|hey|kære|dear|goddag|godmorgen)\b", re.I)
_AUTOMATIC_SENDERS = ("mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply")


@dataclass(frozen=True)
class InboundEmail:
    sender: str  # the bare From address, lower case; "" when there is none
    subject: str
    dedupe_key: str  # sha256 of the Message-ID (of the content when there is none)
    meeting_id: int | None  # the meeting our invite this answers was about
    reply: str  # the new text, above the quoted part
    first_line: str  # the first meaningful line of `reply` (a greeting skipped)
    automatic: bool  # an auto-reply, bounce or list mail: never answered
    spoofed: bool  # SPF failed and no DKIM signature passed
    # SPF passed, or a DKIM signature of the sender's own domain did: only then is the e-mail
    # acted on as the sender's (mentoring.email_replies); otherwise the coordinator reads it.
    authenticated: bool = False


def decode_fields(parts: Mapping[str, bytes]) -> dict[str, str]:
    """Text fields decoded with SendGrid's `charsets` map; unknown charsets read as UTF-8."""
    try:
        charsets = json.loads(parts.get("charsets", b"{}").decode("utf-8", "replace"))
    except ValueError:
        charsets = {}
    if not isinstance(charsets, dict):
        charsets = {}
    fields: dict[str, str] = {}
    for name, raw in parts.items():
        codec = str(charsets.get(name) or "utf-8")
        try:
            codecs.lookup(codec)
        except LookupError:
            codec = "utf-8"
        fields[name] = raw.decode(codec, "replace")
    return fields


class _HtmlText(HTMLParser):
    """Visible text of an HTML body, without quoted blocks (blockquote, gmail_quote)."""

    SKIP = frozenset({"blockquote", "style", "script", "head", "title"})
    BREAK = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k in ("class", "id"))
        if self.skipping or tag in self.SKIP or "quote" in classes or "divRplyFwdMsg" in classes:
            if tag not in ("br", "img", "hr", "meta", "link", "input"):
                self.skipping.append(tag)
            return
        if tag in self.BREAK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if self.skipping[-1] == tag:
                self.skipping.pop()
            return
        if tag in self.BREAK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data)


def html_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return unescape("".join(parser.out))


def reply_part(text: str) -> str:
    """The lines the sender wrote now: everything above the first quote marker."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        two = f"{stripped} {lines[i + 1].strip()}" if i + 1 < len(lines) else stripped
        if _QUOTE_START.match(stripped) or _ATTRIBUTION.match(stripped):
            break
        if re.match(r"^(?:on|den)\s", stripped, re.I) and _ATTRIBUTION.match(two):
            break  # an attribution wrapped over two lines
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def first_line(reply: str) -> str:
    """The first line that says something: "Hej Sara," alone is skipped, "Hej, ja" gives "ja"."""
    for line in reply.split("\n"):
        line = " ".join(line.split())
        if not line:
            continue
        if _GREETING.match(line):
            head, comma, rest = line.partition(",")
            if comma and len(head.split()) <= 3:
                if rest.strip():
                    return rest.strip()[:MAX_LINE]
                continue
            if len(line.split()) <= 3 and not comma:
                continue  # "Hej Sara" alone
        return line[:MAX_LINE]
    return ""


def _automatic(headers: Message, sender: str) -> bool:
    auto = str(headers.get("Auto-Submitted", "")).strip().lower()
    precedence = str(headers.get("Precedence", "")).strip().lower()
    content_type = str(headers.get("Content-Type", "")).lower()
    return (
        auto not in ("", "no")
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or "X-Autoreply" in headers
        or "X-Autorespond" in headers
        or "multipart/report" in content_type
        or sender.partition("@")[0] in _AUTOMATIC_SENDERS
    )


def _raw_parts(raw: bytes) -> tuple[Message, str]:
    """Raw mode: the headers and the plain text (or HTML made text) of a whole message."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain", "html"))
    if body is None:
        return message, ""
    try:
        content = str(body.get_content())
    except (LookupError, UnicodeError):
        content = body.get_payload(decode=True).decode("utf-8", "replace")  # type: ignore[union-attr]
    text = html_text(content) if body.get_content_type() == "text/html" else content
    return message, text


def parse_inbound(parts: Mapping[str, bytes]) -> InboundEmail:
    """What an Inbound Parse POST says, in either mode."""
    fields = decode_fields({k: v for k, v in parts.items() if k != "email"})
    if "email" in parts:
        headers, text = _raw_parts(parts["email"])
        from_field, subject = str(headers.get("From", "")), str(headers.get("Subject", ""))
    else:
        headers = HeaderParser(policy=policy.default).parsestr(fields.get("headers", ""))
        from_field = fields.get("from", "") or str(headers.get("From", ""))
        subject = fields.get("subject", "") or str(headers.get("Subject", ""))
        text = fields.get("text", "") or html_text(fields.get("html", ""))
    sender = parseaddr(from_field)[1].strip().lower()
    sender = sender if "@" in sender else ""
    message_id = str(headers.get("Message-ID", "")).strip()
    basis = message_id or f"{sender}\n{subject}\n{text}"
    reply = reply_part(text)
    spf = fields.get("SPF", "").strip().lower()
    return InboundEmail(
        sender=sender,
        subject=" ".join(subject.split()),
        dedupe_key=hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest(),
        meeting_id=referenced_meeting(
            str(headers.get("In-Reply-To", "")), str(headers.get("References", ""))
        ),
        reply=reply,
        first_line=first_line(reply),
        automatic=_automatic(headers, sender),
        spoofed=spf in ("fail", "softfail") and "pass" not in fields.get("dkim", "").lower(),
        authenticated=spf == "pass" or dkim_passes_for(fields.get("dkim", ""), sender),
    )


_DKIM_RESULT = re.compile(r"@([A-Za-z0-9.-]+)\s*:\s*(\w+)")


def dkim_passes_for(dkim: str, sender: str) -> bool:
    """SendGrid's `dkim` field (`{@firma.dk : pass}`, one entry a signature) has a pass signed
    by the sender's domain or a parent of it; a pass for another domain proves nothing about
    the From address."""
    domain = sender.rpartition("@")[2].lower()
    if not domain:
        return False
    for signer, result in _DKIM_RESULT.findall(dkim):
        signer = signer.lower().rstrip(".")
        if result.lower() == "pass" and (domain == signer or domain.endswith("." + signer)):
            return True
    return False

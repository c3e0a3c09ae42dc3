"""Reading the few header fields the loader needs straight from a header block's bytes.

The threading pass looks at every message of a mailbox, so it reads a handful of fields
with one regex over the raw block instead of building header objects (policy.default's
structured headers cost ~0.1 ms each). Values are decoded here: RFC 2047 words, raw
UTF-8 (RFC 6532) and stray 8-bit bytes.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field
from email.utils import parseaddr, parsedate_to_datetime
from typing import TYPE_CHECKING

from ftprep.jsonl import BOM

if TYPE_CHECKING:
    from datetime import datetime

_FOLD = re.compile(rb"\r?\n[ \t]+")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
_ENCODED_RUN = re.compile(r"(?:=\?[^?\s]+\?[QqBb]\?[^?\s]*\?=)+")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(?==\?)")  # blanks between encoded words are not text
_FIRST_FIELD = re.compile(rb"[!-9;-~]+[ \t]*:")
_MSG_ID = re.compile(r"<([^<>\s]+)>")
_ADDRESS = re.compile(r"<([^<>\s@]+@[^<>\s@]+)>\s*$|^\s*([^<>\s@\"(),:;]+@[^<>\s@\"(),:;]+)\s*$")
_WANTED = (
    "message-id", "in-reply-to", "references", "from", "date", "subject", "content-type",
    "content-transfer-encoding", "content-disposition", "auto-submitted", "x-autoreply",
    "x-autorespond", "precedence", "x-gmail-labels", "x-gm-thrid", "return-path",
    "x-mozilla-draft-info",
)  # fmt: skip
# Subjects mail servers give their bounces (qmail, Postfix, Exim, Sendmail, Exchange,
# Gmail, Lotus; Exchange's localised ones). Only trusted beside a bounce's sender.
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:failure notice|undeliver(?:ed|able)\b|mail delivery (?:failed|failure|system)|"
    r"returned mail\b|delivery (?:status notification|failure|has failed|notification)|"
    r"non-?deliver|unzustellbar|nicht zustellbar|non remis|échec de (?:la )?remise|"
    r"no se puede entregar|non recapitabile|onbestelbaar|kan niet worden bezorgd)",
    re.IGNORECASE,
)
# Subjects of out-of-office and other automatic replies, as mail clients write them
# (Outlook/Exchange "Automatic reply:", "Out of Office:", "Abwesenheitsnotiz:" ...): the
# phrase, then a colon or nothing (a person's "Out of office hours?" has neither).
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:automatic reply|auto[- ]?reply|auto[- ]?response|automatische antwort|"
    r"abwesenheitsnotiz|abwesend|réponse automatique|absence du bureau|absent\(e\) du bureau|"
    r"respuesta automática|fuera de la oficina|risposta automatica|fuori sede|"
    r"automatisch antwoord|afwezig|autosvar|out of (?:the )?office(?: reply| autoreply)?)"
    r"\s*(?:[:：]|$)",
    re.IGNORECASE,
)
# Senders that are mail software, never a person: a bounce comes from one of them (or
# with the null Return-Path <>).
_DAEMONS = frozenset({"mailer-daemon", "mail-daemon", "postmaster"})
# Header names that make a block an email header rather than prose with a colon in it.
_MAIL_FIELDS = frozenset(
    {
        "from", "to", "cc", "subject", "date", "message-id", "received", "return-path",
        "mime-version", "content-type", "sender", "reply-to", "in-reply-to", "references",
        "delivered-to", "x-mailer", "x-gmail-labels",
    }
)  # fmt: skip


_WANTED_BYTES = frozenset(n.encode() for n in _WANTED)
_MAIL_BYTES = frozenset(n.encode() for n in _MAIL_FIELDS)
# Every field line; a generic pattern is twice as fast as an alternation of names.
_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]*:[ \t]*(.*?)\r?$", re.MULTILINE)


@dataclass(slots=True)
class Headers:
    """The wanted fields (first occurrence of each), decoded when first asked for."""

    values: dict[str, str] = field(default_factory=dict)
    is_mail: bool = False
    body_offset: int = -1  # where the body starts in the scanned bytes, -1 if unknown
    raw: dict[str, bytes] = field(default_factory=dict)
    memo: HeaderMemo | None = None  # the load's, shared by both passes

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None and name in self.raw:
            raw = self.raw.pop(name)
            value = self.memo.decode(raw) if self.memo is not None else decode_value(raw)
            self.values[name] = value
        return value

    def __contains__(self, name: str) -> bool:
        return name in self.values or name in self.raw

    @property
    def message_id(self) -> str | None:
        ids = _ids_or_bare(self.get("message-id") or "")
        return ids[0] if ids else None

    @property
    def parent_id(self) -> str | None:
        """The message this one answers: In-Reply-To, else the last of References."""
        candidates = self.parent_candidates
        return candidates[0] if candidates else None

    @property
    def parent_candidates(self) -> list[str]:
        """Ids this message may answer, best first: In-Reply-To, then References from the
        last. Threading tries the next when one is not in the mail: an obsolete
        In-Reply-To ("<jane@x>'s message of ...") names an address, not a message."""
        irt = _ids_or_bare(self.get("in-reply-to") or "")[:1]
        refs = _ids_or_bare(self.get("references") or "", several=True)
        return list(dict.fromkeys(irt + refs[::-1]))

    @property
    def has_parent_ref(self) -> bool:
        return bool((self.get("in-reply-to") or "").strip() or self.get("references"))

    @property
    def sender(self) -> str:
        return address(self.get("from") or "")

    @property
    def date(self) -> datetime | None:
        return parse_date(self.get("date"))

    def automated(self) -> str | None:
        """Why the message is machine-made ("delivery-report", "auto-reply"), or None."""
        ctype = (self.get("content-type") or "").lower()
        if ctype.startswith("multipart/report") or "delivery-status" in ctype:
            return "delivery-report"
        auto = (self.get("auto-submitted") or "").strip().lower()
        if auto and not auto.startswith("no"):
            return "auto-reply"
        if "x-autoreply" in self or "x-autorespond" in self:
            return "auto-reply"
        if (self.get("precedence") or "").strip().lower() == "auto_reply":
            return "auto-reply"
        subject = self.get("subject") or ""
        local = self.sender.partition("@")[0]
        null_sender = (self.get("return-path") or "").replace(" ", "") == "<>"
        # MAILER-DAEMON is software by name; postmaster may be a person, and a null
        # Return-Path is also on other automatic mail: those need a bounce's subject too.
        if local == "mailer-daemon" or (
            (null_sender or local in _DAEMONS) and _BOUNCE_SUBJECT.match(subject)
        ):
            return "delivery-report"
        # Exchange sets X-Auto-Response-Suppress on other mail too: not proof alone.
        if _AUTO_SUBJECT.match(subject):
            return "auto-reply"
        return None


def header_end(data: bytes) -> int:
    """Offset of the blank line ending the header block, or -1 when there is none."""
    lf = data.find(b"\n\n")
    crlf = data.find(b"\r\n\r\n")
    if lf < 0:
        return crlf
    if crlf < 0:
        return lf
    return min(lf, crlf)


def scan(
    block: bytes, extra: frozenset[str] = frozenset(), memo: HeaderMemo | None = None
) -> Headers:
    """Decode the wanted fields (plus `extra`, lower-case names) of a header block.

    `block` may be a whole message: the scan stops at the first blank line.
    """
    block = without_bom(block)
    end = header_end(block)
    body_offset = -1
    if end >= 0:
        body_offset = end + (4 if block[end : end + 4] == b"\r\n\r\n" else 2)
        block = block[: end + 1]
    if block.startswith(b"From "):
        # An envelope line from an mbox, as in saved messages; the parser skips it too.
        block = block[block.find(b"\n") + 1 :] if b"\n" in block else b""
    first = block.lstrip(b"\r\n")
    result = Headers(body_offset=body_offset, memo=memo)
    if not first or not _FIRST_FIELD.match(first):
        return result
    raw = result.raw
    mail = False
    extra_bytes = {n.encode("ascii", "ignore") for n in extra} if extra else ()
    for name_b, value in _FIELD.findall(_FOLD.sub(b" ", block)):
        name_b = name_b.lower()
        mail = mail or name_b in _MAIL_BYTES
        if name_b in _WANTED_BYTES or name_b in extra_bytes:
            name = name_b.decode("ascii")
            if name not in raw:
                raw[name] = value
    result.is_mail = mail
    return result


def without_bom(data: bytes) -> bytes:
    """The bytes without a leading UTF-8 byte order mark (Windows tools write one)."""
    return data[len(BOM):] if data.startswith(BOM) else data


def decode_value(raw: bytes | str) -> str:
    """A header value as text: RFC 2047 words decoded, raw 8-bit bytes and words in
    unknown or wrong charsets recovered as bodies are (`body.decode_text`)."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_bytes(raw, None)
    else:
        text = raw
    if "=?" in text:
        text = _ENCODED_RUN.sub(_decode_run, _BETWEEN_WORDS.sub(r"\1", text))
    return text.strip()


class HeaderMemo:
    """Decoded header values that are neither ASCII nor UTF-8, for one load. Those go to
    charset guessing (charset-normalizer, about a millisecond a value), and the loader
    scans every message's headers in both its passes. The first `budget` bytes of such
    values are kept, the first met, which the second pass reads first; memory stays flat."""

    def __init__(self, budget: int = 1 << 20) -> None:
        self._values: dict[bytes, str] = {}
        self._left = budget

    def decode(self, raw: bytes) -> str:
        try:
            return decode_value(raw.decode("utf-8"))  # what decode_value does first
        except UnicodeDecodeError:
            pass
        value = self._values.get(raw)
        if value is None:
            value = decode_value(raw)
            if len(raw) <= self._left:
                self._values[raw] = value
                self._left -= len(raw)
        return value


def _decode_run(run: re.Match[str]) -> str:
    """Adjacent encoded words as text. The bytes of neighbours in one charset are joined
    before decoding (RFC 2047 6.2): an encoder may split one UTF-8 character between two
    words ("R=C3" + "=BCckgabe"). A malformed word stays as it is, alone."""
    out: list[str] = []
    charset: str | None = None
    pending = b""
    for m in _ENCODED_WORD.finditer(run.group()):
        data = _word_bytes(m)
        name = m.group(1).split("*", 1)[0].lower()  # "utf-8*en": RFC 2231 language
        if pending and (data is None or name != charset):
            out.append(_decode_bytes(pending, charset))
            pending = b""
        if data is None:
            out.append(m.group())
            continue
        charset, pending = name, pending + data
    if pending:
        out.append(_decode_bytes(pending, charset))
    return "".join(out)


def _word_bytes(m: re.Match[str]) -> bytes | None:
    """The bytes an encoded word holds; None when it is malformed."""
    _, encoding, payload = m.groups()
    data = payload.encode("utf-8", "surrogateescape")
    try:
        # Bad base64 padding raises, as in the stdlib: the word stays raw.
        return binascii.a2b_base64(data) if encoding in "bB" else binascii.a2b_qp(data, header=True)
    except (binascii.Error, ValueError):
        return None


def _decode_bytes(data: bytes, charset: str | None) -> str:
    from .body import decode_text  # the body's fallback chain; body imports the parser

    return decode_text(data, charset)[0]


def message_ids(value: str) -> list[str]:
    return _MSG_ID.findall(value)


def id_match_key(value: bytes) -> bytes:
    """An encoded id as threading compares it: RFC 5322 makes a msg-id's local part
    case-sensitive and its domain part (after the last "@") a domain, which is not; so
    the domain goes to lower case (ASCII: a non-ASCII domain is compared as written)."""
    local, at, domain = value.rpartition(b"@")
    return local + at + domain.lower() if at else value


def _ids_or_bare(value: str, *, several: bool = False) -> list[str]:
    """The <ids> in a field; without angle brackets (some tools write `a@b`), the value
    itself when it is one word, or (`several`, References) its words that hold an @."""
    ids = message_ids(value)
    if ids or "<" in value:
        return ids
    words = value.split()
    if several:
        return [w for w in words if "@" in w]
    return words if len(words) == 1 else []


def address(value: str) -> str:
    """The lower-case address of a From value ("" when there is none)."""
    m = _ADDRESS.search(value)  # "Name <a@b>" or "a@b": no need for the full parser
    if m:
        return (m.group(1) or m.group(2)).lower()
    try:
        addr = parseaddr(value)[1]
    except (ValueError, IndexError):
        return ""
    return addr.strip().lower() if "@" in addr else ""


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None

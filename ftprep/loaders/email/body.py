"""The readable text of a message: the preferred text part, decoded, attachments counted."""

from __future__ import annotations

import binascii
import codecs
import functools
import re
from dataclasses import dataclass
from email.headerregistry import HeaderRegistry
from email.parser import BytesParser
from email.policy import EmailPolicy, default
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from email.message import Message

    from .headers import Headers

_ASCII = frozenset({"ascii", "us-ascii", "ansi_x3.4-1968", "646", "us"})


class _Registry(HeaderRegistry):
    """The stdlib header registry, making each header class once.

    HeaderRegistry builds a new class (`type(...)`) for every header it parses. A class
    is a reference cycle, so they pile up between the garbage collector's rare full
    passes: they made convert's peak climb by some 3 MB over a mailbox's first 25,000
    messages. The classes it builds for one name are all alike, so one is kept.
    """

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[type, type] = {}

    def __getitem__(self, name: str) -> Any:
        cls = self.registry.get(name.lower(), self.default_class)
        made = self._made.get(cls)
        if made is None:
            made = self._made[cls] = super().__getitem__(name)
        return made


_DEFAULT = default.clone(header_factory=_Registry())


@functools.lru_cache(maxsize=64)
def _cached_header(name: str, value: str) -> Any:
    return _DEFAULT.header_fetch_parse(name, value)


class _CachedPolicy(EmailPolicy):
    """policy.default, with structured headers memoised.

    The parser asks for Content-Type several times per part and policy.default re-parses
    it every time (~0.1 ms each); identical values repeat across a mailbox, so a small
    cache makes parsing about as fast as compat32 while keeping default's semantics.
    Header objects are immutable, so sharing them between messages is safe.
    """

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name") or len(value) > 400:
            return super().header_fetch_parse(name, value)
        return _cached_header(name, value)


POLICY = _CachedPolicy(header_factory=_Registry())
_PARSER = BytesParser(policy=POLICY)


def parse(data: bytes) -> Message:
    return _PARSER.parsebytes(data)


@dataclass(slots=True)
class Body:
    text: str  # "" when the message has no text part
    kind: str | None  # "plain", "html" or None
    attachments: int
    charset_note: str | None = None


def extract(msg: Message, prefer: str = "plain") -> Body:
    """Pick the text part to keep (plain or HTML, as preferred), skip and count the rest."""
    plain: list[Message] = []
    html: list[Message] = []
    attachments = 0
    boundaries: list[str] = []
    stack = [msg]
    while stack:
        part = stack.pop()
        ctype = part.get_content_type()
        if ctype.startswith("message/") and part is not msg:
            attachments += 1  # a forwarded or bounced message is an attachment, not text
            continue
        if part.is_multipart():
            boundary = part.get_boundary()
            if boundary:
                boundaries.append(boundary)
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend(c for c in reversed(children) if not isinstance(c, str))
            continue
        disposition = part.get_content_disposition()
        if (
            ctype in ("text/plain", "text/html")
            and disposition != "attachment"
            and part.get_filename() is None
        ):
            (plain if ctype == "text/plain" else html).append(part)
            continue
        if _has_payload(part):
            attachments += 1
    order = (plain, html) if prefer == "plain" else (html, plain)
    for parts in order:
        texts: list[str] = []
        notes: list[str] = []
        for part in parts:
            text, note = _decode(msg, part)
            if boundaries:
                text = _without_boundaries(text, boundaries)
            if text.strip():
                texts.append(text)
            if note:
                notes.append(note)
        if texts:
            kind = "plain" if parts is plain else "html"
            body = Body("\n".join(texts), kind, attachments, "; ".join(notes) or None)
            if kind == "plain" and html:
                return _html_if_plain_is_a_stub(msg, body, html)
            return body
    # Text parts that are all blank still make the body a text body, an empty one.
    blank = next(("plain" if parts is plain else "html" for parts in order if parts), None)
    return Body("", blank, attachments)


def _without_boundaries(text: str, boundaries: list[str]) -> str:
    """The text without lines that are a declared boundary with a dash missing or extra
    (`--b-`, `--b---`): the parser only knows `--b` and `--b--`, so a malformed closing
    line stays in the last part's text."""
    if "--" not in text:
        return text
    marks = tuple(f"--{b}" for b in boundaries)
    return "\n".join(line for line in text.split("\n")
                     if not (line.startswith(marks) and _only_a_boundary(line, marks)))


def _only_a_boundary(line: str, marks: tuple[str, ...]) -> bool:
    rest = line.rstrip()
    return any(rest.startswith(m) and not rest[len(m):].strip("-") for m in marks)


# What mailers put in the text/plain part when the content is only in the HTML one.
_STUB = re.compile(
    r"(?:this (?:is an? )?(?:message|e-?mail) (?:is )?(?:in|was sent in|contains) html|"
    r"(?:use|need|requires?) an? html[- ](?:capable|compatible|enabled)|"
    r"(?:does not|doesn't|cannot|can't) (?:support|display) html|view (?:it|this (?:message|"
    r"e-?mail)) in (?:a|your) (?:web )?browser|html-?(?:fähig|kompatibl))",
    re.IGNORECASE,
)
_FAR_SHORTER = 3  # the plain part is taken for a stub when the HTML's text is this much longer


def _decode(msg: Message, part: Message) -> tuple[str, str | None]:
    """decode_part, a damaged part named by its place in the message."""
    try:
        return decode_part(part)
    except UndecodableBody as exc:
        kind = f"{part.get_content_type()}; charset {exc.charset}"
        if part is msg:
            raise exc.at(f"the body ({kind})") from None
        number = next(n for n, p in enumerate(msg.walk(), start=1) if p is part)
        raise exc.at(f"part {number} ({kind})") from None


def _html_if_plain_is_a_stub(msg: Message, body: Body, html: list[Message]) -> Body:
    """The HTML alternative instead of a plain part that is a stub ("This message is in
    HTML format. Please use an HTML capable mail reader.") or far shorter than it."""
    plain = body.text.strip()
    if len(plain) > 400:
        return body  # the common case, decided without decoding the HTML
    decoded = [_decode(msg, part) for part in html]
    raw = "\n".join(text for text, _ in decoded)
    if not raw.strip():
        return body
    if not _STUB.search(plain):
        if len(raw) < len(plain) * _FAR_SHORTER:
            return body  # markup included, the HTML is not even that much longer
        from ftprep.clean.html import html_to_text

        # Compared without quoted history, which a client may leave out of the plain part.
        if len(html_to_text(raw, drop_quotes=True)) < len(plain) * _FAR_SHORTER + 40:
            return body
    notes = "; ".join(note for _, note in decoded if note) or None
    return Body(raw, "html", body.attachments, notes)


_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)


def extract_simple(data: bytes, headers: Headers) -> Body | None:
    """The body of a single-part text/plain message without running the MIME parser.

    Most support mail is one text/plain part; for it the parser only splits lines and
    builds objects we do not need. None means "not that simple": use `parse` + `extract`.
    """
    ctype = (headers.get("content-type") or "text/plain").lower()
    if not ctype.startswith("text/plain") or headers.body_offset < 0:
        return None
    if (headers.get("content-disposition") or "").lower().startswith("attachment"):
        return None
    cte = (headers.get("content-transfer-encoding") or "7bit").strip().lower()
    raw = data[headers.body_offset :]
    cte_note = None
    try:
        if cte == "quoted-printable":
            if _BAD_QP.search(raw):
                return None  # damaged: the parser path judges it and names the part
            raw = binascii.a2b_qp(raw)
        elif cte == "base64":
            raw, cte_note = not_really_base64(raw, binascii.a2b_base64(raw))
            if cte_note is None:
                # Strict: the lenient decoder skips what it cannot read, and the parser
                # path reports that as a defect to judge.
                binascii.a2b_base64(b"".join(data[headers.body_offset :].split()), strict_mode=True)
        elif cte not in ("7bit", "8bit", "binary"):
            return None  # uuencode and oddities: the parser knows more tricks
    except (binascii.Error, ValueError):
        return None
    m = _CHARSET.search(ctype)
    text, note = decode_text(raw, m.group(1) if m else None)
    note = "; ".join(n for n in (cte_note, note) if n) or None
    return Body(text, "plain", 0, note) if text.strip() else None


# Bytes that text (in any charset mail uses) next to never holds: C0 controls but tab,
# newlines and form feed, and DEL. Random bytes are one eighth of them.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_WORDS = re.compile(rb"\S \S")  # base64 has no spaces inside a line; prose has many


def _looks_binary(data: bytes) -> bool:
    return len(_CONTROL.findall(data)) > len(data) // 100


def not_really_base64(raw: bytes, decoded: bytes) -> tuple[bytes, str | None]:
    """A body declared base64 that is plain text decodes (the decoder skips what is not
    in its alphabet) to bytes that are not text: then keep the raw text, with a note."""
    if _WORDS.search(raw) and _looks_binary(decoded) and not _looks_binary(raw):
        return raw, "declared base64 but is plain text; read as it is"
    return decoded, None


def _has_payload(part: Message) -> bool:
    payload = part.get_payload()
    return bool(payload) if isinstance(payload, (str, bytes)) else True


class UndecodableBody(ValueError):
    """A text part whose transfer encoding is damaged (a cut or corrupt export) and whose
    bytes are not text in its charset: no charset guess may turn them into a ticket."""

    def __init__(self, damage: str, charset: str, part: str = "the body") -> None:
        super().__init__(f"{part} has a damaged {damage}, and what it decodes to is not "
                         f"{charset} text: the message was cut or corrupted on export; "
                         "export it again, or leave it out")
        self.damage, self.charset, self.part = damage, charset, part

    def at(self, part: str) -> UndecodableBody:
        return UndecodableBody(self.damage, self.charset, part)


# What the stdlib's base64 decoder says when it had to skip or could not place bytes.
_B64_DEFECTS = {
    "InvalidBase64CharactersDefect": "characters outside the base64 alphabet, skipped",
    "InvalidBase64PaddingDefect": "a length that is no multiple of 4 (cut short, or no padding)",
    "InvalidBase64LengthDefect": "a length no base64 can have: not decoded at all",
}
# "=" not followed by two hex digits nor ending the line (a soft line break).
_BAD_QP = re.compile(rb"=(?![0-9A-Fa-f]{2}|[ \t]*\r?$)", re.MULTILINE)


def _transfer_damage(part: Message, cte: str, defects: list[Any], raw: object) -> str | None:
    """What went wrong decoding the part's transfer encoding, or None."""
    if cte == "base64":
        found = [f"{name}: {what}" for name, what in _B64_DEFECTS.items()
                 if any(type(d).__name__ == name for d in defects)]
        return f"base64 encoding ({'; '.join(found)})" if found else None
    if cte == "quoted-printable" and isinstance(raw, str):
        bad = _BAD_QP.search(raw.encode("utf-8", "surrogateescape"))
        if bad:
            shown = bad.string[bad.start() : bad.start() + 3].decode("ascii", "replace")
            return f"quoted-printable encoding (invalid quoted-printable escape {shown!r})"
    return None


def decode_part(part: Message) -> tuple[str, str | None]:
    """A leaf part's text and, if its declared charset was wrong, a note saying so.
    Raises UndecodableBody when a damaged transfer encoding left bytes that are not text."""
    seen = len(part.defects)
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError):  # broken uuencode and the like
        raw = part.get_payload()
        payload = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    if not isinstance(payload, bytes):
        return "", None
    cte_note = None
    cte = part.get("content-transfer-encoding", "").strip().lower()
    raw = part.get_payload()
    if cte == "base64" and isinstance(raw, str):
        payload, cte_note = not_really_base64(raw.encode("utf-8", "surrogateescape"), payload)
    damage = None if cte_note else _transfer_damage(part, cte, part.defects[seen:], raw)
    if damage is not None:
        return _strictly(payload, part.get_content_charset(), damage), None
    text, note = decode_text(payload, part.get_content_charset())
    return text, "; ".join(n for n in (cte_note, note) if n) or None


def _strictly(payload: bytes, declared: str | None, damage: str) -> str:
    """The bytes of a damaged transfer decoding as text of the declared charset or UTF-8,
    strictly: guessing a charset for them turns noise into "text" (CJK, mostly)."""
    name = (declared or "us-ascii").strip().strip("\"'").lower()
    if "LengthDefect" not in damage:  # there the "decoded" bytes are the base64 itself
        for codec in dict.fromkeys((name, "utf-8")):
            try:
                return payload.decode(codec)
            except (LookupError, UnicodeDecodeError):
                continue
    raise UndecodableBody(damage, name)


def decode_text(payload: bytes, declared: str | None) -> tuple[str, str | None]:
    """Decode with the declared charset; recover when it is unknown or wrong.

    Order: the declared charset, strictly; UTF-8; cp1252 when the result reads as Western
    European text; charset-normalizer's guess; UTF-8 with replacement characters.
    """
    name = (declared or "us-ascii").strip().strip("\"'").lower()
    if name in _ASCII:
        name = "ascii"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        codec = None
    if codec is not None:
        try:
            return payload.decode(codec), None
        except UnicodeDecodeError:
            pass
    if codec != "utf-8":
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return text, None if payload.isascii() else f"charset {name!r} read as utf-8"
    guess, text = _guess(payload)
    if guess is not None:
        return text, f"charset {name!r} does not fit the bytes; read as {guess}"
    note = f"charset {name!r}: undecodable bytes replaced"
    return payload.decode("utf-8", errors="replace"), note


# What Western European text in cp1252 contains beyond ASCII: accented letters, the euro
# sign, typographic quotes and dashes. Cyrillic or Greek bytes read as cp1252 give runs of
# accented letters ("Ïðèâåò"); Central European ones give symbols inside words ("¿ó³").
_WESTERN = frozenset(
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝßàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿŒœŠšŽžŸ"
    "€‚„…†‡‰‹›‘’“”•–—˜™©®°£¥§«»¡¿·×"
)
_RUN = re.compile(r"[^\x00-\x7f]{4,}")


def _western(payload: bytes) -> str | None:
    """The payload read as cp1252, if it looks like Western European text."""
    try:
        text = payload.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if _RUN.search(text) or not all(c in _WESTERN for c in text if ord(c) > 0x7F):
        return None
    return text


def _guess(payload: bytes) -> tuple[str | None, str]:
    # Mail that lies about its charset is mostly Windows mail; short texts defeat
    # statistical detectors (charset-normalizer calls "€49.99 – café" cp1125).
    text = _western(payload)
    if text is not None:
        return "cp1252", text
    from charset_normalizer import from_bytes

    best = from_bytes(payload).best()
    if best is None:
        return None, ""
    if best.encoding.startswith(_MULTIBYTE) and best.coherence == 0:
        # A CJK guess that no language backs: short single-byte Cyrillic reads as
        # Shift-JIS half-width katakana or as Korean ("Привет" in KOI8-R -> "崹ﾉﾗﾅﾔ").
        cyrillic = _cyrillic(payload)
        if cyrillic is not None:
            return cyrillic
    return best.encoding, str(best)


_MULTIBYTE = ("shift_jis", "cp932", "euc_", "gb", "big5", "cp949", "cp950", "johab", "hz",
              "iso2022")  # fmt: skip
_CYRILLIC_TEXT = re.compile(r"[\x00-\x7f\u0400-\u04ff«»–—…№]*")


def _cyrillic(payload: bytes) -> tuple[str, str] | None:
    """The payload as Cyrillic text when a single-byte Cyrillic codec reads it as nothing
    but Cyrillic letters; of KOI8-R and cp1251 (which swap the letters' cases), the one
    with more lower-case letters, as prose has."""
    best: tuple[int, str, str] | None = None
    for codec in ("koi8_r", "cp1251"):
        text = payload.decode(codec, errors="replace")
        if not _CYRILLIC_TEXT.fullmatch(text):
            continue
        lower = sum(c.islower() for c in text if c >= "\u0400")
        if best is None or lower > best[0]:
            best = (lower, codec, text)
    return None if best is None else (best[1], best[2])

"""Strip quoted history and signatures from a plain-text email body.

Our own line rules run first (they keep indentation and handle bottom-posting, wrapped
"On ... wrote:" lines, Outlook header blocks and attributions in any language that are
followed by a ">" block); mail-parser-reply then catches the quote headers of the other
languages it knows. Its signature rules are not used: they cut at any line starting
with "- " or "Thanks," anywhere in a message, which loses customer text.
"""

from __future__ import annotations

import functools
import re
from typing import Any

# "On <date>, <name> wrote:" in the languages of common mail clients; the line (or the
# next one, when a client wraps it at the address) ends with the verb, or with the name
# after it ("Am ... schrieb Ana <ana@x>:"), and a colon.
_ON = re.compile(r"^[-\s]*(?:On|Am|Le|El|Em|Il|Op|Den|Dne|W dniu|Pada|Στις)\s.*\d", re.IGNORECASE)
_WROTE = re.compile(
    r"(?:\b(?:wrote|writes|said|schrieb|a écrit|escribió|escreveu|ha scritto|scrisse|schreef|"
    r"skrev|kirjoitti|pisze|napisał(?:\(a\)|a)?|nadesłał|napsal(?:\(a\)|a)?|написал(?:а)?|"
    r"yazdı|έγραψε|님이 작성(?:하였습니다|했습니다)?)"
    r"(?:\s[^:\n]{0,100})?\s*|写道|寫道|のメッセージ)[:：]\s*$",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
# Gmail's and Outlook's forward markers
_FORWARDED = (
    r"Forwarded message|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado|"
    r"Messaggio inoltrato|Mensagem encaminhada|Doorgestuurd bericht"
)
_ORIGINAL = re.compile(
    r"^[-_\s]*-{2,}\s*(?:Original Message|Original|Ursprüngliche Nachricht|Message d'origine|"
    r"Mensaje original|Messaggio originale|Oorspronkelijk bericht|Originalmeddelande|"
    r"Oprindelig meddelelse|Původní zpráva|Wiadomość oryginalna|Исходное сообщение|"
    + _FORWARDED + r")\s*-{2,}\s*$",
    re.IGNORECASE,
)
# A forward's marker line: Gmail/Outlook's, or Apple Mail's "Begin forwarded message:".
_FORWARD = re.compile(
    r"^[-_\s]*(?:-{2,}\s*(?:" + _FORWARDED + r")\s*-{2,}|Begin forwarded message:)\s*$",
    re.IGNORECASE,
)
_FIELD = re.compile(r"^\*?\s*([^\W\d_][\w\- ]{0,24}?)\s?\*?\s?[:：]\*?(?:\s|$)")
_FROM_NAMES = frozenset(
    {
        "from", "de", "von", "van", "da", "fra", "från", "od", "от", "lähettäjä", "afzender",
        "feladó", "kimden", "发件人", "差出人",
    }
)  # fmt: skip
# Fields that only a quoted message header has (a booking's "From: Paris / To: London"
# has neither): Sent and Subject in the languages of common mail clients.
_SENT_NAMES = frozenset(
    {
        "sent", "subject", "envoyé", "objet", "gesendet", "betreff", "verzonden", "onderwerp",
        "enviado", "enviada", "asunto", "inviato", "oggetto", "skickat", "ämne", "sendt",
        "emne", "odesláno", "předmět", "wysłano", "temat", "отправлено", "тема", "主题",
        "件名", "送信日時",
    }
)  # fmt: skip
_HEADER_NAMES = _FROM_NAMES | _SENT_NAMES | frozenset(
    {
        "date", "to", "cc", "bcc", "reply-to", "datum", "à", "an", "aan", "para", "a", "till",
        "til", "дата", "кому", "копия", "收件人", "日期", "宛先",
    }
)  # fmt: skip
_RULE = re.compile(r"^\s*(?:_{8,}|-{8,})\s*$")
_SIG_SEP = re.compile(r"^--\s*$")
# RFC 3676's signature separator, before normalise strips its trailing space.
STANDARD_SEPARATOR = re.compile(r"^-- \r?$", re.MULTILINE)
_TRAILING_RULE = re.compile(r"^\s*[-_=*~#]{3,}\s*$")
_MOBILE = re.compile(
    r"^(?:Sent from (?:my|Mail|Outlook|Yahoo|Samsung|AOL|the)\b|Sent with \w+|Sent via \w+|"
    r"Get Outlook for\b|Envoyé de mon\b|Von meinem .{1,30} gesendet|Enviado desde mi\b|"
    r"Inviato da\b|Verzonden met\b|Skickat från\b)",
    re.IGNORECASE,
)
_VALEDICTION = re.compile(
    r"^(?:thanks|thank you|many thanks|thanks again|thanks in advance|thanks so much|thx|"
    r"cheers|best|best regards|best wishes|kind regards|warm regards|warmest regards|"
    r"regards|sincerely|yours sincerely|yours truly|respectfully|all the best|take care|"
    r"mit freundlichen grüßen|viele grüße|beste grüße|cordialement|bien à vous|saludos|"
    r"un saludo|atentamente|met vriendelijke groet|vriendelijke groet|"
    r"med vänliga hälsningar|hälsningar|distinti saluti|cordiali saluti)[\s,.!]*$",
    re.IGNORECASE,
)
_DANGLING = re.compile(
    r"\d.*@|@.*\d|\b(?:wrote|schrieb|écrit|escribió|scritto|schreef|skrev|napisał|написал)",
    re.IGNORECASE,
)
# Accept a quote header found by mail-parser-reply only if it names an address or a time.
_HEADERISH = re.compile(r"@|\d{1,2}:\d{2}")
_QUOTE_LINE = re.compile(r"^[ \t]*>", re.MULTILINE)
_FROM_LINE = re.compile(
    r"^[*\s]*(?:" + "|".join(sorted(_FROM_NAMES)) + r")\s?\*?\s?[:：]", re.MULTILINE | re.IGNORECASE
)
_LIBRARY_MARKER = re.compile(
    r"[:：]\s*$|^[* ]*[^\W\d_][\w -]{0,20}\s?[:：].*\n[* >]*[^\W\d_][\w -]{0,20}\s?[:：]",
    re.MULTILINE,
)
_INVISIBLE_CHARS = "\u200b\u200c\u200e\u200f\ufeff"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]+")
_TRAILING_SPACE = re.compile(r"[ \t\xa0]+$", re.MULTILINE)
_BLANKS = re.compile(r"\n{3,}")
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|antw|tr|rv|res|odp)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)+",
    re.IGNORECASE,
)


def clean_subject(subject: str) -> str:
    """The subject without reply/forward prefixes ("Re: Fwd: RE: x" -> "x")."""
    return _SUBJECT_PREFIX.sub("", " ".join(subject.split()))


def normalise(text: str) -> str:
    """Unix newlines, no invisible marks or trailing spaces, at most one blank line in a row."""
    # Substring tests first: most bodies need none of the substitutions (this runs on
    # every message of a mailbox, several times).
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(c in text for c in _INVISIBLE_CHARS):
        text = _INVISIBLE.sub("", text)
    if " \n" in text or "\t\n" in text or "\xa0\n" in text:
        text = _TRAILING_SPACE.sub("", text)
    return _join(text)


def _join(text: str | list[str]) -> str:
    """Lines (already without trailing spaces) as text: no run of blank lines, no ends."""
    if not isinstance(text, str):
        text = "\n".join(text)
    if "\n\n\n" in text:
        text = _BLANKS.sub("\n\n", text)
    return text.rstrip().lstrip("\n")


def _may_quote(text: str) -> bool:
    """Cheap test on normalised text: a quote needs a ">" line, a line ending in a colon,
    a "--"/"__" rule or a From:-like line. Most customer messages have none."""
    if ":\n" in text or "：\n" in text or text.endswith((":", "：")):
        return True
    if "--" in text or "__" in text:
        return True
    if ">" in text and _QUOTE_LINE.search(text):
        return True
    return _FROM_LINE.search(text) is not None


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _header_run(lines: list[str], i: int) -> bool:
    """Line i starts an Outlook-style block: From:/Sent:/To:/Subject: lines, any order."""
    names: list[str] = []
    from_value = ""
    for line in lines[i : i + 7]:
        m = _FIELD.match(line.strip())
        name = m.group(1).strip().lower() if m else ""
        if name not in _HEADER_NAMES:
            if line.strip() or not names:
                break  # the header block has ended (or never started)
            continue
        names.append(name)
        if name in _FROM_NAMES and not from_value:
            from_value = line
    if len(names) < 2 or not from_value or names[0] not in _HEADER_NAMES:
        return False
    return "@" in from_value or any(n in _SENT_NAMES for n in names)


def _attribution_start(lines: list[str], q: int) -> int | None:
    """Start of the "... wrote:" line(s) right above the quote block starting at line q."""
    p = q - 1
    while p >= 0 and not lines[p].strip():
        p -= 1
    if p < 0 or _quoted(lines[p]) or not lines[p].rstrip().endswith((":", "：")):
        return None
    start = p
    prev = lines[p - 1].strip() if p > 0 else ""
    if prev and not prev.endswith((".", "!", "?", ":")) and len(prev) + len(lines[p]) < 300:
        start = p - 1  # an attribution wrapped over two lines
    joined = " ".join(lines[start : p + 1])
    return start if re.search(r"[\d@]", joined) else None


def _first_header(lines: list[str]) -> tuple[int, int] | None:
    """(index, kind) of the first quote header; kind 1 = "wrote:"-like, 2 = history follows."""
    for i, line in enumerate(lines):
        s = line.strip()
        if not s or _quoted(line):
            if _quoted(line) and (start := _attribution_start(lines, i)) is not None:
                return start, 1
            continue
        if len(s) < 400 and _WROTE.search(s) and _DIGIT.search(s):
            return i, 1
        if _ON.match(s) or s.endswith("<"):
            nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
            if nxt and _WROTE.search(nxt) and len(s) + len(nxt) < 400:
                return i, 1
        if _ORIGINAL.match(s):
            return i, 2
        if _header_run(lines, i):
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            return (j if j >= 0 and _RULE.match(lines[j]) else i), 2
    return None


def strip_quotes(text: str, languages: tuple[str, ...] = ("en",)) -> str:
    """The new part of a reply: quoted history and "On ... wrote:" headers removed."""
    text = normalise(text)
    if not _may_quote(text):
        return text
    lines = _cut_history(text.split("\n"))
    if any(_quoted(line) for line in lines):  # inline answers between quoted lines
        lines = [line for line in lines if not _quoted(line)]
    result = _join(lines)
    return _library_cut(result, languages) if result else result


def _cut_history(lines: list[str]) -> list[str]:
    for _ in range(20):  # each round removes one header; bounded for hostile input
        found = _first_header(lines)
        if found is None:
            break
        start, kind = found
        kept = lines[:start]
        while kept and (not kept[-1].strip() or _FORWARD.match(kept[-1].strip())):
            kept.pop()  # Apple Mail's "Begin forwarded message:" above the header block
        if any(line.strip() and not _quoted(line) for line in kept):
            rest = _written_below(lines, start) if kind == 1 else None
            if rest is None:
                return kept  # top-posted: everything from the header down is history
            # Text above and below a ">" quote (an answer written around it): both are
            # the sender's; go on with any header further down.
            lines = [*kept, "", *rest]
            continue
        if kind == 2:
            return []  # nothing but a quoted or forwarded message
        # Bottom-posted: skip the header and the quote block under it, keep what follows.
        j = start + 1
        while j < len(lines) and not _quoted(lines[j]) and not _WROTE.search(lines[j - 1]):
            j += 1
        while j < len(lines) and (_quoted(lines[j]) or not lines[j].strip()):
            j += 1
        lines = lines[j:]
    # A dangling attribution at the very end: its quote was HTML and is gone already.
    tail = len(lines) - 1
    while tail >= 0 and not lines[tail].strip():
        tail -= 1
    if tail > 0 and lines[tail].rstrip().endswith((":", "：")):
        start = tail
        above = lines[tail - 1].rstrip()
        if above and above[-1] not in ".!?:":
            start = tail - 1
        if _DANGLING.search(" ".join(lines[start:])):
            return lines[:start]
    return lines


def _written_below(lines: list[str], start: int) -> list[str] | None:
    """The lines under the ">" quote that the "... wrote:" header at `start` opens, when
    they hold text; None when they hold none, or the history under the header is not
    quoted with ">" (then nothing marks where it ends: all of it is history)."""
    j = start + 1
    while j < len(lines) and not _quoted(lines[j]) and not _WROTE.search(lines[j - 1]):
        j += 1  # a header wrapped over two lines
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j >= len(lines) or not _quoted(lines[j]):
        return None
    while j < len(lines) and (_quoted(lines[j]) or not lines[j].strip()):
        j += 1
    rest = lines[j:]
    return rest if any(line.strip() for line in rest) else None


def forwarded_text(text: str, languages: tuple[str, ...] = ("en",)) -> str:
    """The forwarded message's own text in a forward (its header block skipped, its own
    quoted history cut), or "" when `text` holds no forward marker. For a forward with
    no note of the sender's own, what was forwarded is the ticket."""
    lines = normalise(text).split("\n")
    start = next((i for i, line in enumerate(lines) if _FORWARD.match(line.strip())), None)
    if start is None:
        return ""
    j = start + 1
    # The forwarded header block: "From: ...", "Date: ...", lines wrapped inside it.
    while j < len(lines) and (not lines[j].strip() or _FIELD.match(lines[j].strip())
                              or (j > start + 1 and lines[j][:1] in " \t")):
        j += 1
    return strip_quotes(_join(lines[j:]), languages)


@functools.lru_cache(maxsize=8)
def _library_parser(languages: tuple[str, ...]) -> Any:
    from mailparser_reply import EmailReplyParser

    return EmailReplyParser(languages=list(languages))


def _library_cut(text: str, languages: tuple[str, ...]) -> str:
    """Let mail-parser-reply find a quote header our rules missed; cut there if it did."""
    if not _LIBRARY_MARKER.search(text):
        return text  # every header it knows ends a line in a colon or is a field block
    replies = _library_parser(languages).read(text).replies
    if len(replies) < 2 or not replies[0].content.strip():
        return text
    headers = (replies[1].headers or "").strip()
    if not headers or not _HEADERISH.search(headers):
        return text
    header = headers.split("\n", 1)[0].strip()
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if i > 0 and line.strip().startswith(header):
            return _drop_trailing_rules(_join(lines[:i]))
    return text


def strip_signature(text: str, *, separator: bool = False) -> str:
    """Drop a trailing signature: "-- " blocks, "Sent from my iPhone", sign-off + name.

    A sign-off ("Thanks", "Best", "Regards" ...) starts a signature only when all that
    follows it is a short name/contact block (`_contact_line`): "Hello,\n\nThank you.\nI
    was charged twice ..." is a ticket that thanks first, not a signed-off greeting.
    The same goes for a bare "--" line, which also divides steps from the rest; only
    the standard separator "-- " (`separator`: the text had one before its trailing
    spaces were stripped) cuts whatever short block is under it.
    """
    lines = text.split("\n")
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    # A signature sits in the last few lines; a "--" higher up is a divider.
    for rank in range(max(0, len(nonblank) - 12), len(nonblank)):
        i = nonblank[rank]
        s = lines[i].strip()
        after = [lines[k].strip() for k in nonblank[rank + 1 :]]
        if (
            (_SIG_SEP.match(s) and len(after) <= 10
             and (separator or lines[i] == "-- " or all(map(_contact_line, after))))
            or (_MOBILE.match(s) and len(after) <= 3 and all(len(x) <= 80 for x in after))
            or (
                rank > 0
                and 1 <= len(after) <= 5
                and _VALEDICTION.match(s)
                and all(map(_contact_line, after))
            )
        ):
            return _drop_trailing_rules(_join(lines[:i]))
    return text


# A numbered or bulleted step: "1. Open", "2) Close", "- Restart", "a. Log in".
_STEP = re.compile(r"(?:\d{1,2}|[a-z])[.)]\s+\S|[-*•]\s+\S")
# What a signature's lines hold besides names: an address, a URL, a phone number.
_CONTACT = re.compile(r"@|https?://|www\.|\+?\d[\d ()./-]{5,}\d")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# Words of a sentence that a name, a title or a company name next to never holds.
_PROSE_WORDS = frozenset(
    {
        "i", "i'm", "i've", "i'll", "i'd", "me", "my", "we", "we're", "we've", "we'll", "us",
        "our", "you", "you're", "your", "it", "it's", "is", "are", "was", "were", "be",
        "been", "will", "would", "can", "could", "should", "please", "have", "has", "had",
        "do", "does", "did", "not", "don't", "can't", "this", "that", "there", "if", "but",
        "when", "why", "how", "what", "a", "an", "to", "ich", "wir", "ist", "sind", "bitte",
        "nicht", "mein", "meine", "je", "nous", "vous", "est", "mon", "ma", "yo", "es", "mi",
    }
)  # fmt: skip
# Company suffixes that end a signature line in a full stop ("Acme Inc.").
_ABBREVIATIONS = frozenset({"inc", "ltd", "co", "corp", "llc", "gmbh", "ag", "sa", "bv", "jr", "sr"})


def _contact_line(line: str) -> bool:
    """Whether a line may belong to a signature under a sign-off: a name, a title, a
    company, a phone number, an address or a URL; not a sentence."""
    if len(line) > 60 or _STEP.match(line):
        return False  # "1. Open the app": a step of the ticket, not a signature
    if _MOBILE.match(line):
        return True  # "Sent from my iPhone" under the name
    words = _WORD.findall(line)
    if len(words) >= 2 and any(w.casefold().replace("’", "'") in _PROSE_WORDS for w in words):
        return False
    if line.endswith(("?", "!")) and len(words) >= 2:
        return False
    if line.endswith(".") and len(words) >= 3 and words[-1].casefold() not in _ABBREVIATIONS:
        return False
    if _CONTACT.search(line):
        return True
    # Names, titles and companies are capitalised; "reset the app" is an instruction.
    return len(words) < 2 or not line[:1].islower()


def _drop_trailing_rules(text: str) -> str:
    lines = text.split("\n")
    while lines and (not lines[-1].strip() or _TRAILING_RULE.match(lines[-1])):
        lines.pop()
    return "\n".join(lines)


# For texts that may not be mail at all (table cells): only what cannot be anything else.


def strip_quote_blocks(text: str) -> str:
    """Quoted history in its unambiguous forms only: an attribution with a date ("On
    <date>, <name> wrote:") directly above ">" lines, with those lines, wherever it is
    (the text above and below stays); and everything from an "-----Original Message-----"
    line down, when text is above it. Unlike strip_quotes, ">" lines without such a line
    above them (a log excerpt) and header blocks stay. Lines are expected normalised."""
    lines = text.split("\n")
    kept: list[str] = []
    cut = False
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line and _ORIGINAL.match(line) and any(k.strip() for k in kept):
            cut = True
            break
        size = _attribution_lines(lines, i)
        if not size:
            kept.append(lines[i])
            i += 1
            continue
        j = i + size
        while j < len(lines) and (_quoted(lines[j]) or not lines[j].strip()):
            j += 1
        while j > i + size and not lines[j - 1].strip():
            j -= 1  # the blank line under the quote separates what follows: keep it
        cut, i = True, j
    return _join(kept) if cut else text


def _attribution_lines(lines: list[str], i: int) -> int:
    """How many lines (1 or 2) of an "On <date> ... wrote:" attribution start at line i
    with quoted lines right under them (blank lines aside); 0 when none does."""
    line = lines[i].strip()
    if not line or len(line) >= 400 or _quoted(line):
        return 0
    size = 0
    if _ON.match(line) and _WROTE.search(line):
        size = 1  # "On 2 May 2024, Jane <j@x> wrote:" (_ON needs a digit too)
    elif _ON.match(line) and i + 1 < len(lines):
        after = lines[i + 1].strip()
        size = 2 if after and _WROTE.search(after) and len(line) + len(after) < 400 else 0
    if not size:
        return 0
    j = i + size
    while j < len(lines) and not lines[j].strip():
        j += 1
    return size if j < len(lines) and _quoted(lines[j]) else 0



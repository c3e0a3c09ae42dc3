"""A streaming mbox splitter that tells real From_ lines from "From " in a body.

The stdlib `mailbox.mbox` starts a message at every line beginning with "From ", so an
unescaped "From time to time" in a body (mboxo writers do not escape it) splits one
message in two. Here a message starts only at a "From " line that carries an envelope
sender and an asctime-like (or ISO) date *and* is followed by a header field; inside a
message that has a From, Date or Message-ID field, by a header block that has one too
(`_starts_message`).
The file is read line by line with a cap on line length, so memory stays flat whatever
the size of the mailbox; callers keep only the byte spans.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import BinaryIO

_DAY = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
_MONTH = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_TIME = rb"\d{1,2}:\d{2}(?::\d{2})?"
_ZONE = rb"(?:[+-]\d{4}|[A-Z]{1,5})"
# "From <sender> <date> [anything]": asctime (optionally with a zone before or after the
# year, as Gmail Takeout writes: "Thu Jun 11 00:38:38 +0000 2020") or an RFC 5322 date.
FROM_LINE = re.compile(
    rb"From [^\s]*[ \t]+(?i:"
    rb"(?:" + _DAY + rb",?[ \t]+)?" + _MONTH + rb"[ \t]+\d{1,2}[ \t]+" + _TIME
    + rb"(?:[ \t]+" + _ZONE + rb")?[ \t]+\d{4}"
    rb"|(?:" + _DAY + rb",?[ \t]+)?\d{1,2}[ \t]+" + _MONTH + rb"[ \t]+\d{4}[ \t]+" + _TIME
    # ISO 8601, as some exporters write: "2024-05-02T10:00:00Z"
    + rb"|\d{4}-\d{2}-\d{2}[T ]" + _TIME + rb"(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
    + rb")(?:[ \t\r\n]|$)"
)  # fmt: skip
# A header field's start: a name of printable characters but the colon, then a colon.
_HEADER_FIELD = re.compile(rb"[!-9;-~]+[ \t]*:")
# Fields every real message has one of (RFC 5322 requires From and Date); a header-like
# block pasted into a body ("Subject: ..." under a copied envelope line) has none.
_MESSAGE_FIELD = re.compile(rb"(?i:from|date|message-id)[ \t]*:")
_PEEK_BYTES = 1 << 16  # how far into a header block to look for one of them
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)

# Lines longer than this are read in pieces (a base64 blob without newlines must not be
# pulled into memory whole); header blocks longer than this are cut for the scan.
LINE_CAP = 1 << 16
HEADER_CAP = 1 << 18
SNIFF_BYTES = 1 << 16


class MboxSpan(NamedTuple):
    """One message: bytes [start, end) of the file, its header block, its 1-based number.

    `header` is None for a preamble: non-blank bytes before the first From_ line.
    """

    start: int
    end: int
    header: bytes | None
    number: int


def is_from_line(line: bytes) -> bool:
    return line.startswith(b"From ") and FROM_LINE.match(line) is not None


def looks_like_mbox(head: bytes) -> bool:
    """True when the first non-blank line of `head` is a From_ line."""
    stripped = head.lstrip(b"\r\n\t ")
    return is_from_line(stripped[: stripped.find(b"\n") + 1 or len(stripped)])


def count_message_starts(head: bytes) -> int:
    """How many lines of `head` start a message by the splitter's own rule, wherever they
    sit: a mailbox with junk (or a message without its From_ line) before the first one
    is still a mailbox."""
    count = 0
    lines = _lines(io.BytesIO(head))
    current = next(lines, None)
    while current is not None:
        following = next(lines, None)
        if current[2] and _starts_message(current[1], following):
            count += 1
        current = following
    return count


def iter_mbox(f: BinaryIO) -> Iterator[MboxSpan]:
    """Split an open binary mbox into message spans without loading it."""
    start = -1  # start of the current message (after its From_ line); -1 before the first
    end = 0  # where the current message ends if the next line is a From_ line
    header: list[bytes] = []
    header_size = 0
    in_header = False
    index = 0
    preamble = False
    body_end = -1  # a Content-Length that checks out: no message starts before it
    # The current message has a From, Date or Message-ID field: then so must the next.
    real = False
    lines = _lines(f)
    current = next(lines, None)
    while current is not None:
        line_start, line, whole = current
        following = next(lines, None)
        offset = line_start + len(line)
        if whole and line_start >= body_end and _starts_message(line, following,
                                                                 f if real else None):
            if start >= 0:
                index += 1
                yield MboxSpan(start, end, b"".join(header), index)
            elif preamble:
                yield MboxSpan(0, end, None, 0)
            start = end = offset
            header, header_size, in_header, real = [], 0, True, False
        elif whole and (line == b"\n" or line == b"\r\n"):
            # The blank line before the next From_ line is the separator, not content.
            end = line_start
            if in_header:
                in_header = False
                body_end = _content_length_end(f, header, offset)
        else:
            end = offset
            if start < 0:
                preamble = True
            elif in_header and whole and header_size < HEADER_CAP:
                header.append(line)
                header_size += len(line)
                real = real or _MESSAGE_FIELD.match(line) is not None
        current = following
    if start >= 0:
        yield MboxSpan(start, end, b"".join(header), index + 1)
    elif preamble:
        yield MboxSpan(0, end, None, 0)


def _starts_message(line: bytes, following: tuple[int, bytes, bool] | None,
                    f: BinaryIO | None = None) -> bool:
    """Whether `line` is a From_ line that starts a message: one followed by a header
    field, whatever precedes it (some writers leave out the blank line). A From_-like
    line in a body is followed by more body ("From Mon Jan  1 00:00:00 2024 onwards my
    invoices...", a pasted bounce line), so it is not.

    With `f` (given when the current message has a From, Date or Message-ID field, so
    real messages in this mailbox do), the header block must hold one of those too: a
    copied envelope line with a pasted "Subject: ..." under it is body. `f` is
    positioned just after `following` and is left there."""
    if not (line.startswith(b"From ") and FROM_LINE.match(line) is not None
            and following is not None and _HEADER_FIELD.match(following[1]) is not None):
        return False
    if f is None or _MESSAGE_FIELD.match(following[1]):
        return True
    resume = f.tell()
    try:
        budget = _PEEK_BYTES
        while budget > 0:
            field = f.readline(LINE_CAP)
            budget -= len(field)
            if not field.strip():
                return False  # the end of the block (or of the file): none of them
            if _MESSAGE_FIELD.match(field):
                return True
        return True  # a block this long is a real header
    finally:
        f.seek(resume)


def _content_length_end(f: BinaryIO, header: list[bytes], body_start: int) -> int:
    """Where the body ends by the header's Content-Length (mboxcl writers set it, and
    it settles a From_ line inside the body), when the bytes there bear it out: the end
    of the file, or a From_ line after at most one blank line. Else -1."""
    length = next((line.split(b":", 1)[1].strip() for line in header
                   if line[:15].lower() == b"content-length:"), None)
    if length is None or not length.isdigit():
        return -1
    end = body_start + int(length)
    try:
        resume = f.tell()
        f.seek(end)
        probe = f.readline(LINE_CAP)
        if probe in (b"\n", b"\r\n"):
            probe = f.readline(LINE_CAP)
        f.seek(resume)
    except (OSError, ValueError):
        return -1
    return end if probe == b"" or is_from_line(probe) else -1


def _lines(f: BinaryIO) -> Iterator[tuple[int, bytes, bool]]:
    """(offset, line, whether it starts a line) for each line; lines longer than
    LINE_CAP come in pieces, of which only the first starts a line."""
    offset = 0
    at_line_start = True
    readline = f.readline
    while line := readline(LINE_CAP):
        yield offset, line, at_line_start
        offset += len(line)
        at_line_start = line.endswith(b"\n")


def read_span(f: BinaryIO, start: int, end: int) -> bytes:
    """The message bytes of a span, with mboxrd/mboxo `>From ` quoting undone."""
    f.seek(start)
    data = f.read(end - start)
    if b">From " in data:
        data = _ESCAPED_FROM.sub(rb"\1", data)
    return data

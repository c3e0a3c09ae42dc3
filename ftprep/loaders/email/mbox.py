"""A streaming mbox splitter that tells real From_ lines from "From " in a body.

The stdlib `mailbox.mbox` starts a message at every line beginning with "From ", so an
unescaped "From time to time" in a body (mboxo writers do not escape it) splits one
message in two. Here a message starts only at a "From " line that follows a blank line
(or the start of the file) *and* carries an envelope sender and an asctime-like date.
The file is read line by line with a cap on line length, so memory stays flat whatever
the size of the mailbox; callers keep only the byte spans.
"""

from __future__ import annotations

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
    + rb")(?:[ \t\r\n]|$)"
)  # fmt: skip
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


def iter_mbox(f: BinaryIO) -> Iterator[MboxSpan]:
    """Split an open binary mbox into message spans without loading it."""
    offset = 0
    prev_blank = True  # the file start counts as "after a blank line"
    at_line_start = True
    start = -1  # start of the current message (after its From_ line); -1 before the first
    end = 0  # where the current message ends if the next line is a From_ line
    header: list[bytes] = []
    header_size = 0
    in_header = False
    index = 0
    preamble = False
    readline = f.readline
    while line := readline(LINE_CAP):
        line_start = offset
        offset += len(line)
        if not at_line_start:  # the tail of an over-long line
            at_line_start = line.endswith(b"\n")
            prev_blank = False
            end = offset
            continue
        at_line_start = line.endswith(b"\n")
        if prev_blank and line.startswith(b"From ") and FROM_LINE.match(line):
            if start >= 0:
                index += 1
                yield MboxSpan(start, end, b"".join(header), index)
            elif preamble:
                yield MboxSpan(0, end, None, 0)
            start = end = offset
            header, header_size, in_header = [], 0, True
            prev_blank = False
            continue
        prev_blank = line == b"\n" or line == b"\r\n"
        if prev_blank:
            # The blank line before the next From_ line is the separator, not content.
            end = line_start
            in_header = False
            continue
        end = offset
        if start < 0:
            preamble = True
        elif in_header and header_size < HEADER_CAP:
            header.append(line)
            header_size += len(line)
    if start >= 0:
        yield MboxSpan(start, end, b"".join(header), index + 1)
    elif preamble:
        yield MboxSpan(0, end, None, 0)


def read_span(f: BinaryIO, start: int, end: int) -> bytes:
    """The message bytes of a span, with mboxrd/mboxo `>From ` quoting undone."""
    f.seek(start)
    data = f.read(end - start)
    if b">From " in data:
        data = _ESCAPED_FROM.sub(rb"\1", data)
    return data

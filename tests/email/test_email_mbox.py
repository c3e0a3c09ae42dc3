"""The streaming mbox splitter: real From_ lines only, mboxrd unquoting, bounded reads."""

from __future__ import annotations

import io
import mailbox
import re
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftprep.loaders.email.mbox import LINE_CAP, is_from_line, iter_mbox, looks_like_mbox, read_span

if TYPE_CHECKING:
    from pathlib import Path


def split(data: bytes) -> list[bytes]:
    f = io.BytesIO(data)
    spans = [s for s in iter_mbox(f) if s.header is not None]  # read_span moves the file
    return [read_span(f, s.start, s.end) for s in spans]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"From 1669160939957813740@xxx Thu Jun 11 00:38:38 +0000 2020\n", True),  # Takeout
        (b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\n", True),
        (b"From MAILER-DAEMON Sun Aug  7 11:40:37 2022 extra info\n", True),
        (b"From - Tue Mar 12 10:00:00 2024\n", True),  # Thunderbird
        (b"From jane@example.com Mon Mar  4 09:15:02 2024\r\n", True),
        (b"From a@b Sat, 7 Aug 2022 11:40:37 +0000\n", True),  # RFC 5322 date
        (b"From a@b Thu Jun 11 00:38 2020\n", True),  # no seconds
        (b"From time to time\n", False),
        (b"From what I can tell, it is broken.\n", False),
        (b"From: Jane <jane@example.com>\n", False),
        (b">From a@b Thu Jun 11 00:38:38 2020\n", False),
        (b"from a@b Thu Jun 11 00:38:38 2020\n", False),
        (b"From a@b on Monday\n", False),
    ],
)
def test_from_line(line: bytes, expected: bool) -> None:
    assert is_from_line(line) is expected


@pytest.mark.corpus
def test_cpython_mboxo_file_is_one_message(emails_corpus: Path) -> None:
    # A From_ line with trailing text, then "From time to time" after a blank line in the
    # body: mboxo leaves it unescaped. It has no date, so it does not start a message.
    path = emails_corpus / "cpython" / "mailbox_01.mbox"
    messages = split(path.read_bytes())
    assert len(messages) == 1
    assert messages[0].endswith(b"Hello\n\nFrom time to time\n")
    assert messages[0].startswith(b"From: foo\nSubject: unquoted From in body")
    # The stdlib splits at every "From " line: the ambiguity this splitter resolves.
    assert len(mailbox.mbox(path, create=False)) == 2


def test_mboxrd_unquoting() -> None:
    data = (
        b"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\n>From here\n>>From there\n"
        b"> From not escaped\n>Fromage\n"
    )
    [body] = split(data)
    assert body == b"Subject: x\n\nFrom here\n>From there\n> From not escaped\n>Fromage\n"


def test_separator_blank_line_is_not_content() -> None:
    data = (
        b"From a@b Mon Jan  1 00:00:00 2024\nSubject: 1\n\nbody one\n\n\n"
        b"From a@b Mon Jan  1 00:00:01 2024\nSubject: 2\n\nbody two\n\n"
    )
    assert split(data) == [b"Subject: 1\n\nbody one\n\n", b"Subject: 2\n\nbody two\n"]


def test_crlf_mbox_and_header_capture() -> None:
    data = (
        b"From a@b Mon Jan  1 00:00:00 2024\r\nSubject: 1\r\nFrom: x@y\r\n\r\nbody\r\n\r\n"
        b"From a@b Mon Jan  1 00:00:01 2024\r\nSubject: 2\r\nDate: x\r\n\r\nbody\r\n"
    )
    spans = list(iter_mbox(io.BytesIO(data)))
    assert [s.number for s in spans] == [1, 2]
    assert spans[0].header == b"Subject: 1\r\nFrom: x@y\r\n"
    assert spans[1].header == b"Subject: 2\r\nDate: x\r\n"


def test_preamble_and_empty_file() -> None:
    spans = list(iter_mbox(io.BytesIO(b"junk line\n\nFrom a@b Mon Jan  1 00:00:00 2024\nS: 1\n")))
    assert spans[0].header is None and spans[0].number == 0
    assert spans[1].header == b"S: 1\n"
    assert list(iter_mbox(io.BytesIO(b""))) == []
    assert list(iter_mbox(io.BytesIO(b"\n\n"))) == []


def test_from_line_must_follow_a_blank_line() -> None:
    data = b"From a@b Mon Jan  1 00:00:00 2024\nS: 1\n\ntext\nFrom a@b Mon Jan  1 00:00:01 2024\n"
    assert len(split(data)) == 1


def test_over_long_lines_are_read_in_pieces() -> None:
    # The second piece of an over-long line starts with what looks like a From_ line,
    # right after a blank line: it is the middle of a line, not a message start.
    blob = b"x" * LINE_CAP + b"From a@b Mon Jan  1 00:00:00 2024\n"
    data = b"From a@b Mon Jan  1 00:00:00 2024\nS: 1\n\n" + blob + b"\nmore\n"
    [body] = split(data)
    assert body == b"S: 1\n\n" + blob + b"\nmore\n"


def test_from_line_with_an_iso_date() -> None:
    # QA: not taken for a From_ line, so two messages were read as one.
    assert is_from_line(b"From alice@c.example 2024-05-02T10:00:00Z\n")
    assert is_from_line(b"From a@b 2024-05-02 10:00:00+02:00\n")
    assert not is_from_line(b"From 2024-05-02 onwards, I was charged twice\n")
    data = (b"From a@b 2024-05-01T09:00:00Z\nFrom: a@b\nSubject: 1\n\none\n\n"
            b"From a@b 2024-05-02T10:00:00Z\nFrom: a@b\nSubject: 2\n\ntwo\n")
    assert len(split(data)) == 2


def test_a_pasted_envelope_and_header_in_a_body_do_not_split() -> None:
    # QA (mboxo, unescaped): a copied envelope line with "Subject: ..." under it split
    # the message and made a phantom one. In a mailbox whose messages have From, Date
    # or Message-ID fields, a new message needs one too.
    data = (b"From a@b Thu May  2 10:00:00 2024\nFrom: Alice <a@b>\nMessage-ID: <m3@c>\n\n"
            b"M3: a pasted header block\n\nFrom a@b Mon Apr 29 10:15:00 2024\n"
            b"Subject: pasted\n\nthat was pasted in the body.\n\n"
            b"From a@b Thu May  2 10:00:00 2024\nX-Gmail-Labels: Inbox\nReceived: by x\n"
            b"From: Alice <a@b>\n\nM4\n")  # fmt: skip
    first, second = split(data)
    assert first.endswith(b"that was pasted in the body.\n")
    assert second.endswith(b"From: Alice <a@b>\n\nM4\n")


def test_looks_like_mbox() -> None:
    assert looks_like_mbox(b"\n\nFrom a@b Mon Jan  1 00:00:00 2024\nS: x\n")
    assert not looks_like_mbox(b"From: a@b\nSubject: x\n")
    assert not looks_like_mbox(b"From a@b\nSubject: x\n")  # an .eml with a bare envelope line
    assert not looks_like_mbox(b"")


# -- property tests: what an mboxrd writer writes, the splitter reads back ----------------

_line = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"),
            max_size=30),
    st.sampled_from(["", "From here", "From a@b Mon Jan  1 00:00:00 2024", ">From x",
                     ">>From y", "From", "From ", "Subject: fake"]),
)  # fmt: skip
_body = st.lists(_line, max_size=12).map(lambda lines: "".join(x + "\n" for x in lines))


def _write_mboxrd(bodies: list[str]) -> bytes:
    out = []
    for i, body in enumerate(bodies):
        raw = f"Subject: {i}\n\n{body}".encode()
        escaped = re.sub(rb"(?m)^(>*From )", rb">\1", raw)
        out.append(b"From writer@example Mon Jan  1 00:00:%02d 2024\n" % (i % 60))
        out.append(escaped + b"\n")
    return b"".join(out)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_body, min_size=1, max_size=8))
def test_mboxrd_round_trip(bodies: list[str]) -> None:
    messages = split(_write_mboxrd(bodies))
    assert len(messages) == len(bodies)
    for i, (got, body) in enumerate(zip(messages, bodies, strict=True)):
        assert got == f"Subject: {i}\n\n{body}".encode()


@settings(max_examples=200)
@given(st.lists(_body, min_size=1, max_size=8))
def test_mboxo_unescaped_from_lines_do_not_split(bodies: list[str]) -> None:
    # mboxo writers leave "From " in bodies alone; lines without a date never split.
    cleaned = [
        "".join(
            line + "\n" for line in body.split("\n")[:-1] if not is_from_line(line.encode() + b"\n")
        )
        for body in bodies
    ]
    data = b"".join(
        b"From w@x Mon Jan  1 00:00:00 2024\n" + f"Subject: {i}\n\n{body}".encode() + b"\n"
        for i, body in enumerate(cleaned)
    )
    f = io.BytesIO(data)
    spans = [s for s in iter_mbox(f) if s.header is not None]
    assert len(spans) == len(cleaned)


def test_from_line_without_a_blank_line_before_it_starts_a_message() -> None:
    # Some writers leave out the blank line; a From_ line followed by a header field is
    # still a separator (the stdlib splits here too), with LF or CRLF.
    for eol in (b"\n", b"\r\n"):
        data = (b"From a@b Mon Jan  1 00:00:00 2024" + eol + b"Subject: 1" + eol + eol
                + b"body one" + eol + b"From a@b Mon Jan  1 00:00:01 2024" + eol
                + b"Subject: 2" + eol + eol + b"body two" + eol)
        assert split(data) == [b"Subject: 1" + eol + eol + b"body one" + eol,
                               b"Subject: 2" + eol + eol + b"body two" + eol]
    # A headers-only message, then a separator line holding a space.
    data = (b"From a@b Mon Jan  1 00:00:00 2024\nSubject: 1\n \n"
            b"From a@b Mon Jan  1 00:00:01 2024\nSubject: 2\n\nbody two\n")
    assert len(split(data)) == 2


def test_from_like_body_line_followed_by_body_text_does_not_split() -> None:
    data = (b"From a@b Mon Jan  1 00:00:00 2024\nSubject: 1\n\nHi,\n\n"
            b"From Mon Jan  1 00:00:00 2024 onwards my invoices are wrong.\n\n"
            b"From MAILER-DAEMON Mon Mar  4 10:15:00 2024\nthe log follows\n\n"
            b"From a@b Mon Jan  1 00:00:01 2024\nSubject: 2\n\nbody two\n")
    first, second = split(data)
    assert b"onwards my invoices" in first and b"the log follows" in first
    assert second == b"Subject: 2\n\nbody two\n"


def test_content_length_settles_a_from_line_inside_the_body() -> None:
    body = b"Hi, the log:\n\nFrom MAILER-DAEMON Mon Mar  4 10:15:00 2024\nstatus: failed\n\nHelp.\n"
    head = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: 1\nContent-Length: %d\n\n" % len(body)
    data = head + body + b"\nFrom a@b Mon Jan  1 00:00:01 2024\nSubject: 2\n\nbody two\n"
    first, second = split(data)
    assert first.endswith(body) and second == b"Subject: 2\n\nbody two\n"
    # A Content-Length that does not land on a message boundary is not trusted.
    wrong = head.replace(b"Content-Length: %d" % len(body), b"Content-Length: 5")
    assert len(split(wrong + body)) == 2

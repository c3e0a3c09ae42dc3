"""Reporters, chosen by name from a registry: `--format text|json|github|...`.

Machine formats write to the stream they are given (stdout); nothing here prints
progress or logs.
"""

from __future__ import annotations

import codecs
import importlib
from typing import IO, Protocol

from ftprep.report.finding import Report


class Reporter(Protocol):
    def render(self, report: Report, stream: IO[str]) -> None: ...


# name -> "module:Class"; imported on use so that `validate` loads only what it renders.
REPORTERS: dict[str, str] = {
    "text": "ftprep.report.reporters.text:TextReporter",
    "json": "ftprep.report.reporters.machine:JsonReporter",
    "github": "ftprep.report.reporters.machine:GithubReporter",
    "markdown": "ftprep.report.reporters.markdown:MarkdownReporter",
    "html": "ftprep.report.reporters.html:HtmlReporter",
}


# The error handler for every stream a report is written to; see `_escape`.
ESCAPE_ERRORS = "ftprep.escape"


def _escape(exc: UnicodeError) -> tuple[str, int]:
    """What a stream cannot encode, as escapes rather than a UnicodeEncodeError: a byte of
    a file name that is not UTF-8 (a lone surrogate from os.fsdecode) as \\xff, any other
    character the encoding lacks (a cp1252 console and "█") as \\u2588, which is also a
    valid escape inside a JSON string."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(_escaped(ord(c)) for c in exc.object[exc.start:exc.end]), exc.end


def _escaped(code: int) -> str:
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    if code > 0xFFFF:  # as JSON writes it: a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


codecs.register_error(ESCAPE_ERRORS, _escape)


def get_reporter(name: str, **options: object) -> Reporter:
    try:
        module, _, cls = REPORTERS[name].partition(":")
    except KeyError:
        raise KeyError(f"unknown format {name!r}: use one of {', '.join(REPORTERS)}") from None
    reporter: Reporter = getattr(importlib.import_module(module), cls)(**options)
    return reporter

"""Reporters, chosen by name from a registry: `--format text|json|github|...`.

Machine formats write to the stream they are given (stdout); nothing here prints
progress or logs.
"""

from __future__ import annotations

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


def get_reporter(name: str, **options: object) -> Reporter:
    try:
        module, _, cls = REPORTERS[name].partition(":")
    except KeyError:
        raise KeyError(f"unknown format {name!r}: use one of {', '.join(REPORTERS)}") from None
    reporter: Reporter = getattr(importlib.import_module(module), cls)(**options)
    return reporter

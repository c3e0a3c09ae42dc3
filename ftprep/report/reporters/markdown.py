"""GitHub-flavoured markdown report, for a pull-request comment or a job summary: a
verdict, the summary counts, the stats as tables, then findings grouped by file.

Everything that comes from the data (labels, messages, file names) goes through `md()`:
it must not break a table, inject HTML or links, render as math, or notify anyone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from itertools import groupby
from typing import IO

from ftprep.report.blocks import Bar, Chart, Facts, Note, SectionView, Table, Tone, bar_text, clip, fmt
from ftprep.report.finding import Finding, Report, Severity
from ftprep.report.views import section_views, summary_cards, verdict

_SPECIAL = re.compile(r"([\\`*_\[\]|~#$])")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|www)(?=:|\.)")
# GitHub rejects a comment over 65,536 characters; the rest is room for a wrapper's text.
MAX_CHARS = 60_000
_MAX_MESSAGE = 500
_ICON: dict[Tone, str] = {"": "", "ok": "", "warn": "⚠️ ", "bad": "❌ ", "muted": ""}
_VERDICT_ICON: dict[Tone, str] = {"ok": "✅", "warn": "⚠️", "bad": "❌", "": "", "muted": ""}
_SEVERITY = {Severity.ERROR: "❌ error", Severity.WARNING: "⚠️ warning", Severity.INFO: "ℹ️ info"}


def md(text: object) -> str:
    """Inline-safe markdown for one value from the data."""
    value = _NEWLINES.sub(" ", str(text))  # a newline would end the table row or list item
    value = _SPECIAL.sub(r"\\\1", value)
    value = html.escape(value, quote=False)
    # A zero-width space after @ keeps "@team" in a label from pinging a GitHub team, and
    # one inside "https://" or "www." keeps a URL from the data from becoming a link.
    value = _AUTOLINK.sub("\\1\u200b", value)
    return value.replace("@", "@\u200b")


class MarkdownReporter:
    """`max_chars`: the whole report stays under it (GitHub's comment limit), findings
    beyond it are counted, not shown; `--format json` has them all."""

    def __init__(self, *, max_per_file: int | None = 50, max_findings: int | None = 250,
                 max_chars: int = MAX_CHARS, **_: object) -> None:
        self.max_per_file = max_per_file
        self.max_findings = max_findings
        self.max_chars = max_chars

    def render(self, report: Report, stream: IO[str]) -> None:
        stream.write("\n".join(self.lines(report)).rstrip("\n") + "\n")

    def lines(self, report: Report) -> Iterator[str]:
        # The findings get what the summary and the stats leave; those are bounded by
        # MAX_ROWS and MAX_TEXT, but cut too if need be, the first line (the marker that
        # a bot looks for to update its comment) always kept.
        room = self.max_chars - _RESERVE
        for line in self._before_findings(report):
            room -= len(line) + 1
            if room < 0:
                yield _CUT.format(what="the rest of the report")
                return
            yield line
        yield from self._findings(report, room)

    def _before_findings(self, report: Report) -> Iterator[str]:
        word, tone = verdict(report)
        command = re.sub(r"[^a-z0-9-]", "", report.command.lower()) or "report"
        yield f"<!-- ftprep:{command} -->"
        yield f"## {_VERDICT_ICON[tone]} ftprep {md(report.command)}: {word}"
        yield ""
        yield md(report.summary_line())
        yield ""
        cards = summary_cards(report)
        yield "| " + " | ".join(md(card.label) for card in cards) + " |"
        yield "|" + " ---: |" * len(cards)
        yield "| " + " | ".join(_card_value(card.value, card.sub) for card in cards) + " |"
        yield ""
        if report.io_errors:
            yield "**Could not read:**"
            yield ""
            yield from (f"- {md(problem)}" for problem in report.io_errors)
            yield ""
        if report.files:
            yield "| File | Lines | Examples | Format |"
            yield "| --- | ---: | ---: | --- |"
            for f in report.files:
                cells = (f.path, fmt(f.lines), fmt(f.examples), f.line_format or "—")
                yield "| " + " | ".join(md(cell) for cell in cells) + " |"
            yield ""
        for view in section_views(report.stats):
            yield from _section(view)

    def _findings(self, report: Report, room: int) -> Iterator[str]:
        """The findings while they fit in `room` characters, then how many are left."""
        accounted = 0
        for lines, count in self._finding_pieces(report):
            size = sum(len(line) + 1 for line in lines)
            if size > room:
                yield ""  # ends the table the last row was in
                yield _CUT.format(what=f"{len(report.findings) - accounted} more finding(s)")
                return
            room -= size
            accounted += count
            yield from lines

    def _finding_pieces(self, report: Report) -> Iterator[tuple[list[str], int]]:
        """Lines of the findings section in pieces, each with the number of findings it
        shows or counts as left out."""
        findings = report.sorted_findings()
        if not findings:
            return
        yield ["### Findings", ""], 0
        budget = self.max_findings
        for file, group in groupby(findings, key=lambda f: f.file or "<dataset>"):
            items = list(group)
            head = [f"#### {md(file)} ({len(items)})", ""]
            limit = len(items) if self.max_per_file is None else self.max_per_file
            if budget is not None:
                limit = min(limit, budget)
                budget -= min(limit, len(items))
            if limit > 0:
                yield [*head, "| Line | Severity | Code | Message |", "| ---: | --- | --- | --- |"], 0
                for f in items[:limit]:
                    yield [_finding_row(f)], 1
                yield [""], 0
            else:
                yield head, 0
            if len(items) > limit:
                yield [f"_… {len(items) - limit} more in this file (see `--format json` for all)._",
                       ""], len(items) - limit


_CUT = ("_… {what} not shown: GitHub rejects comments over 65,536 characters; "
        "`--format json` has all._")
# Room kept for the cut note, whatever its count, and the blank line before it.
_RESERVE = len(_CUT) + 40


def _card_value(value: str, sub: str) -> str:
    return f"**{md(value)}**" + (f" ({md(sub)})" if sub else "")


def _finding_row(f: Finding) -> str:
    line = fmt(f.line) if f.line is not None else "—"
    if f.column is not None:
        line += f":{f.column}"
    message = clip(f.message, _MAX_MESSAGE)
    if f.path:
        message += f" (at {f.path})"
    if f.related_lines:
        shown = ", ".join(str(n) for n in f.related_lines[:10])
        message += f" (lines {shown}{', …' if len(f.related_lines) > 10 else ''})"
    return f"| {md(line)} | {_SEVERITY[f.severity]} | {md(f.code)} {md(f.name)} | {md(message)} |"


def _section(view: SectionView) -> Iterator[str]:
    yield f"### {md(view.title)}"
    yield ""
    header = [md(view.subtitle)] if view.subtitle else []
    header += [f"{_ICON[b.tone]}**{md(b.text)}**" for b in view.badges]
    if header:
        yield " · ".join(header)
        yield ""
    for block in view.blocks:
        if isinstance(block, Facts):
            if block.title:
                yield f"**{md(block.title)}**"
                yield ""
            yield from (f"- {md(fact.label)}: {_ICON[fact.tone]}{md(fact.value)}" for fact in block.items)
            yield ""
        elif isinstance(block, Table):
            yield from _table(block)
        elif isinstance(block, Chart):
            if block.in_text:
                yield from _chart(block)
        else:
            yield from _note(block)


def _table(table: Table) -> Iterator[str]:
    if table.title:
        yield f"**{md(table.title)}**"
        yield ""
    yield "| " + " | ".join(md(c.name) for c in table.columns) + " |"
    yield "|" + "".join(" ---: |" if c.align == "right" else " --- |" for c in table.columns)
    for row in table.rows:
        cells = [bar_text(c.fraction) if isinstance(c, Bar) else md(c) for c in row.cells]
        yield "| " + " | ".join(cells) + " |"
    yield ""
    if table.note:
        yield f"_{md(table.note)}_"
        yield ""


def _chart(chart: Chart) -> Iterator[str]:
    widest = max(chart.values, default=0.0) or 1.0
    yield f"<details><summary>{md(chart.title)}</summary>"
    yield ""
    yield "| Bin | Count | |"
    yield "| --- | ---: | --- |"
    for label, value in zip(chart.labels, chart.values, strict=False):
        yield f"| {md(label)} | {md(fmt(value))} | {bar_text(value / widest)} |"
    yield ""
    yield "</details>"
    yield ""


def _note(note: Note) -> Iterator[str]:
    yield f"{_ICON[note.tone]}_{md(note.text)}_"
    yield ""

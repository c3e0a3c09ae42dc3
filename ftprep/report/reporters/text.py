"""Human-readable report with rich: findings grouped by file, then the figures of each
stats section, then a summary line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from itertools import groupby
from typing import IO, TYPE_CHECKING, Any

from ftprep.report.blocks import one_line
from ftprep.report.finding import Finding, Report, Severity
from ftprep.report.reporters.sections import RENDERERS as SECTION_RENDERERS
from ftprep.report.reporters.sections import renderer as section_renderer
from ftprep.report.views import ordered_sections

if TYPE_CHECKING:
    from rich.console import Console

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}

# Section name in Report.stats -> function that renders it; commands that add figures
# (check, cost ...) register their renderer here.
STATS_RENDERERS: dict[str, Callable[[Console, Any], None]] = {}
# tokens, labels, duplicates, cost, behaviour: the sections of `check` and `cost`.
STATS_RENDERERS.update(SECTION_RENDERERS)


class TextReporter:
    """`max_per_code`: findings of one code shown per file (None: all); a 100k-line file
    can hold thousands of one finding, and the machine formats keep every one."""

    def __init__(self, *, color: bool | None = None, max_per_file: int | None = None,
                 max_per_code: int | None = None, **_: object) -> None:
        self.color = color
        self.max_per_file = max_per_file
        self.max_per_code = max_per_code

    def render(self, report: Report, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.markup import escape
        from rich.text import Text

        # None (auto) leaves NO_COLOR to rich; --color always/never decides over it.
        no_color = None if self.color is None else not self.color
        console = Console(file=stream, no_color=no_color,
                          force_terminal=self.color or None, highlight=False,
                          soft_wrap=True)
        for problem in report.io_errors:
            console.print(f"[bold red]error[/]: {escape(problem)}")
        findings = report.sorted_findings()
        for file, group in groupby(findings, key=lambda f: f.file or "<dataset>"):
            items = list(group)
            console.print(f"[bold]{escape(file)}[/]")
            shown = items if self.max_per_file is None else items[: self.max_per_file]
            if self.max_per_code is not None:
                seen: Counter[str] = Counter(f.code for f in shown)
                shown = _first_per_code(shown, self.max_per_code)
                hidden = {code: n - self.max_per_code for code, n in seen.items()
                          if n > self.max_per_code}
            else:
                hidden = {}
            for f in shown:
                where = f"{f.line}" if f.line is not None else "-"
                if f.column is not None:
                    where += f":{f.column}"
                related = ""
                if f.related_lines:
                    lines = ", ".join(str(n) for n in f.related_lines[:10])
                    more = "..." if len(f.related_lines) > 10 else ""
                    related = f" (lines {lines}{more})"
                # Text from the data is appended as Text, never parsed as markup: escape()
                # lets "\[" through, which rich shows as "[" (a regex lost its backslash).
                line = Text.from_markup(f"  {where:>7} [{_STYLE[f.severity]}]"
                                        f"{f.severity.label:<7}[/] {f.code} [dim]{f.name}[/]")
                if f.path:
                    line.append(" " + one_line(f.path), style="dim")
                line.append(": " + one_line(f.message))
                line.append(related, style="dim")
                console.print(line)
            for code, n in sorted(hidden.items()):
                console.print(f"  ... {n} more {code} in this file (--max-per-code 0 or "
                              "--format json shows all)")
            if self.max_per_file is not None and len(items) > self.max_per_file:
                console.print(f"  ... {len(items) - self.max_per_file} more in this file")
        for section in ordered_sections(report.stats):
            renderer = STATS_RENDERERS.get(section) or section_renderer(section)
            renderer(console, report.stats[section])
        for summary in report.files:
            if summary.accepted_by:
                # The format is theirs; whether the lines pass is what the findings say.
                takers = summary.accepted_by
                verb = "takes" if len(takers) == 1 else "take"
                console.print(f"[dim]{escape(summary.path)}: {summary.line_format}, a format "
                              f"{', '.join(takers)} {verb}[/]")
        style = "bold red" if report.errors or report.io_errors else (
            "yellow" if report.warnings else "bold green")
        console.print(f"[{style}]{escape(report.summary_line())}[/]")


def _first_per_code(findings: list[Finding], limit: int) -> list[Finding]:
    taken: Counter[str] = Counter()
    out = []
    for finding in findings:
        if taken[finding.code] < limit:
            taken[finding.code] += 1
            out.append(finding)
    return out

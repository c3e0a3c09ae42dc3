"""Findings (one problem at one place) and the Report that collects them."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ftprep.exitcodes import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE


class Severity(enum.IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r}: use one of error, warning, info"
            ) from None


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place. `line` is 1-based; `path` is a JSON path such as
    `$.messages[2].content`. Dataset-level findings may name several lines."""

    code: str
    name: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    path: str | None = None
    column: int | None = None
    related_lines: tuple[int, ...] = ()

    def location(self) -> str:
        where = self.file or "<dataset>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.label,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "related_lines": list(self.related_lines),
        }


@dataclass(slots=True)
class FileSummary:
    """What was read from one input file."""

    path: str
    lines: int = 0
    examples: int = 0  # non-blank lines
    line_format: str | None = None
    accepted_by: tuple[str, ...] = ()
    invalid: int = 0  # of `examples`, those that failed the format's schema or JSON


@dataclass(slots=True)
class Report:
    """Everything a command found. `stats` holds the figures of `check` and `cost`
    (token distributions, label counts, cost rows), keyed by section name."""

    command: str
    findings: list[Finding] = field(default_factory=list)
    files: list[FileSummary] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    # Inputs that could not be read at all (missing file, directory ...): exit code 2.
    io_errors: list[str] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings: list[Finding]) -> None:
        self.findings.extend(findings)

    def counts(self) -> Counter[Severity]:
        return Counter(f.severity for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    def exit_code(self, *, strict: bool = False) -> int:
        if self.io_errors:
            return EXIT_USAGE
        if self.errors or (strict and self.warnings):
            return EXIT_FINDINGS
        return EXIT_OK

    def sorted_findings(self) -> list[Finding]:
        return sorted(
            self.findings,
            key=lambda f: (f.file or "\uffff", f.line or 0, f.column or 0, f.code),
        )

    def summary_line(self) -> str:
        examples = sum(f.examples for f in self.files)
        invalid = sum(f.invalid for f in self.files)
        return (
            f"{len(self.files)} file(s), {examples} example(s)"
            + (f" ({invalid} invalid)" if invalid else "") + ": "
            f"{self.errors} error(s), {self.warnings} warning(s), "
            f"{len(self.findings) - self.errors - self.warnings} info"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "command": self.command,
            "summary": {
                "files": len(self.files),
                "examples": sum(f.examples for f in self.files),
                "invalid_examples": sum(f.invalid for f in self.files),
                "errors": self.errors,
                "warnings": self.warnings,
                "infos": len(self.findings) - self.errors - self.warnings,
            },
            "files": [
                {
                    "path": f.path,
                    "lines": f.lines,
                    "examples": f.examples,
                    "invalid_examples": f.invalid,
                    "line_format": f.line_format,
                    "accepted_by": list(f.accepted_by),
                }
                for f in self.files
            ],
            "findings": [f.to_dict() for f in self.sorted_findings()],
            "io_errors": list(self.io_errors),
            "stats": self.stats,
        }

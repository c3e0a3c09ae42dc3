"""The check registry: every check has a stable code, a kebab-case name, a default
severity, a scope and a docstring that is its documentation.

Codes are grouped in families of hundreds (FT1xx format, FT2xx tokens, FT3xx labels,
FT4xx duplicates and leakage, FT5xx content, FT6xx cost). A code is never reused.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ftprep.report.finding import Finding, Severity

CODE_PATTERN = re.compile(r"^FT[1-6]\d\d$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

FAMILIES = {
    "FT1": "format and schema",
    "FT2": "tokens and limits",
    "FT3": "labels and balance",
    "FT4": "duplicates and leakage",
    "FT5": "content and behaviour",
    "FT6": "cost and availability",
}

# Modules that register checks; imported on demand so that `validate` stays light.
CHECK_MODULES: tuple[str, ...] = (
    "ftprep.checks.structure",
    "ftprep.checks.conversation",
    "ftprep.checks.tool_calls",
    "ftprep.checks.targets",
    "ftprep.checks.tokens_checks",
    "ftprep.checks.cost_checks",
    "ftprep.checks.labels",
    "ftprep.checks.duplicates",
    "ftprep.checks.behaviour.phrases",
    "ftprep.checks.behaviour.output_format",
    "ftprep.checks.behaviour.pii_check",
    "ftprep.checks.behaviour.consistency",
    "ftprep.checks.behaviour.knowledge",
    "ftprep.checks.behaviour.coverage",
    "ftprep.checks.behaviour.system_prompt",
)


class Scope(enum.Enum):
    """Where a check looks: one line, one file, or the whole dataset."""

    READER = "reader"  # emitted by the JSONL reader or schema validation itself
    LINE = "line"
    FILE = "file"
    DATASET = "dataset"


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check function yields; the runner adds code, severity, file and line.

    A line check that points into a message gives `message_index` (its place in the
    format's conversation) and a `path` relative to that message, e.g. ".content[1]"."""

    message: str
    path: str | None = None
    message_index: int | None = None
    line: int | None = None
    column: int | None = None
    related_lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    severity: Severity
    scope: Scope
    doc: str
    func: Callable[..., Iterable[Hit]] | None = None
    # Line formats the check applies to (None: all), less those in `skip_formats`.
    formats: frozenset[str] | None = None
    skip_formats: frozenset[str] = frozenset()
    # Line checks: "shape" checks see only the roles (so results are cached per shape);
    # "record" checks see the record and run only when the line has `trigger` set;
    # "target-shape" / "target-record" checks get the chosen target first and run only
    # with --target (ftprep.checks.targets.TargetRules).
    view: str = "record"
    trigger: str | None = None

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else ""

    @property
    def family(self) -> str:
        return FAMILIES[self.code[:3]]

    def applies_to(self, line_format: str) -> bool:
        return (self.formats is None or line_format in self.formats) and (
            line_format not in self.skip_formats)


_REGISTRY: dict[str, Check] = {}
_BY_NAME: dict[str, Check] = {}
_loaded = False


def _add(check: Check) -> Check:
    if not CODE_PATTERN.match(check.code):
        raise ValueError(f"check code {check.code!r} must look like FT123")
    if not NAME_PATTERN.match(check.name):
        raise ValueError(f"check name {check.name!r} must be kebab-case")
    if check.code in _REGISTRY or check.name in _BY_NAME:
        raise ValueError(f"check {check.code} {check.name} is already registered")
    if not check.doc.strip():
        raise ValueError(f"check {check.code} has no documentation")
    _REGISTRY[check.code] = check
    _BY_NAME[check.name] = check
    return check


def register(
    code: str,
    name: str,
    severity: Severity,
    *,
    scope: Scope,
    formats: Iterable[str] | None = None,
    skip_formats: Iterable[str] = (),
    view: str = "record",
    trigger: str | None = None,
) -> Callable[[Callable[..., Iterable[Hit]]], Callable[..., Iterable[Hit]]]:
    """Register a check function; its docstring is its documentation."""

    def decorate(func: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        _add(
            Check(
                code=code,
                name=name,
                severity=severity,
                scope=scope,
                doc=inspect.cleandoc(func.__doc__ or ""),
                func=func,
                formats=frozenset(formats) if formats is not None else None,
                skip_formats=frozenset(skip_formats),
                view=view,
                trigger=trigger,
            )
        )
        return func

    return decorate


def declare(code: str, name: str, severity: Severity, doc: str, *, scope: Scope) -> Check:
    """Register a check that a pipeline emits itself (reader errors, dataset figures)."""
    return _add(Check(code, name, severity, scope, inspect.cleandoc(doc)))


def load_all() -> None:
    global _loaded
    if not _loaded:
        for module in CHECK_MODULES:
            importlib.import_module(module)
        _loaded = True


def all_checks() -> list[Check]:
    load_all()
    return sorted(_REGISTRY.values(), key=lambda c: c.code)


def get(code_or_name: str) -> Check:
    load_all()
    key = code_or_name.strip()
    check = _REGISTRY.get(key.upper()) or _BY_NAME.get(key.lower())
    if check is None:
        raise KeyError(code_or_name)
    return check


def checks_in_scope(scope: Scope) -> list[Check]:
    return [c for c in all_checks() if c.scope is scope]


@dataclass
class Selection:
    """Which checks run and at what severity: --select/--ignore (codes, names or code
    prefixes such as FT4) and severity overrides from the config, keyed the same way.

    A severity set for the exact check (its code or its name) beats one set for a prefix,
    and a longer prefix beats a shorter one (FT12 over FT1)."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    _cache: dict[str, bool] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        load_all()
        unknown = unknown_tokens((*self.select, *self.ignore, *self.severity))
        if unknown:
            raise ValueError(
                f"unknown check code or name: {', '.join(unknown)} "
                "(run `ftprep rules` to list them)"
            )
        self.severity = _severity_by_key(self.severity)

    def enabled(self, check: Check) -> bool:
        cached = self._cache.get(check.code)
        if cached is None:
            chosen = not self.select or any(_matches(t, check) for t in self.select)
            cached = chosen and not any(_matches(t, check) for t in self.ignore)
            self._cache[check.code] = cached
        return cached

    def severity_of(self, check: Check) -> Severity:
        override = self.override_of(check)
        return check.severity if override is None else override

    def override_of(self, check: Check) -> Severity | None:
        """The severity the config sets for the check, None when it sets none."""
        # The most specific key wins: FT124, then FT12, FT1, FT.
        for key in (check.code, check.code[:4], check.code[:3], check.code[:2]):
            if key in self.severity:
                return self.severity[key]
        return None

    def narrows(self) -> bool:
        """Whether this selection drops a check or changes a severity."""
        return bool(self.select or self.ignore or self.severity)

    def reported(self, findings: list[Finding]) -> list[Finding]:
        """The findings this selection reports, at its severities: for findings worked out
        with every check on at its own severity (`Selection()`)."""
        if not self.narrows():
            return findings
        out = []
        for finding in findings:
            check = get(finding.code)
            if self.enabled(check):
                override = self.override_of(check)
                out.append(finding if override is None else replace(finding, severity=override))
        return out

    def finding(
        self,
        check: Check,
        hit: Hit,
        *,
        file: str | None,
        line: int | None = None,
    ) -> Finding:
        return Finding(
            code=check.code,
            name=check.name,
            severity=self.severity_of(check),
            message=hit.message,
            file=file,
            line=hit.line if hit.line is not None else line,
            path=hit.path,
            column=hit.column,
            related_lines=hit.related_lines,
        )

    def emit(
        self,
        check: Check,
        message: str,
        *,
        file: str | None,
        line: int | None = None,
        path: str | None = None,
        column: int | None = None,
        related_lines: tuple[int, ...] = (),
    ) -> Iterator[Finding]:
        """Yield the finding when the check is enabled (zero or one item)."""
        if self.enabled(check):
            yield self.finding(
                check,
                Hit(message, path=path, column=column, related_lines=related_lines),
                file=file,
                line=line,
            )


def unknown_tokens(tokens: Iterable[str]) -> list[str]:
    """The tokens (codes, names, prefixes) that name no check."""
    load_all()
    return [t for t in tokens if not _known(t)]


def _severity_by_key(overrides: dict[str, Severity]) -> dict[str, Severity]:
    """Overrides keyed by code or prefix (FT1, FT12); two keys for one check (its code and
    its name, FT1 and ft1) are an error rather than a silent last-one-wins."""
    keyed: dict[str, tuple[str, Severity]] = {}
    for token, level in overrides.items():
        key = token.strip().upper() if _is_prefix(token) else get(token).code
        if key in keyed:
            raise ValueError(f"two severity overrides for {key}: {keyed[key][0]!r} and "
                             f"{token!r}; keep one")
        keyed[key] = (token, level)
    return {key: level for key, (_, level) in keyed.items()}


def _is_prefix(token: str) -> bool:
    return bool(re.fullmatch(r"FT\d{0,2}", token.strip().upper()))


def _known(token: str) -> bool:
    if _is_prefix(token):
        # A prefix that matches no check (FT7) is as much a typo as an unknown code.
        prefix = token.strip().upper()
        return any(code.startswith(prefix) for code in _REGISTRY)
    try:
        get(token)
    except KeyError:
        return False
    return True


def _matches(token: str, check: Check) -> bool:
    token = token.strip()
    if _is_prefix(token):
        return check.code.startswith(token.upper())
    return token.upper() == check.code or token.lower() == check.name


def describe(check: Check) -> dict[str, Any]:
    return {
        "code": check.code,
        "name": check.name,
        "severity": check.severity.label,
        "scope": check.scope.value,
        "family": check.family,
        "summary": check.summary,
        "doc": check.doc,
    }

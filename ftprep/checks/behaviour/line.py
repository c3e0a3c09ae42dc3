"""How the FT5xx line checks run inside `ftprep validate` (and so inside `check`).

They are registered with `view="rules"`: the function gets the compiled rules and a
`LineView` of one line, `func(rules, line)`, and yields `Hit`s whose `message_index` and
relative `path` point into the conversation. A path may go on inside a JSON reply
(".content -> $.category"). `trigger` names the rule family a check belongs to, so a
check with nothing configured costs nothing. `RulesRunner` is what the validator calls.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ftprep.checks.registry import Check, Hit, Scope, Selection, checks_in_scope
from ftprep.report.finding import Finding, Severity

if TYPE_CHECKING:
    from collections.abc import Callable

    from ftprep.checks.behaviour.settings import BehaviourRules
    from ftprep.formats import LineFormat

    # Says, from the line alone, that a check cannot find anything in it (True) or may.
    LineScreen = Callable[[dict[str, Any], list[dict[str, Any]], LineFormat], bool]
    # The line screen of a check for a rule set, or None when it has none for those rules.
    ScreenFactory = Callable[[BehaviourRules], LineScreen | None]

Record = dict[str, Any]
RULES_VIEW = "rules"
_NOT_JSON = object()
_UNSET = object()
# Separates the path of a message from a path inside its JSON content.
INSIDE = " -> "


_SCREENS: dict[str, ScreenFactory] = {}  # by check code, see `line_screen`


def line_screen(code: str) -> Callable[[ScreenFactory], ScreenFactory]:
    """Registers a cheap per-line screen for a rules check: the runner calls the check
    (and builds its LineView) only on the lines the screen does not clear. Most lines
    are clean, and a generator and a view per line cost more than the screen itself."""
    def add(factory: ScreenFactory) -> ScreenFactory:
        _SCREENS[code] = factory
        return factory
    return add


@dataclass(frozen=True, slots=True)
class RuleHit(Hit):
    """A hit with its own severity (PII kinds have one each); None: the check's."""

    severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """The text a phrase rule reads in one assistant message: the message's text, or one
    field of it when it is a JSON object (`suffix` is then " -> $.reply")."""

    index: int
    text: str
    suffix: str = ""

    @property
    def path(self) -> str:
        return ".content" + self.suffix


class LineView:
    """One validated line as the rules see it; what several checks need is computed once."""

    __slots__ = ("_json", "_label", "fmt", "messages", "record", "rules")

    def __init__(self, rules: BehaviourRules, record: Record, messages: list[Record],
                 fmt: LineFormat | None = None) -> None:
        self.rules = rules
        self.record = record
        self.messages = messages
        self.fmt = fmt
        self._label: Any = _UNSET
        self._json: dict[int, Any] = {}

    @property
    def label(self) -> str | None:
        """The example's label, as ftprep.dataset.features extracts it."""
        if self._label is _UNSET:
            from ftprep.dataset.features import reply_label

            self._label = reply_label(self.messages, label_field=self.rules.label_field)
        label: str | None = self._label
        return label

    def trained(self) -> list[int]:
        """Indices of the assistant messages that are trained on and have content."""
        return [i for i, m in enumerate(self.messages) if m.get("role") == "assistant"
                and m.get("weight", 1) != 0 and m.get("content") is not None]

    def last(self) -> list[int]:
        """The last assistant message (the labelled reply), when it is trained on."""
        last = max((i for i, m in enumerate(self.messages) if m.get("role") == "assistant"),
                   default=None)
        return [last] if last is not None and last in self.trained() else []

    def text(self, index: int) -> str:
        content = self.messages[index].get("content")
        if content.__class__ is str:
            return content
        from ftprep.dataset.features import content_text

        return content_text(content)

    def parsed(self, index: int) -> Any:
        """The message's content parsed as JSON, or _NOT_JSON (see `is_json`)."""
        if index not in self._json:
            text = self.text(index).strip()
            value: Any = _NOT_JSON
            if text[:1] in ("{", "["):
                import orjson

                try:
                    value = orjson.loads(text)
                except orjson.JSONDecodeError:
                    value = _NOT_JSON
            self._json[index] = value
        return self._json[index]

    def reply(self, index: int) -> Reply:
        obj = self.parsed(index)
        if isinstance(obj, dict):
            for key in self.rules.reply_fields:
                value = obj.get(key)
                if isinstance(value, str):
                    return Reply(index, value, _inside(key))
        return Reply(index, self.text(index))


def is_json(value: Any) -> bool:
    return value is not _NOT_JSON


def json_path(*keys: str | int) -> str:
    """A JSONPath such as $.category, $['odd key'] or $.items[2]."""
    out = "$"
    for key in keys:
        if isinstance(key, int):
            out += f"[{key}]"
        elif key.isidentifier():
            out += f".{key}"
        else:
            out += "[" + repr(key) + "]"
    return out


@functools.lru_cache(maxsize=64)
def _inside(key: str) -> str:
    return INSIDE + json_path(key)


def resolve_path(fmt: LineFormat | None, record: Record, index: int | None,
                 relative: str | None) -> str | None:
    """The line's JSON path of a hit, as ftprep.validate places the other line checks."""
    if index is None or fmt is None:
        return relative
    head, sep, inside = (relative or "").partition(INSIDE)
    if fmt.field_path is not None:
        path = fmt.field_path(record, index, head)
    else:
        path = fmt.message_path(record, index) + head
    return path + sep + inside


class RulesRunner:
    """Runs the enabled `view="rules"` line checks that have something configured."""

    def __init__(self, rules: BehaviourRules, selection: Selection) -> None:
        self.rules = rules
        self.selection = selection
        self.checks: list[Check] = [
            c for c in checks_in_scope(Scope.LINE)
            if c.view == RULES_VIEW and selection.enabled(c) and rules.active(c.trigger or "")
        ]
        self._for_format: dict[str, list[tuple[Check, LineScreen | None]]] = {}

    def __bool__(self) -> bool:
        return bool(self.checks)

    def findings(self, file: str, number: int, record: Record, messages: list[Record],
                 fmt: LineFormat) -> list[Finding]:
        checks = self._for_format.get(fmt.name)
        if checks is None:
            checks = self._for_format[fmt.name] = [
                (c, make(self.rules) if (make := _SCREENS.get(c.code)) else None)
                for c in self.checks if c.applies_to(fmt.name)]
        view = None  # built for the first check the line is not screened out of
        out: list[Finding] = []
        for check, screen in checks:
            if screen is not None and screen(record, messages, fmt):
                continue
            if view is None:
                view = LineView(self.rules, record, messages, fmt)
            for hit in check.func(self.rules, view):  # type: ignore[misc]
                path = resolve_path(fmt, record, hit.message_index, hit.path)
                finding = self.selection.finding(check, Hit(hit.message, path=path,
                                                            column=hit.column),
                                                 file=file, line=number)
                # A severity set for the code in [tool.ftprep.severity] wins over the kind's.
                own = getattr(hit, "severity", None)
                if own is not None and check.code not in self.selection.severity:
                    finding = dataclasses.replace(finding, severity=own)
                out.append(finding)
        return out

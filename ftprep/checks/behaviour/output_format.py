"""FT503-FT505: the assistant's output format, when the model is trained to answer in a
fixed shape (a regex) or in JSON (a JSON Schema, Draft 2020-12, compiled once).

```toml
[tool.ftprep.rules.output]
applies-to = "last"                 # or "all": every trained assistant message
schema = "reply.schema.json"        # relative to the config file, or an inline table
regex = 'Category: \\w+\\n\\n.+'    # the whole reply must match; `.` matches newlines
```

A schema violation points inside the reply: `$.messages[2].content -> $.category`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ftprep.checks.behaviour.line import INSIDE, RULES_VIEW, LineView, is_json
from ftprep.checks.registry import Hit, Scope, register
from ftprep.formats.errors import unreadable_json
from ftprep.report.finding import Severity

if TYPE_CHECKING:
    from ftprep.checks.behaviour.settings import BehaviourRules

# Schema errors reported per reply; the rest are counted.
MAX_ERRORS = 5
MAX_MESSAGE = 200


def _targets(rules: BehaviourRules, line: LineView) -> list[int]:
    output = rules.settings.output
    return line.trained() if output is not None and output.applies_to == "all" else line.last()


@register("FT503", "reply-format-mismatch", Severity.ERROR, scope=Scope.LINE, view=RULES_VIEW,
          trigger="output-regex")
def reply_format_mismatch(rules: BehaviourRules, line: LineView) -> Iterator[Hit]:
    """An assistant reply does not match the output regex of `[tool.ftprep.rules.output]`.

    When the model must answer in a fixed shape ("Category: X" then the reply, a ticket
    code ...), every example has to show that shape, or the model learns that it may
    deviate. The whole reply must match (`.` also matches newlines); `applies-to` chooses
    the last assistant message (default) or all of them. Fix the reply or the regex."""
    pattern = rules.output_regex
    if pattern is None:
        return
    for index in _targets(rules, line):
        if pattern.fullmatch(line.text(index)) is None:
            yield Hit(f"the reply does not match the output format /{pattern.pattern}/; "
                      "rewrite it in that format", path=".content", message_index=index)


@register("FT504", "reply-not-json", Severity.ERROR, scope=Scope.LINE, view=RULES_VIEW,
          trigger="output-schema")
def reply_not_json(rules: BehaviourRules, line: LineView) -> Iterator[Hit]:
    """An assistant reply is not JSON, though an output schema is configured.

    A model trained to answer in JSON must see JSON in every example: one prose reply
    teaches it that prose is allowed, and the code parsing its answers breaks. Write the
    reply as one JSON value (no code fences, no text around it)."""
    for index in _targets(rules, line):
        _, error = _parse(line, index)
        if error is not None:
            yield Hit(f"the reply is not JSON ({error}), but the output schema expects JSON: "
                      "write the reply as one JSON value, without code fences or prose around it",
                      path=".content", message_index=index)


@register("FT505", "reply-schema-violation", Severity.ERROR, scope=Scope.LINE, view=RULES_VIEW,
          trigger="output-schema")
def reply_schema_violation(rules: BehaviourRules, line: LineView) -> Iterator[Hit]:
    """A JSON reply does not satisfy the output schema of `[tool.ftprep.rules.output]`.

    The schema (Draft 2020-12, inline or a file relative to the config) is the contract
    for the model's answers: a missing field, a category outside the enum or a wrong type
    in the training data is what the model will produce later. The finding's path goes on
    inside the reply (`$.messages[2].content -> $.category`). Fix the reply."""
    validator = rules.schema_validator()
    if validator is None:
        return
    for index in _targets(rules, line):
        value, error = _parse(line, index)
        if error is not None:
            continue  # FT504
        errors = sorted(validator.iter_errors(value), key=lambda e: (list(map(str, e.path)),
                                                                       e.message))
        for err in errors[:MAX_ERRORS]:
            message = err.message if len(err.message) <= MAX_MESSAGE else (
                err.message[: MAX_MESSAGE - 1] + "…")
            yield Hit(f"the reply does not satisfy the output schema: {message}",
                      path=".content" + INSIDE + err.json_path, message_index=index)
        if len(errors) > MAX_ERRORS:
            yield Hit(f"{len(errors) - MAX_ERRORS} more schema error(s) in this reply",
                      path=".content", message_index=index)


def _parse(line: LineView, index: int) -> tuple[Any, str | None]:
    """(the reply's JSON value, None) or (None, why it is not JSON)."""
    value = line.parsed(index)
    if is_json(value):
        return value, None
    text = line.text(index)
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        if not text.strip():
            return None, "it is empty"
        return None, f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    except (ValueError, RecursionError) as exc:
        return None, unreadable_json(exc)

"""Convert's output lines: chat records from one fixed template, written as bytes, each
proved to pass `ftprep validate` without parsing it again.

Every line convert writes is {"messages": [system?, user, assistant]}, each message
{"role", "content"} with string content; only the strings change from line to line.
FileValidator.check_line on such a line depends on those strings only through
- the schema: a `content` field whose string choice carries no constraint accepts any
  string (read from the format's pydantic core schema below, not assumed);
- the line checks' triggers: a blank content sets "empty" (FT111); any other string sets
  none, and without a trigger only the shape checks (roles only) run, provided no record
  check runs untriggered and there are no target or behaviour rules (checked below).
So every line whose contents are all non-blank passes exactly when the first one did:
check_line runs in full on that one, on every line with a blank content, and on every
line when a condition above does not hold.
"""

from __future__ import annotations

from itertools import repeat
from typing import TYPE_CHECKING, Any

import orjson

from ftprep.checks.conversation import is_blank

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ftprep.report.finding import Finding
    from ftprep.validate import FileValidator

_CACHED_REPLIES = 1024  # JSON of assistant contents kept: labels repeat, replies rarely


class ChatLines:
    """Lines for one system prompt, and their validation against `validator` (which must
    be convert's: a forced openai-chat format)."""

    def __init__(self, system_prompt: str | None, validator: FileValidator) -> None:
        head = b'{"messages":['
        if system_prompt:
            head += b'{"role":"system","content":' + orjson.dumps(system_prompt) + b"},"
        # orjson writes no spaces, so these pieces joined are orjson.dumps of the record.
        self._head = head + b'{"role":"user","content":'
        self._mid = b'},{"role":"assistant","content":'
        self._tail = b"}]}"
        self._assistant: dict[str, bytes] = {}
        self.validator = validator
        self._shortcut = _shape_decides(validator) and not (
            system_prompt and system_prompt.isspace()
        )
        self._passed = False

    def line(self, user: str, assistant: str) -> bytes:
        """orjson.dumps of build_record's record with these contents."""
        done = self._assistant.get(assistant)
        if done is None:
            done = orjson.dumps(assistant)
            if len(self._assistant) < _CACHED_REPLIES:
                self._assistant[assistant] = done
        return b"".join((self._head, orjson.dumps(user), self._mid, done, self._tail))

    def lines(self, users: Sequence[str], assistants: Sequence[str]) -> list[bytes]:
        """`line` over columns, at C speed (no Python call per line)."""
        if len(self._assistant) < _CACHED_REPLIES:  # labels: a few distinct contents
            cache = self._assistant
            for text in set(assistants).difference(cache):
                cache[text] = orjson.dumps(text)
            done = list(map(cache.__getitem__, assistants))
        else:
            done = list(map(orjson.dumps, assistants))
        return list(map(b"".join, zip(repeat(self._head), map(orjson.dumps, users),
                                      repeat(self._mid), done, repeat(self._tail))))

    def all_pass(self, lines: Sequence[bytes], users: Sequence[str],
                 assistants: Sequence[str]) -> bool:
        """True when every line is proved to pass (see the module docstring); False says
        nothing: check each line with `errors` then."""
        if not lines or not self._shortcut:
            return False
        for contents in (users, assistants):
            if not all(contents) or any(map(is_blank, contents)):
                return False
        if not self._passed:
            self.errors(lines[0], users[0], assistants[0])
        return self._passed

    def errors(self, line: bytes, user: str, assistant: str) -> list[Finding]:
        """The error findings `ftprep validate` reports for `line`, which `line` or
        `lines` built from these contents."""
        # Blank as FT111 means it (invisible characters too), or the proof does not hold.
        plain = self._shortcut and not is_blank(user) and not is_blank(assistant)
        if plain and self._passed:
            return []
        errors = [f for f in self.validator.check_line(line) if f.severity.label == "error"]
        if plain and not errors:
            self._passed = True
        return errors


def _shape_decides(validator: FileValidator) -> bool:
    """Whether check_line's verdict on a template line with non-blank string contents
    depends on its roles alone (see the module docstring)."""
    fmt = validator.forced_format
    if fmt is None or validator.behaviour is not None or validator.target_rules is not None:
        return False
    if any(c.trigger is None and c.applies_to(fmt.name) for c in validator.record_checks):
        return False
    fields: list[dict[str, Any]] = []
    _content_fields(fmt.adapter().core_schema, fields)
    return bool(fields) and all(_any_string(f["schema"]) for f in fields)


def _content_fields(node: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "content" and isinstance(value, dict) and value.get("type") == (
                "typed-dict-field"
            ):
                out.append(value)
            _content_fields(value, out)
    elif isinstance(node, list | tuple):
        for value in node:
            _content_fields(value, out)


def _any_string(schema: dict[str, Any]) -> bool:
    """A plain `str` choice (no length, pattern or validator function) in the schema."""
    while schema.get("type") == "nullable":
        schema = schema["schema"]
    choices = schema["choices"] if schema.get("type") == "union" else [schema]
    return any(isinstance(c, dict) and c.get("type") == "str"
               and set(c) <= {"type", "strict", "metadata", "ref"} for c in choices)

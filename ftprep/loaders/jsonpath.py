"""Dotted paths into nested JSON records (`source.body`, `comments.0.body`), and what a
nested value in a text column becomes.

A path is a column name with `.` or `[...]` in it: keys and list indexes (`comments.0`,
`comments[0]`, `comments[-1]` for the last), `*` for every item of a list
(`comments.*.body`), and `[key=value]` for the first object of a list whose `key` is
`value` (`custom_fields[id=360001].value`). Keys are matched as written, then ignoring case.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ftprep.loaders.columns import TEXT_NAMES, header_key

if TYPE_CHECKING:
    from collections.abc import Iterator

MISSING: Any = object()
_SEGMENT = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")
_INT = re.compile(r"-?\d+")


class Select:
    """A `[key=value]` segment."""

    __slots__ = ("key", "value")

    def __init__(self, key: str, value: str) -> None:
        self.key, self.value = key.strip(), value.strip()

    def pick(self, items: list[Any]) -> Any:
        for item in items:
            if isinstance(item, dict):
                found = _key(item, self.key)
                if found is not MISSING and _scalar(found) == self.value:
                    return item
        return MISSING


JsonPath = tuple["str | Select", ...]


def parse_path(name: str) -> JsonPath | None:
    """The segments of a dotted name, or None when it is not a path (no `.` or `[`, an
    empty segment, a bracket that is neither an index, `*` nor `key=value`)."""
    if "." not in name and "[" not in name:
        return None
    parts: list[str | Select] = []
    pos = 0
    for match in _SEGMENT.finditer(name):
        start = match.start()
        if start != pos and not (parts and start == pos + 1 and name[pos] == "."):
            return None  # "a..b", ".a", "a b"
        pos = match.end()
        key, bracket = match.group(1), match.group(2)
        if key is not None:
            parts.append(key)
        elif bracket is not None and (_INT.fullmatch(bracket.strip()) or bracket.strip() == "*"):
            parts.append(bracket.strip())
        elif bracket is not None and "=" in bracket:
            parts.append(Select(*bracket.split("=", 1)))
        else:
            return None
    return tuple(parts) if pos == len(name) and len(parts) > 1 else None


def value_at(record: Any, path: JsonPath) -> Any:
    """The value at `path` in `record`, MISSING when there is none; `*` gives a list."""
    value = record
    for i, part in enumerate(path):
        if isinstance(part, Select):
            value = part.pick(value) if isinstance(value, list) else MISSING
        elif isinstance(value, dict):
            value = _key(value, part)
        elif isinstance(value, list) and part == "*":
            found = [value_at(item, path[i + 1:]) for item in value]
            return [v for v in found if v is not MISSING]
        elif isinstance(value, list) and _INT.fullmatch(part):
            index = int(part)
            value = value[index] if -len(value) <= index < len(value) else MISSING
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def _key(record: dict[str, Any], key: str) -> Any:
    if key in record:
        return record[key]
    folded = key.casefold()
    return next((v for k, v in record.items() if k.casefold() == folded), MISSING)


def _scalar(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return "" if value is None else str(value)


def as_text(value: list[Any] | dict[str, Any], column: str,
            option: str = "--text") -> tuple[str | None, str | None]:
    """A list or object found in a text or reply column: (its text, None), or (None, why
    the row cannot use it). Empty is no text; a list of strings or numbers is its items,
    one a line; an object, or a list holding objects or lists, is not text."""
    if not value:
        return None, None
    if isinstance(value, list) and not any(isinstance(v, list | dict) for v in value):
        lines = [_scalar(v).strip() for v in value]
        return "\n".join(line for line in lines if line) or None, None
    return None, f"{column!r} holds {_what(value)}, not text: {_hint(value, column, option)}"


def _what(value: list[Any] | dict[str, Any]) -> str:
    if isinstance(value, dict):
        keys = ", ".join(repr(k) for k in list(value)[:5])
        return f"an object (keys {keys}{', ...' if len(value) > 5 else ''})"
    return f"a list of {len(value)} item{'s' if len(value) != 1 else ''} holding objects or lists"


def _hint(value: list[Any] | dict[str, Any], column: str, option: str) -> str:
    """A path to suggest, one that reads text: the nearest key named like a ticket text
    (body, text, ...) holding a string, else the nearest string that reads as prose; else
    none (a `type` or an id would put the same word in every prompt)."""
    best: tuple[tuple[int, int, int], str] | None = None
    for path, key, text, depth in _strings(value, column):
        name = header_key(key)
        if name in TEXT_NAMES:
            rank = (0, TEXT_NAMES.index(name), depth)
        elif len(text.split()) >= 3 and "://" not in text:
            rank = (1, depth, 0)
        else:
            continue
        if best is None or rank < best[0]:
            best = (rank, path)
    path = best[1] if best else f"{column}.KEY"
    return f"name the field to read with a dotted path, e.g. {option} {path}"


def _strings(value: Any, path: str, depth: int = 1) -> Iterator[tuple[str, str, str, int]]:
    """(path, key, value, depth) of the non-blank strings under `value`, four levels down
    at most, a list's first ten items standing for the others (the first may hold no
    text: Intercom's first part is often an assignment with a null body)."""
    if depth > 4:
        return
    if isinstance(value, list):
        for index, item in enumerate(value[:10]):
            if isinstance(item, dict):
                yield from _strings(item, f"{path}.{index}", depth)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if isinstance(item, str) and item.strip():
            yield f"{path}.{key}", str(key), item, depth
        elif isinstance(item, list | dict):
            yield from _strings(item, f"{path}.{key}", depth + 1)


def item_path(name: str) -> str:
    """The path that reads one item (the first) of the list a column `name` gives: the
    `*` put as `[0]` (`tags.*.name` -> `tags[0].name`), else `[0]` after it (`labels[0]`).
    `tags.*.name[0]` would index each name, not the list."""
    parts = parse_path(name)
    if parts is None or "*" not in parts:
        return f"{name}[0]"
    at = len(parts) - 1 - parts[::-1].index("*")  # the innermost list
    out = ""
    for i, part in enumerate(parts):
        if isinstance(part, Select):
            out += f"[{part.key}={part.value}]"
        elif i == at:
            out += "[0]"
        elif part == "*" or _INT.fullmatch(part):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out

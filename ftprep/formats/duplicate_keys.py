"""Duplicate keys in one JSON object (`{"role": "user", "role": "assistant"}`).

Every JSON parser the services use keeps the last value of a repeated key and drops the
others without a word, so whatever was written first never reaches training. Finding
them needs a parse that sees every pair (the stdlib's `object_pairs_hook`, about 10 µs a
line), so a chat line goes through it only when a regex pass over its bytes says it may
hold one: more `"role":` (or `"content":`, `"weight":`, `"tool_calls":`) keys than it has
messages, or `"messages":` twice. Lines of other formats are always parsed. A duplicate of another
key inside a chat line (in a tool's parameter schema, say) is not looked for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

# Keys a chat line has at most once per message (and "messages" once): one regex pass
# lists them, at about a third of the cost of parsing the line. "name" is not counted:
# tool definitions and calls have names too, which would send every tool line down the
# slow path.
_TRAINED_KEYS = re.compile(rb'"(role|content|weight|tool_calls|messages)"\s*:')


def may_repeat_keys(raw: bytes, messages: int) -> bool:
    """False when this chat line with `messages` messages cannot repeat a key training
    reads (see the module docstring)."""
    keys = _TRAINED_KEYS.findall(raw)
    return (keys.count(b"role") > messages or keys.count(b"content") > messages
            or keys.count(b"messages") > 1 or keys.count(b"weight") > messages
            or keys.count(b"tool_calls") > messages)


class _Repeated(dict[str, Any]):
    """An object that had a key more than once: `repeated` names them, with the values
    that were dropped."""

    __slots__ = ("repeated",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.repeated: dict[str, list[Any]] = {}
        last = {key: i for i, (key, _) in enumerate(pairs)}
        for i, (key, value) in enumerate(pairs):
            if last[key] != i:  # the last one is kept
                self.repeated.setdefault(key, []).append(value)


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(pairs) > 1 and len({key for key, _ in pairs}) < len(pairs):
        return _Repeated(pairs)
    return dict(pairs)


def repeated_keys(text: str) -> list[tuple[str, str, list[Any]]]:
    """(JSON path of the object, key, the values dropped) for each key that occurs more
    than once in one object of `text`, in document order. [] for text that is not JSON."""
    try:
        obj = json.loads(text, object_pairs_hook=_pairs_hook)
    except (ValueError, RecursionError):
        return []
    return list(_walk(obj, "$"))


def shown(values: list[Any], width: int = 40) -> str:
    """The dropped values for a message: JSON, each cut to `width` characters."""
    out = []
    for value in values:
        text = " ".join(json.dumps(value, ensure_ascii=False).split())
        out.append(text if len(text) <= width else text[: width - 1] + "…")
    return ", ".join(out)


def _walk(value: Any, path: str) -> Iterator[tuple[str, str, list[Any]]]:
    if isinstance(value, dict):
        if isinstance(value, _Repeated):
            for key, dropped in value.repeated.items():
                yield path, key, dropped
        for key, item in value.items():
            if isinstance(item, dict | list):
                yield from _walk(item, f"{path}.{key}" if key.isidentifier() else
                                 f"{path}[{json.dumps(key)}]")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict | list):
                yield from _walk(item, f"{path}[{i}]")

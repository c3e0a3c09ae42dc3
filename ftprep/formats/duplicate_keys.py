"""Duplicate keys in one JSON object (`{"role": "user", "role": "assistant"}`).

RFC 8259 §4: names within an object SHOULD be unique; "many implementations report the
last name/value pair only", others fail or report all pairs. Python's json and
pydantic keep the last value, so whatever was written first never reaches ftprep's
checks, and what a service trains on is unpredictable.

Finding them needs a parse that sees every pair (the stdlib's `object_pairs_hook`, about
10 µs a line), so a line that validated goes through it only when a screen says it may
hold one: the keys written in its bytes outnumber the keys of the parsed record (a
repeated key is kept once). The screen is exact: it falls back to the parse whenever the
byte count could miss a key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ftprep.formats.errors import key_path

# A key written with whitespace before its colon (`"role" :`), which the byte count
# below does not see.
_SPACED_KEY = re.compile(rb'"\s+:')


def may_repeat_keys(raw: bytes, keys: int, plain_names: bool = False) -> bool:
    """False only when no object in the line `raw` has a key twice. `keys` is the
    number of keys of the line as parsed (`key_count`), where a repeated key is kept
    once; `plain_names` says every key is one of the schema's own names (so none ends
    in a backslash)."""
    # Outside strings `":` ends a key; inside a string a quote is escaped, `\":`.
    written = raw.count(b'":')
    if written > keys:
        escaped = raw.count(b'\\":')
        written -= escaped
        # A key ending in an escaped backslash (`\\":`) was subtracted too.
        if written == keys and escaped and not plain_names and b'\\\\":' in raw:
            return True
    if written != keys:
        return True
    return _SPACED_KEY.search(raw) is not None


def key_count(value: Any) -> int:
    """The number of keys of every object in a parsed JSON value (a loop, not recursion:
    a record may nest deeper than Python's recursion limit)."""
    n = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if item.__class__ is dict:
            n += len(item)
            item = item.values()
        stack.extend(v for v in item if v.__class__ is dict or v.__class__ is list)
    return n


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
        return list(_walk(json.loads(text, object_pairs_hook=_pairs_hook), "$"))
    except (ValueError, RecursionError):
        return []


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
                yield from _walk(item, key_path(path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict | list):
                yield from _walk(item, f"{path}[{i}]")

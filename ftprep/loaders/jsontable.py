"""JSON arrays of objects and JSONL, as rows for the tabular loader.

Parsed with orjson rather than pandas.read_json: pandas fails a whole chunk on one bad
JSONL line, while here each bad line becomes a bad row with its line number. A JSON array
is read whole (it cannot be streamed without a streaming parser); JSONL is streamed.
Encodings: a BOM names it; otherwise UTF-8, with a line (or a file) that is not UTF-8
read as cp1252 (Excel and Windows tools save JSON that way).

Columns are the union of the records' top-level keys over the whole file, so a key that
exporters leave out until some record has a value (`reply` on unanswered tickets) is still
a column: a JSON array is in memory anyway; JSONL is read twice, the first pass keeping
only the keys. A mapped name that is no key but a dotted path (`source.body`,
`comments.0.body`, see jsonpath) reads the value inside each record.

In the text and reply columns an empty list or object is empty, a list of strings is its
items one a line, and an object (or a list of objects) is no text: the row is rejected
as `nested-text`, with a path to suggest. A JSON file holding an object with one array of
objects in it (Zendesk's {"tickets": [...]}, Intercom's {"conversations": [...]}), or
one level down in an object of arrays alone (Help Scout's {"_embedded": {"conversations":
[...]}}), is read as that array.
"""

from __future__ import annotations

import json
import logging
import re
from itertools import islice, repeat
from typing import TYPE_CHECKING, Any

from ftprep.formats.duplicate_keys import key_count, may_repeat_keys, repeated_keys, shown
from ftprep.formats.errors import key_path
from ftprep.loaders.columns import ColumnMapping, LoaderError, header_key, resolve_columns
from ftprep.loaders.encoding import CP1252_BYTES, bom_encoding, check_encoding
from ftprep.loaders.jsonpath import MISSING, JsonPath, as_text, parse_path, value_at
from ftprep.loaders.rows import BadRow, Batch

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

    from ftprep.loaders.columns import Preset, ResolvedColumns

log = logging.getLogger(__name__)

# Records looked at to tell a file of objects from anything else.
HEAD_RECORDS = 1000
BATCH_ROWS = 10_000
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_source(
    path: Path, mapping: ColumnMapping | None, preset: Preset | None, *, lines: bool,
    encoding: str | None = None,
) -> tuple[ResolvedColumns, Iterator[Batch | BadRow]]:
    """The columns for each role (LoaderError when the mapping does not fit) and the
    file's rows in batches, bad records as BadRows, in file order."""
    if encoding is not None:
        check_encoding(path, encoding)
    keys = _Keys(*_mapped_paths(mapping, preset))
    if lines:
        screen = [True]
        items = _jsonl_items(path, encoding=encoding, screen=screen)
        head = list(islice(items, HEAD_RECORDS))
        _check_has_objects(path, head, lines=True)
        keys.add(head)
        screen[0] = False  # the key pass needs no duplicate-key screen: the data pass has it
        more = keys.add(items)  # the key pass: every later record, parsed and dropped
        last = head[-1][0] if head else 0
        source: Iterator[tuple[int, object]] = (
            _chain(head, _jsonl_items(path, after=last, quiet=True, encoding=encoding))
            if more else iter(head))
    else:
        records = list(enumerate(_array_records(path, encoding), start=1))
        _check_has_objects(path, records[:HEAD_RECORDS], lines=False)
        keys.add(records)
        source = iter(records)
    headers, paths = keys.columns(str(path))
    cols = resolve_columns(headers, mapping, preset=preset, file=str(path))
    return cols, _batches(cols, paths, keys.aliases(), source)


def _mapped_paths(mapping: ColumnMapping | None, preset: Preset | None
                  ) -> tuple[dict[str, JsonPath], set[str]]:
    """The names mapped to a role (by the user or the preset) that are dotted paths, and
    which of them are optional (a --user-template's `{via.channel}`: a file without it
    rejects its rows rather than stopping)."""
    base = preset.mapping if preset else ColumnMapping()
    chosen = mapping.overriding(base) if mapping else base
    names = [*(chosen.text or ()), chosen.label, chosen.reply, chosen.id, chosen.date,
             *chosen.fields, *chosen.optional_fields]
    paths = {name: p for name in names if name and (p := parse_path(name)) is not None}
    return paths, set(chosen.optional_fields) - set(chosen.fields)


class _Keys:
    """The top-level keys of the records (first spelling of each, ignoring case), and
    which of the mapped paths some record has a value at."""

    def __init__(self, paths: dict[str, JsonPath], optional: set[str] | None = None) -> None:
        self.optional = optional or set()
        self.seen: set[str] = set()
        self.spelling: dict[str, str] = {}
        self.pending = dict(paths)
        self.found: dict[str, JsonPath] = {}
        self.records = 0
        # A value of each top-level key, to say what a path that reads nothing missed.
        self.sample: dict[str, Any] = {}

    def add(self, items: Iterable[tuple[int, object]]) -> int:
        """Take the keys of these records; how many records there were."""
        seen, pending = self.seen, self.pending
        count = 0
        for _, value in items:
            count += 1
            if value.__class__ is not dict:
                continue
            assert isinstance(value, dict)
            if not seen.issuperset(value):
                for key in value:
                    if key not in seen:
                        seen.add(key)
                        self.spelling.setdefault(key.strip().casefold(), key)
                        self.sample[key] = value[key]
            if pending:
                for name, path in list(pending.items()):
                    if value_at(value, path) is not MISSING:
                        self.found[name] = pending.pop(name)
        self.records += count
        return count

    def columns(self, file: str) -> tuple[list[str], dict[str, JsonPath]]:
        """Every key, then each mapped path that names no key (and its segments)."""
        names = list(self.spelling.values())
        loose = {header_key(n) for n in names}

        def is_key(name: str) -> bool:
            return name.strip().casefold() in self.spelling or header_key(name) in loose

        for name in self.pending:
            if not is_key(name) and name not in self.optional:
                raise LoaderError(file, self._no_value(name))
        paths = {n: p for n, p in self.found.items() if not is_key(n)}
        return names + list(paths), paths

    def aliases(self) -> set[str]:
        """Keys spelled otherwise than the column they belong to (`Text` for `text`)."""
        return {key for key in self.seen if self.spelling[key.strip().casefold()] != key}

    def _no_value(self, name: str) -> str:
        first = parse_path(name)
        top = first[0] if first else name
        key = top if isinstance(top, str) else ""
        sample = self.sample.get(key, MISSING)
        if sample is MISSING:
            folded = {k.casefold(): v for k, v in self.sample.items()}
            sample = folded.get(key.casefold(), MISSING)
        if sample is MISSING:
            held = f"no record has a key {key!r}"
        elif isinstance(sample, dict):
            held = f"{key!r} holds an object with keys " + ", ".join(map(repr, list(sample)[:10]))
        elif isinstance(sample, list):
            inner = next((v for v in sample if isinstance(v, dict)), None)
            held = (f"{key!r} holds a list" + (" of objects with keys " + ", ".join(
                map(repr, list(inner)[:10])) + f" (index it: {key}.0.KEY)" if inner else ""))
        else:
            held = f"{key!r} holds {type(sample).__name__} values, with nothing inside"
        columns = ", ".join(map(repr, list(self.spelling.values())[:40]))
        return (f"no record of the {self.records} has a value at {name!r}: {held}. "
                f"Columns in the file: {columns}. Fix: name a path that exists, "
                "keys separated by dots, list items by number (comments.0.body).")


def _check_has_objects(path: Path, head: list[tuple[int, object]], *, lines: bool) -> None:
    """A LoaderError that names the real problem when no record is an object (an empty
    file would otherwise surface as "no text column" among no columns)."""
    if any(isinstance(value, dict) for _, value in head):
        return
    if not head:
        raise LoaderError(str(path), "the file is empty (no records)" if lines else
                          "the JSON array is empty (no records)")  # fmt: skip
    number, first = head[0]
    if lines and isinstance(first, list):
        raise LoaderError(str(path), f"line {number} is a JSON array, not an object: a file "
                          "holding one JSON array should be named .json")  # fmt: skip
    what = first.detail if isinstance(first, _Invalid) else _kind(first)
    raise LoaderError(str(path), f"none of the first {len(head)} records is a JSON object "
                      f"(record {number}: {what})")  # fmt: skip


def _chain(
    head: list[tuple[int, object]], rest: Iterator[tuple[int, object]]
) -> Iterator[tuple[int, object]]:
    yield from head
    yield from rest


class _Invalid:
    """A line that is not JSON, carried to the batcher as a value."""

    def __init__(self, detail: str, raw: str) -> None:
        self.detail = detail
        self.raw = raw


class _Repeats:
    """A record with a key twice in one object, carried to the batcher as a value: JSON
    readers keep the last value, so the record as parsed has lost the others (FT109 in
    validate). `raw` is the line as written, or for a JSON array the record as parsed."""

    def __init__(self, found: list[tuple[str, str, list[Any]]], raw: str | dict[str, Any],
                 record: dict[str, Any]) -> None:
        self.detail = "; ".join(
            f"key {json.dumps(key)} appears {len(dropped) + 1} times in one object ({where}); "
            f"JSON readers keep only the last value, so {shown(dropped)} was dropped: remove "
            "the extra key or rename it" for where, key, dropped in found)
        self.raw = raw
        self.record = record


def _screened(value: object, line: bytes | str) -> object:
    """The line's record, or _Repeats when it has a key twice: a byte count first (as
    validate does), the exact parse only when that says it may."""
    if value.__class__ is not dict:
        return value
    raw = line if isinstance(line, bytes) else line.encode("utf-8", "replace")
    if not may_repeat_keys(raw, key_count(value)):
        return value
    text = line.decode("utf-8", CP1252_BYTES) if isinstance(line, bytes) else line
    found = repeated_keys(text)
    assert isinstance(value, dict)
    return _Repeats(found, text.rstrip("\r\n"), value) if found else value


def _jsonl_items(path: Path, *, after: int = 0, quiet: bool = False,
                 encoding: str | None = None, screen: list[bool] | None = None,
                 ) -> Iterator[tuple[int, object]]:
    """(line number, value) of each non-blank line after line `after`; a record with a
    key twice is a _Repeats while `screen` (default: always) holds True."""
    warned = quiet
    for number, line in enumerate(_lines(path, encoding), start=1):
        if number <= after or not line.strip():
            continue
        value, recoded = _parse_line(line)
        if recoded and not warned:
            log.warning("%s: line %d (and maybe later ones) is not UTF-8: read as cp1252; if "
                        "letters look wrong, pass --encoding NAME", path, number)  # fmt: skip
            warned = True
        yield number, (_screened(value, line) if screen is None or screen[0] else value)


def _lines(path: Path, given: str | None = None) -> Iterator[bytes | str]:
    """The file's lines: bytes for UTF-8 (orjson reads them directly), else decoded (in
    the `given` encoding, --encoding, when there is one)."""
    with path.open("rb") as fh:
        encoding = given or bom_encoding(fh.read(4))
    if encoding in (None, "utf-8-sig"):
        with path.open("rb") as fh:
            if encoding:
                fh.read(3)
            yield from fh
    else:
        with path.open(encoding=encoding, errors="replace", newline="") as text:
            yield from text


def _parse_line(line: bytes | str) -> tuple[object, bool]:
    """The line's value (or _Invalid), and whether it had to be read as cp1252."""
    import orjson

    try:
        return orjson.loads(line), False
    except orjson.JSONDecodeError as exc:
        error = exc
    if isinstance(line, bytes) and not _is_utf8(line):
        text = line.decode("utf-8", CP1252_BYTES)
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            error = exc
        else:
            return value, True
    raw = line if isinstance(line, str) else line.decode("utf-8", "replace")
    return _Invalid(f"invalid JSON: {error}", raw.rstrip("\r\n")[:2000]), False


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _array_text(path: Path, given: str | None = None) -> bytes | str:
    """The file as orjson takes it: UTF-8 bytes as they are, anything else decoded (in
    the `given` encoding, --encoding, when there is one)."""
    data = path.read_bytes()
    encoding = given or bom_encoding(data[:4])
    if encoding == "utf-8-sig":
        data = data[3:]
    elif encoding is not None:
        return data.decode(encoding, "replace")
    if not data.strip():
        raise LoaderError(str(path), "the file is empty (no JSON array)")
    if not _is_utf8(data):
        log.warning("%s: not UTF-8: the bytes that are not were read as cp1252; if letters "
                    "look wrong, pass --encoding NAME", path)
        return data.decode("utf-8", CP1252_BYTES)
    return data


def _array_records(path: Path, encoding: str | None = None) -> list[object]:
    import orjson

    data = _array_text(path, encoding)
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        lined = "}\n{" in data if isinstance(data, str) else b"}\n{" in data
        hint = " (one object per line? name the file .jsonl)" if lined else ""
        raise LoaderError(str(path), f"invalid JSON: {exc}{hint}") from None
    if isinstance(parsed, dict):
        records, where = _wrapped_records(path, parsed)
    elif isinstance(parsed, list):
        records, where = parsed, ()
    else:
        raise LoaderError(str(path), f"expected a JSON array of objects, found {_kind(parsed)}")
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "replace")
    if may_repeat_keys(raw, key_count(parsed)):  # the exact parse only when this fires
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return _mark_repeats(records, where, repeated_keys(text))
    return records


def _mark_repeats(records: list[object], where: tuple[str, ...],
                  found: list[tuple[str, str, list[Any]]]) -> list[object]:
    """The records, each with a key twice (`found`, paths from the file's top) as a
    _Repeats; a key twice outside the records (in the wrapper) is no record's concern."""
    base = "$"
    for key in where:
        base = key_path(base, key)
    inside = re.compile(re.escape(base) + r"\[(\d+)\](.*)")
    by_record: dict[int, list[tuple[str, str, list[Any]]]] = {}
    for at, key, dropped in found:
        if m := inside.fullmatch(at):
            by_record.setdefault(int(m.group(1)), []).append(("$" + m.group(2), key, dropped))
    out = list(records)
    for i, repeats in by_record.items():
        record = out[i]
        if isinstance(record, dict):
            out[i] = _Repeats(repeats, record, record)
    return out


def _wrapped_records(path: Path, parsed: dict[str, Any]
                     ) -> tuple[list[object], tuple[str, ...]]:
    """The records of an API export that wraps them in an object ({"tickets": [...],
    "next_page": ...}): the one key holding an array of objects; else the one such array
    one level down in an object that holds only arrays (HAL's `_embedded`, as in Help
    Scout's {"_embedded": {"conversations": [...]}, "page": {...}}). An object with
    scalars beside its array is a record (a single ticket and its custom fields), not a
    wrapper."""
    found = _object_arrays(parsed)
    top = [(k, v) for k, v in found if len(k) == 1]
    inner = [(k, v) for k, v in found if len(k) == 2
             and all(isinstance(x, list) for x in parsed[k[0]].values())]  # fmt: skip
    chosen = top if top else inner
    if len(chosen) == 1:
        [(where, records)] = chosen
        log.warning("%s: the file holds an object, not an array: reading the %d record%s "
                    "under %s%r", path, len(records), "" if len(records) == 1 else "s",
                    "its key " if len(where) == 1 else "", ".".join(where))  # fmt: skip
        return records, where
    keys = ", ".join(map(repr, list(parsed)[:20]))
    named = chosen or found
    held = ", ".join(f"{'.'.join(k)!r} ({len(v)} items)" for k, v in named[:10])
    extract = (f"write the one you want to a file of its own, e.g. jq '{_jq(named[0][0])}' "
               f"{path.name} > records.json, and convert that") if named else ""
    if not chosen:
        inside = (f"; arrays of objects further down: {held}. Fix: if one of them holds the "
                  f"records, {extract}; or wrap a single record in [ ]") if found else (
            ". Fix: convert a file holding an array of records, or wrap a single record "
            "in [ ]")
        raise LoaderError(str(path), f"expected a JSON array of objects, found an object "
                          f"(keys {keys}) with no array of objects in it{inside}")  # fmt: skip
    raise LoaderError(str(path), f"the file holds an object in which several keys hold arrays "
                      f"of objects: {held}, so which are the records is unclear. Fix: "
                      f"{extract}")  # fmt: skip


def _object_arrays(value: dict[str, Any], depth: int = 3, above: tuple[str, ...] = ()
                   ) -> list[tuple[tuple[str, ...], list[Any]]]:
    """(keys, array) of each array of objects in `value`, `depth` levels down at most,
    an array's own items not searched."""
    out: list[tuple[tuple[str, ...], list[Any]]] = []
    for key, item in value.items():
        if isinstance(item, list) and any(isinstance(x, dict) for x in item):
            out.append(((*above, key), item))
    for key, item in value.items():
        if isinstance(item, dict) and depth > 1:
            out.extend(_object_arrays(item, depth - 1, (*above, key)))
    return out


def _jq(keys: tuple[str, ...]) -> str:
    """A jq path to the keys: `._embedded.conversations`, `.["odd key"]`."""
    return "".join(f".{k}" if _IDENTIFIER.fullmatch(k) else f'.["{k}"]' for k in keys)


def _batches(cols: ResolvedColumns, paths: dict[str, JsonPath], aliases: set[str],
             items: Iterator[tuple[int, object]]) -> Iterator[Batch | BadRow]:
    """The used columns' values in batches, bad records between them, in file order.
    `aliases` are keys spelled otherwise than their column (`Text` for `text`)."""
    names = cols.used()
    paths = {name: path for name, path in paths.items() if name in names}
    plain = [name for name in names if name not in paths]
    # Columns whose lists and objects are text (or not), each with its option for hints.
    texts = {name: "--text" for name in cols.text}
    if cols.reply and cols.reply not in texts:
        texts[cols.reply] = "--reply"
    spelling = {name.strip().casefold(): name for name in plain}  # the header's spelling

    def record_id(record: dict[str, Any]) -> object:
        """The id of a record rejected whole (its key or path, as the id column reads)."""
        if cols.id is None:
            return None
        if cols.id in paths:
            found = value_at(record, paths[cols.id])
        else:
            found = _by_header(record, spelling).get(cols.id, MISSING)
        return None if found is MISSING else found

    def batch(rows: list[tuple[int, dict[str, Any]]]) -> Iterator[Batch | BadRow]:
        numbers = [number for number, _ in rows]
        records = [record for _, record in rows]
        keyed = records
        if aliases:
            keyed = [r if aliases.isdisjoint(r) else _by_header(r, spelling) for r in records]
        # A column at a time: a comprehension per column costs far less than a loop per row.
        columns = {name: list(map(dict.get, keyed, repeat(name))) for name in plain}
        for name, path in paths.items():
            columns[name] = [None if (v := value_at(r, path)) is MISSING else v for r in records]
        problems: dict[int, str] = {}
        for name, values in columns.items():
            kinds = set(map(type, values))
            if list in kinds or dict in kinds:
                _flatten(values, name, texts.get(name), problems)
        whole = Batch(numbers, columns, record=records.__getitem__, as_read=True)
        ids = columns.get(cols.id) if cols.id else None
        start = 0
        for i in sorted(problems):
            if i > start:
                yield whole.slice(start, i)
            # An object where text belongs: its own reason, not a malformed row.
            # The record itself as raw (its id, its keys), like every other reject.
            yield BadRow(numbers[i], problems[i], records[i], reason="nested-text",
                         record_id=ids[i] if ids else None)
            start = i + 1
        if start < len(numbers):
            yield whole.slice(start, len(numbers)) if start else whole

    rows: list[tuple[int, dict[str, Any]]] = []
    for number, value in items:
        if value.__class__ is dict:
            rows.append((number, value))
            if len(rows) >= BATCH_ROWS:
                yield from batch(rows)
                rows = []
            continue
        if rows:
            yield from batch(rows)  # keep the output in row order
            rows = []
        if isinstance(value, _Invalid):
            yield BadRow(number, value.detail, value.raw)
        elif isinstance(value, _Repeats):
            yield BadRow(number, value.detail, value.raw, reason="duplicate-key",
                         record_id=record_id(value.record))
        else:
            yield BadRow(number, f"not a JSON object: {_kind(value)}", _json(value))
    if rows:
        yield from batch(rows)


def _flatten(values: list[Any], name: str, option: str | None, problems: dict[int, str]) -> None:
    """The lists and objects of a column, in place: in a text column (`option` is its
    command-line option) as jsonpath.as_text says, adding to `problems` (row -> why) what
    is not text; elsewhere only empty ones, which become no value."""
    for i, value in enumerate(values):
        if value.__class__ is list or value.__class__ is dict:
            if option is None:
                values[i] = value or None
                continue
            values[i], problem = as_text(value, name, option)
            if problem and i not in problems:
                problems[i] = problem


def _kind(value: object) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def _json(value: object) -> str:
    """A non-object record as JSON text for its reject (`null`, not Python's `None`)."""
    import orjson

    return orjson.dumps(value).decode()[:2000]


def _by_header(value: dict[str, object], spelling: dict[str, str]) -> dict[str, object]:
    """The record keyed by the header spelling of each key (`Text` for `text`)."""
    return {spelling.get(str(k).strip().casefold(), str(k)): v for k, v in value.items()}

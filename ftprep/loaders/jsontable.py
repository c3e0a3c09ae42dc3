"""JSON arrays of objects and JSONL, as rows for the tabular loader.

Parsed with orjson rather than pandas.read_json: pandas fails a whole chunk on one bad
JSONL line, while here each bad line becomes a bad row with its line number. A JSON array
is read whole (it cannot be streamed without a streaming parser); JSONL is streamed.
Encodings: a BOM names it; otherwise UTF-8, with a line (or a file) that is not UTF-8
read as cp1252 (Excel and Windows tools save JSON that way).
"""

from __future__ import annotations

import logging
from itertools import islice
from typing import TYPE_CHECKING

from ftprep.loaders.columns import LoaderError
from ftprep.loaders.csvread import CP1252_BYTES, BadRow, Batch, bom_encoding

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

log = logging.getLogger(__name__)

# Headers are the union of the keys of the first records (later keys are ignored).
HEADER_RECORDS = 1000
BATCH_ROWS = 10_000


def json_records(path: Path, *, lines: bool) -> tuple[list[str], Iterator[Batch | BadRow]]:
    items = _jsonl_items(path) if lines else _array_items(path)
    head = list(islice(items, HEADER_RECORDS))
    _check_has_objects(path, head, lines=lines)
    # Keys are matched case-insensitively, as CSV headers are: the first spelling names them.
    headers: dict[str, str] = {}
    for _, value in head:
        if isinstance(value, dict):
            for key in value:
                headers.setdefault(str(key).strip().casefold(), str(key))
    names = list(headers.values())
    return names, _batches(names, _chain(head, items))


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


def _jsonl_items(path: Path) -> Iterator[tuple[int, object]]:
    warned = False
    for number, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        value, recoded = _parse_line(line)
        if recoded and not warned:
            log.warning("%s: line %d (and maybe later ones) is not UTF-8: read as cp1252",
                        path, number)  # fmt: skip
            warned = True
        yield number, value


def _lines(path: Path) -> Iterator[bytes | str]:
    """The file's lines: bytes for UTF-8 (orjson reads them directly), else decoded."""
    with path.open("rb") as fh:
        encoding = bom_encoding(fh.read(4))
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


def _array_text(path: Path) -> bytes | str:
    """The file as orjson takes it: UTF-8 bytes as they are, anything else decoded."""
    data = path.read_bytes()
    encoding = bom_encoding(data[:4])
    if encoding == "utf-8-sig":
        data = data[3:]
    elif encoding is not None:
        return data.decode(encoding, "replace")
    if not data.strip():
        raise LoaderError(str(path), "the file is empty (no JSON array)")
    if not _is_utf8(data):
        log.warning("%s: not UTF-8: the bytes that are not were read as cp1252", path)
        return data.decode("utf-8", CP1252_BYTES)
    return data


def _array_items(path: Path) -> Iterator[tuple[int, object]]:
    import orjson

    data = _array_text(path)
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        lined = "}\n{" in data if isinstance(data, str) else b"}\n{" in data
        hint = " (one object per line? name the file .jsonl)" if lined else ""
        raise LoaderError(str(path), f"invalid JSON: {exc}{hint}") from None
    if not isinstance(parsed, list):
        raise LoaderError(
            str(path), f"expected a JSON array of objects, found a {type(parsed).__name__}"
        )
    return enumerate(parsed, start=1)


def _batches(names: list[str], items: Iterator[tuple[int, object]]) -> Iterator[Batch | BadRow]:
    spelling = {name.strip().casefold(): name for name in names}  # the header's spelling
    batch, records = _new_batch(names)
    for number, value in items:
        if not isinstance(value, dict) and batch.rows:
            yield batch  # keep the output in row order
            batch, records = _new_batch(names)
        if isinstance(value, _Invalid):
            yield BadRow(number, value.detail, value.raw)
        elif not isinstance(value, dict):
            yield BadRow(number, f"not a JSON object: {_kind(value)}", _json(value))
        else:
            assert isinstance(batch.rows, list)
            batch.rows.append(number)
            records.append(value)
            if any(name not in value for name in names):
                value = _by_header(value, spelling)
            for name in names:
                batch.columns[name].append(value.get(name))
            if len(batch.rows) >= BATCH_ROWS:
                yield batch
                batch, records = _new_batch(names)
    if batch.rows:
        yield batch


def _kind(value: object) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def _json(value: object) -> str:
    """A non-object record as JSON text for its reject (`null`, not Python's `None`)."""
    import orjson

    return orjson.dumps(value).decode()[:2000]


def _new_batch(names: list[str]) -> tuple[Batch, list[dict[str, object]]]:
    """An empty batch and the list its whole records go in (for Batch.record)."""
    records: list[dict[str, object]] = []
    return Batch([], {name: [] for name in names}, record=records.__getitem__), records


def _by_header(value: dict[str, object], spelling: dict[str, str]) -> dict[str, object]:
    """The record keyed by the header spelling of each key (`Text` for `text`)."""
    return {spelling.get(str(k).strip().casefold(), str(k)): v for k, v in value.items()}

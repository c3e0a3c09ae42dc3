"""JSON arrays of objects and JSONL, as rows for the tabular loader.

Parsed with orjson rather than pandas.read_json: pandas fails a whole chunk on one bad
JSONL line, while here each bad line becomes a bad row with its line number. A JSON array
is read whole (it cannot be streamed without a streaming parser); JSONL is streamed.
"""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING

from ftprep.loaders.columns import LoaderError
from ftprep.loaders.csvread import BadRow, Batch

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# Headers are the union of the keys of the first records (later keys are ignored).
HEADER_RECORDS = 1000
BATCH_ROWS = 10_000


def json_records(path: Path, *, lines: bool) -> tuple[list[str], Iterator[Batch | BadRow]]:
    items = _jsonl_items(path) if lines else _array_items(path)
    head = list(islice(items, HEADER_RECORDS))
    # Keys are matched case-insensitively, as CSV headers are: the first spelling names them.
    headers: dict[str, str] = {}
    for _, value in head:
        if isinstance(value, dict):
            for key in value:
                headers.setdefault(str(key).strip().casefold(), str(key))
    names = list(headers.values())
    return names, _batches(names, _chain(head, items))


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
    import orjson

    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line.strip():
                continue
            try:
                yield number, orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raw = line.decode("utf-8", "replace").rstrip("\r\n")
                yield number, _Invalid(f"invalid JSON: {exc}", raw[:2000])


def _array_items(path: Path) -> Iterator[tuple[int, object]]:
    import orjson

    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        hint = " (one object per line? name the file .jsonl)" if b"}\n{" in data else ""
        raise LoaderError(str(path), f"invalid JSON: {exc}{hint}") from None
    if not isinstance(parsed, list):
        raise LoaderError(
            str(path), f"expected a JSON array of objects, found a {type(parsed).__name__}"
        )
    return enumerate(parsed, start=1)


def _batches(names: list[str], items: Iterator[tuple[int, object]]) -> Iterator[Batch | BadRow]:
    batch, records = _new_batch(names)
    for number, value in items:
        if not isinstance(value, dict) and batch.rows:
            yield batch  # keep the output in row order
            batch, records = _new_batch(names)
        if isinstance(value, _Invalid):
            yield BadRow(number, value.detail, value.raw)
        elif not isinstance(value, dict):
            yield BadRow(number, f"not a JSON object: {type(value).__name__}", str(value)[:2000])
        else:
            assert isinstance(batch.rows, list)
            batch.rows.append(number)
            records.append(value)
            if any(name not in value for name in names):
                value = _by_header(value, names)
            for name in names:
                batch.columns[name].append(value.get(name))
            if len(batch.rows) >= BATCH_ROWS:
                yield batch
                batch, records = _new_batch(names)
    if batch.rows:
        yield batch


def _new_batch(names: list[str]) -> tuple[Batch, list[dict[str, object]]]:
    """An empty batch and the list its whole records go in (for Batch.record)."""
    records: list[dict[str, object]] = []
    return Batch([], {name: [] for name in names}, record=records.__getitem__), records


def _by_header(value: dict[str, object], names: list[str]) -> dict[str, object]:
    """The record keyed by the header spelling of each key (`Text` for `text`)."""
    spelling = {name.strip().casefold(): name for name in names}
    return {spelling.get(str(k).strip().casefold(), str(k)): v for k, v in value.items()}

"""Parquet files as rows for the tabular loader, through pyarrow in record batches.

Cells come out as Python values; text cells that are not valid UTF-8 (in a string column
written by a lax producer, or a binary column) make their row a bad row naming the
column, rather than failing the file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ftprep.loaders.columns import LoaderError
from ftprep.loaders.rows import BadRow, Batch

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path


def parquet_file(path: Path) -> Any:
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError:
        raise LoaderError(str(path), "reading Parquet needs pyarrow: pip install pyarrow") from None
    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow.ArrowInvalid and OSError for a broken file
        raise LoaderError(str(path), f"cannot read Parquet file: {exc}") from None


def parquet_batches(pfile: Any, names: list[str], chunk_rows: int) -> Iterator[Batch | BadRow]:
    start = 1
    # Every column is read, not only `names`: a row is blank only if all its cells are.
    for record_batch in pfile.iter_batches(batch_size=chunk_rows):
        n = record_batch.num_rows
        bad: dict[int, str] = {}
        values = {name: _column(record_batch.column(name), name, bad) for name in names}
        batch = Batch(range(start, start + n), values, record=_arrow_row(record_batch))
        yield from _split_out(batch, bad)
        start += n


def json_default(value: object) -> object:
    """orjson's fallback for nested Arrow values: Decimal as its digits, bytes as text."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _column(array: Any, name: str, bad: dict[int, str]) -> list[object]:
    """The column as Python values, text decoded; rows with invalid UTF-8 go in `bad`."""
    import pyarrow as pa

    kind = array.type
    try:
        values: list[object] = array.to_pylist()
        binary = pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or (
            pa.types.is_fixed_size_binary(kind))  # fmt: skip
    except UnicodeDecodeError:  # a string column holding bytes that are not UTF-8
        values, binary = _as_bytes(array), True
    if not binary:
        return values
    return [_decoded(v, i, name, bad) if isinstance(v, bytes) else v for i, v in enumerate(values)]


def _as_bytes(array: Any) -> list[object]:
    import pyarrow as pa

    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    values: list[object] = array.cast(pa.large_binary()).to_pylist()
    return values


def _decoded(value: bytes, i: int, name: str, bad: dict[int, str]) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad.setdefault(i, f"column {name!r} is not valid UTF-8 (byte {exc.start} of the cell):"
                          " re-encode that text as UTF-8")  # fmt: skip
        return value.decode("utf-8", "replace")


def _split_out(batch: Batch, bad: dict[int, str]) -> Iterator[Batch | BadRow]:
    """The batch with the `bad` rows taken out as bad rows, in row order."""
    import orjson

    start = 0
    for i in sorted(bad):
        if i > start:
            yield batch.slice(start, i)
        raw = {name: values[i] for name, values in batch.columns.items()}
        yield BadRow(batch.rows[i], bad[i], orjson.dumps(raw, default=json_default).decode())
        start = i + 1
    if start < len(batch.rows):
        yield batch.slice(start, len(batch.rows)) if start else batch


def _arrow_row(record_batch: Any) -> Callable[[int], dict[str, object]]:
    names = record_batch.schema.names

    def record(i: int) -> dict[str, object]:
        return {name: _cell(record_batch.column(k), i) for k, name in enumerate(names)}

    return record


def _cell(array: Any, i: int) -> object:
    try:
        return array[i].as_py()
    except UnicodeDecodeError:
        return _as_bytes(array.slice(i, 1))[0]

"""What a table reader yields: runs of good rows as columns (Batch) and the rows that
cannot be examples, with why (BadRow). Shared by the CSV, Excel, Parquet and JSON readers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


@dataclass(slots=True)
class Batch:
    """Consecutive good rows: their data row numbers and values per column."""

    rows: Sequence[int]
    columns: dict[str, list[object]]
    # Every value is already a str (pandas string columns): no per-cell type checks.
    strings: bool = False
    # Row i with every column of the file, not only the used ones: what a reject of
    # that row shows as its raw record.
    record: Callable[[int], dict[str, object]] | None = None
    # `record` gives the record as read, at no cost (a JSON object): every reject of
    # the batch carries it whole, not only its used columns.
    as_read: bool = False

    def slice(self, lo: int, hi: int) -> Batch:
        whole = self.record
        columns = {name: values[lo:hi] for name, values in self.columns.items()}
        record = None if whole is None else (lambda i: whole(i + lo))
        return Batch(self.rows[lo:hi], columns, self.strings, record, self.as_read)


@dataclass(slots=True)
class BadRow:
    row: int
    detail: str
    raw: str | dict[str, Any] | None = None
    reason: str = "malformed-row"
    # The id column's value, when the reader has it (a JSON record's id at a path).
    record_id: object = None

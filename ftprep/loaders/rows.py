"""What a table reader yields: runs of good rows as columns (Batch) and the rows that
cannot be examples, with why (BadRow). Shared by the CSV, Excel, Parquet and JSON readers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

# Cells read one by one before the rest of the column is read whole.
_CELL_READS = 256


class Cells(Sequence[str]):
    """A text column (Arrow strings, none missing) whose cells become Python strings
    only where read: one by one for the first few reads, then the whole column at once.
    For the columns convert reads only for a few rows (a reject's id and date, a reply
    it does not write), where making a str of every cell costs ~1 us a row of 10."""

    __slots__ = ("_array", "_hi", "_lo", "_reads", "_strip", "_whole")

    def __init__(self, array: Any, lo: int = 0, hi: int | None = None, *,
                 strip: bool = False) -> None:
        self._array = array
        self._lo = lo
        self._hi = len(array) if hi is None else hi
        self._strip = strip
        self._whole: list[str] | None = None
        self._reads = 0

    def stripped(self) -> Cells:
        """The same cells, each str.strip()ped when read."""
        return Cells(self._array, self._lo, self._hi, strip=True)

    def __len__(self) -> int:
        return self._hi - self._lo

    @overload
    def __getitem__(self, key: int) -> str: ...
    @overload
    def __getitem__(self, key: slice) -> Sequence[str]: ...
    def __getitem__(self, key: int | slice) -> str | Sequence[str]:
        if isinstance(key, slice):
            lo, hi, step = key.indices(len(self))
            if self._whole is not None or step != 1:
                return list(self)[key] if self._whole is None else self._whole[key]
            return Cells(self._array, self._lo + lo, self._lo + max(lo, hi), strip=self._strip)
        if self._whole is None:
            self._reads += 1
            if self._reads <= _CELL_READS:
                at = range(self._lo, self._hi)[key]  # IndexError as a list gives it
                value: str = self._array[at].as_py()
                return value.strip() if self._strip else value
            self._read_whole()
        assert self._whole is not None
        return self._whole[key]

    def __iter__(self) -> Iterator[str]:
        if self._whole is None:
            self._read_whole()
        assert self._whole is not None
        return iter(self._whole)

    def _read_whole(self) -> None:
        part = self._array.slice(self._lo, len(self))
        values: list[str] = part.to_numpy(zero_copy_only=False).tolist()
        self._whole = list(map(str.strip, values)) if self._strip else values


@dataclass(slots=True)
class Batch:
    """Consecutive good rows: their data row numbers and values per column."""

    rows: Sequence[int]
    columns: Mapping[str, Sequence[object]]
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

"""CSV and TSV reading: a chunked parse that never loses a row (the delimiter and the
header line are ftprep.loaders.csvhead's, the encoding ftprep.loaders.encoding's; the rows
it yields, ftprep.loaders.rows').

The fast path is pandas' C parser in chunks, so memory stays flat however large the file.
Three things it cannot do alone are handled around it, by re-reading only what is needed:

- rows whose field count differs from the header's: the C parser skips a too-wide row
  (with a warning naming it) and pads a short one. Cheap tests on each chunk pick the rows
  that may be either (a warning, an empty last column) and the values that may hold rows
  a stray quote swallowed; only those records are read again with the stdlib `csv` module
  (`_Records`, same dialect and record boundaries), and each that does not fit becomes a
  malformed-row bad row with its raw text (`_judge`). This stands in for the python
  engine's on_bad_lines callback, which would make every file 5-10x slower;
- a parse error or a stray quote (a quote swallowing the lines after it): the rows from
  there on are re-read with `csv`; the line where the quote opens becomes a bad row and
  the lines after it are read again, so nothing after it is lost (the python engine
  would drop the record silently, and the rest of the file with it);
- a column that pandas inferred as numbers (numeric ids, or a chunk of numeric-looking
  texts): the chunk is read again with that column as str, so "007" stays "007" (see
  `_Chunks`). Values are never NA: `na_filter=False` keeps "NA", "None" and "" as text.

Row numbers are 1-based data records: the header is record 0, blank lines count as records
(and are skipped later), and a quoted field with embedded newlines is one record. For a
file without embedded newlines, data row N is file line N + 1.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
import re
import warnings
from typing import TYPE_CHECKING, Any, cast

from ftprep.loaders.columns import LoaderError
from ftprep.loaders.csvhead import FIELD_LIMIT, lines_before_header, skip_lines
from ftprep.loaders.encoding import ENCODING_FIX, Encoding
from ftprep.loaders.rows import BadRow, Batch, Cells

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
    from pathlib import Path


log = logging.getLogger(__name__)
# The column a data row's field past the header's goes in (a trailing delimiter).
_EXTRA = "\x00past the header"
_SKIPPING = re.compile(r"Skipping line (\d+): (.*)")


def read_header(path: Path, enc: Encoding, delimiter: str, skip: int | None = None) -> list[str]:
    """The header's names; `skip` lines above it (locate_header_row's), else the blank ones."""
    import pandas as pd

    if skip is None:
        skip = lines_before_header(path, enc)

    try:
        frame = pd.read_csv(
            path, sep=delimiter, encoding=enc.name, encoding_errors=enc.errors, nrows=0,
            dtype=str, na_filter=False, skiprows=skip,
        )  # fmt: skip
    except pd.errors.EmptyDataError:
        raise LoaderError(str(path), "the file is empty (no header row)") from None
    except pd.errors.ParserError:
        # A quote that never closes further down makes pandas fail even on nrows=0:
        # read the header line alone (the rows are recovered by _recover).
        frame = _header_line_only(path, enc, delimiter, skip)
    except UnicodeDecodeError as exc:
        raise LoaderError(str(path), f"not valid {enc.name} ({exc.reason}): {ENCODING_FIX}"
                          ) from None  # fmt: skip
    except ValueError as exc:
        raise LoaderError(str(path), f"cannot read the header row: {exc}") from None
    return [str(c) for c in frame.columns]


def _header_line_only(path: Path, enc: Encoding, delimiter: str, skip: int) -> Any:
    import pandas as pd

    with path.open(encoding=enc.name, errors=enc.errors, newline="") as fh:
        skip_lines(fh, skip)
        first = fh.readline()
    try:
        return pd.read_csv(io.StringIO(first), sep=delimiter, nrows=0, dtype=str,
                           na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise LoaderError(str(path), f"cannot read the header row: {exc}") from None


class _Records:
    """The stdlib csv reader over the file, in step with pandas' record numbering and
    advanced only as far as asked: the fields and the lines of the few records the C
    parser cannot judge (too wide, maybe short, maybe a stray quote's doing)."""

    def __init__(self, path: Path, enc: Encoding, delimiter: str, skip: int) -> None:
        csv.field_size_limit(FIELD_LIMIT)
        self.file, self.encoding = str(path), enc.name
        self.fh = path.open(encoding=enc.name, errors=enc.errors, newline="")
        skip_lines(self.fh, skip)
        self.taken: list[str] = []
        self.reader = csv.reader(self._feed(), delimiter=delimiter)
        self.row = -1  # the header is record 0
        self.last: tuple[list[str], str] | None = None
        self.header_lines = 0
        if self.get(0) is not None:
            self.header_lines = len(self.taken)

    def _feed(self) -> Iterator[str]:
        for line in self.fh:
            self.taken.append(line)
            yield line

    def get(self, row: int) -> tuple[list[str], str] | None:
        """(fields, text) of data row `row`; rows must be asked in increasing order."""
        while self.row < row:
            self.taken.clear()
            try:
                fields = next(self.reader, None)
            except csv.Error:
                fields = None
            except UnicodeDecodeError as exc:
                raise LoaderError(self.file, f"not valid {self.encoding} ({exc.reason}): "
                                  + ENCODING_FIX) from None
            if fields is None:
                self.row, self.last = row, None
                break
            self.row += 1
            self.last = (fields, "".join(self.taken))
        return self.last

    def close(self) -> None:
        self.fh.close()


def misfit(fields: list[str], width: int) -> str | None:
    """Why a record does not fit the header, or None. A trailing empty field (a
    delimiter at the end of the line, which several exporters write) is not a misfit,
    nor a record of empty fields only (a blank line)."""
    count = len(fields)
    if count == width or (count == width + 1 and fields[-1] == "") or not any(fields):
        return None
    why = ("an unquoted delimiter inside a value? quote that value" if count > width else
           "a missing delimiter, or a value cut short? complete the row")  # fmt: skip
    return f"malformed row: expected {width} fields, saw {count} (the header has {width}): {why}"


def _swallows(raw: str, delimiter: str, width: int) -> bool:
    """Whether a record spanning several lines is a stray quote's doing: a quote opens a
    value and a quote on a later line closes it, and each line in between, taken alone,
    is a row of the file (the header's number of delimiters). The closing quote must also
    be out of place (not followed by a delimiter or the line end, which a well-formed
    file always has): the rule then needs two coincidences to take a real multi-line
    value for swallowed rows (a table pasted into a cell has a row's delimiters on
    every line, in TSV as in CSV)."""
    lines = raw.rstrip("\r\n").split("\n")
    if width < 2 or len(lines) < 2 or not all(_row_like(ln, delimiter, width) for ln in lines):
        return False
    return "expected after" in _strict_error(raw, delimiter)


def _row_like(line: str, delimiter: str, width: int) -> bool:
    line = line.rstrip("\r")
    count = line.count(delimiter)
    return count == width - 1 or (count == width and line.endswith(delimiter))


def _value_swallows(value: str, column: int, delimiter: str, width: int) -> bool:
    """The cheap test for _swallows, on a parsed value alone: the lines a stray quote in
    column `column` swallows leave the value with the rest of the first line (the
    remaining delimiters), whole rows, then the start of the last line up to that column."""
    lines = value.split("\n")
    if len(lines) < 2 or lines[-1].count(delimiter) != column:
        return False
    rest = lines[0].count(delimiter) + column
    return rest in (width - 1, width) and all(_row_like(ln, delimiter, width)
                                              for ln in lines[1:-1])  # fmt: skip


def _suspects(columns: Sequence[Any], delimiter: str) -> list[int]:
    """Positions of the rows in a chunk (its columns) whose values may hold lines a stray quote
    swallowed (_value_swallows). One scan per column picks the few values to test: in
    CSV those holding a quote character, which the closing quote of such a value leaves
    in it (`Crash on "Save"` -> `...Crash on Save"`), and which a well-formed file writes
    only doubled, in text that quotes something; in TSV, where values seldom span
    lines, those with a line break."""
    from pandas.api.types import is_string_dtype

    needle = "\n" if delimiter == "\t" else '"'
    found: set[int] = set()
    width = len(columns)
    for column, series in enumerate(columns):
        if is_string_dtype(series.dtype):
            found.update(_swallowing(series, column, needle, delimiter, width))
    return sorted(found)


def _swallowing(
    series: Any, column: int, needle: str, delimiter: str, width: int
) -> Iterator[int]:
    """Positions of the values of a string column that hold `needle` and pass
    _value_swallows. On Arrow storage the search runs over the column's one data buffer
    in one vectorised compare (Arrow's own per-value search is ten times slower), and
    each value found is first tested on its bytes (its last line's delimiters, then its first
    line's), so few are ever decoded."""
    to_arrow = getattr(series.array, "__arrow_array__", None)
    if to_arrow is None:
        for i, v in enumerate(series.tolist()):
            if isinstance(v, str) and needle in v and _value_swallows(v, column, delimiter, width):
                yield i
        return
    import numpy as np

    target, sep = needle.encode(), delimiter.encode()
    base = 0
    for part in to_arrow().chunks:
        kind = np.int64 if str(part.type).startswith("large") else np.int32
        buffers = part.buffers()
        offsets = np.frombuffer(buffers[1], kind)[part.offset : part.offset + len(part) + 1]
        if buffers[2] is None or offsets[-1] == offsets[0]:
            base += len(part)
            continue
        view = memoryview(buffers[2])
        hits = _positions(view[offsets[0] : offsets[-1]], target) + offsets[0]
        rows = np.unique(np.searchsorted(offsets, hits, "right") - 1)
        for i, lo, hi in zip(rows.tolist(), offsets[rows].tolist(),
                             offsets[rows + 1].tolist(), strict=True):  # fmt: skip
            value = bytes(view[lo:hi])
            first, last = value.find(b"\n"), value.rfind(b"\n")
            if (first >= 0 and value.count(sep, last) == column
                    and value.count(sep, 0, first) + column in (width - 1, width)
                    and _value_swallows(value.decode(), column, delimiter, width)):  # fmt: skip
                yield base + i
        base += len(part)


def _positions(data: memoryview, byte: bytes, most: int = 1000) -> Any:
    """Where `byte` is in `data`, a numpy array: memchr (bytes.find) on a copy while the
    hits are few, as they are for a quote in most text columns; one vectorised compare
    when they turn out many."""
    import numpy as np

    copy = bytes(data)
    found: list[int] = []
    at = copy.find(byte)
    while at >= 0:
        if len(found) == most:
            return np.flatnonzero(np.frombuffer(copy, np.uint8) == byte[0])
        found.append(at)
        at = copy.find(byte, at + 1)
    return np.array(found, np.int64)


class _Chunks:
    """pandas' chunked C reader that can re-read a chunk with more columns as str.

    Columns are type-inferred (fast: explicit `dtype=str` makes the C parser intern every
    value, three times slower on long text). A column that comes back non-string
    (numeric ids, or a chunk of only numbers) is then read as str from that chunk on, by
    reopening the reader and skipping the chunks already done: at most one re-parse of
    the file so far per column, and none for the usual all-text file. `low_memory=False`
    gives each column one type per chunk: by default a wide chunk is parsed in blocks of
    about 2**20 / width rows, and a column numeric in one block and text in another comes
    back as an object column mixing int and str, which no dtype check can see.

    The header never moves: `index_col=False` stops pandas from taking a first data row
    with one field more for a row with an index. When that first row has a trailing
    field (`headless`), the header line is skipped and the data read with one column
    more (_EXTRA), so every row with a trailing delimiter keeps its place and shows
    whether that last field is empty.
    """

    def __init__(self, path: Path, enc: Encoding, delimiter: str, chunksize: int,
                 header: list[str], above: int, header_lines: int, headless: bool) -> None:  # fmt: skip
        self.path, self.enc, self.delimiter, self.chunksize = path, enc, delimiter, chunksize
        self.above = above  # the lines above the header
        self.names = [*header, _EXTRA] if headless else header
        self.headless = headless
        self.as_str: set[int] = set()
        self.done = 0
        self.skip = above + (header_lines if headless else 0)
        self.reader = self._open()

    def _open(self) -> Any:
        import pandas as pd

        dtype = {(i if self.headless else self.names[i]): str for i in self.as_str}
        # No usecols: with it the C parser drops extra fields silently instead of flagging.
        # Types are inferred (dtype=str for every column made the read 2.5x slower): a
        # column the rows use is read as text when it comes back otherwise (reread_as_str).
        return pd.read_csv(
            self.path, sep=self.delimiter, encoding=self.enc.name,
            encoding_errors=self.enc.errors, na_filter=False, skip_blank_lines=False,
            skiprows=self.skip, low_memory=False, header=None if self.headless else 0,
            index_col=False, on_bad_lines="warn", chunksize=self.chunksize, engine="c",
            dtype=dtype or None,
        )  # fmt: skip

    def next(self) -> tuple[Any, list[warnings.WarningMessage]]:
        import pandas as pd

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            try:
                chunk = next(self.reader)
            except StopIteration:
                # Rows skipped after the last chunk are only told as the reader ends.
                if not caught:
                    raise
                chunk = pd.DataFrame({name: pd.Series([], dtype=str) for name in self.names})
        self.done += 1
        if self.headless:
            chunk.columns = self.names[: len(chunk.columns)]
        return chunk, caught

    def reread_as_str(self, columns: set[int]) -> None:
        import pandas as pd

        self.reader.close()
        self.as_str |= columns
        self.reader = self._open()
        self.done -= 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            for _ in range(self.done):
                next(self.reader)

    def close(self) -> None:
        self.reader.close()


def read_csv_batches(
    path: Path,
    enc: Encoding,
    delimiter: str,
    usecols: Sequence[str],
    *,
    chunksize: int = 10_000,
    skip: int | None = None,
    per_row: Collection[str] = (),
) -> Iterator[Batch | BadRow]:
    """Good rows in batches and bad rows, in row order; `skip` lines above the header
    (locate_header_row's), else the blank ones. The columns named in `per_row` (of
    usecols) come as Cells, made into Python strings only where read.

    The C parser pads a short row with empty fields, skips a too-wide one (with a
    warning naming it) and cannot see a stray quote. Cheap tests on each chunk pick the
    rows that may be any of these (last column empty, a warning, a multi-line value with
    a row's worth of delimiters); only those are looked at again with the csv module,
    which reads no further into the file than the last of them.
    """
    import pandas as pd
    from pandas.api.types import is_string_dtype

    usecols = list(dict.fromkeys(usecols))
    if skip is None:
        skip = lines_before_header(path, enc)
    header = read_header(path, enc, delimiter, skip)
    width = len(header)
    records = _Records(path, enc, delimiter, skip)
    try:
        first = records.get(1)
        first_width = len(first[0]) if first else 0
        if first_width > width + 1:  # no C parser reading keeps this header in place
            yield from _recover(path, enc, delimiter, usecols, 1, chunksize, skip)
            return
        try:
            chunks = _Chunks(path, enc, delimiter, chunksize, header, skip, records.header_lines,
                             headless=first_width == width + 1)  # fmt: skip
        except pd.errors.ParserError:  # the parser tokenises ahead of the header when opening
            yield from _recover(path, enc, delimiter, usecols, 1, chunksize, skip)
            return
        yield from _read_chunks(chunks, records, header, usecols, delimiter, is_string_dtype,
                                per_row)
    finally:
        records.close()


def _not_all_text(column: Any) -> bool:
    """An object column that holds other values than text: pandas keeps an integer past
    64 bits ("20000000000000000000", an order id) as a Python int there."""
    if column.dtype != object:
        return False
    from pandas.api.types import infer_dtype

    return infer_dtype(column, skipna=True) not in ("string", "empty")


def _read_chunks(
    chunks: _Chunks,
    records: _Records,
    header: list[str],
    usecols: list[str],
    delimiter: str,
    is_string_dtype: Callable[[Any], bool],
    per_row: Collection[str],
) -> Iterator[Batch | BadRow]:
    import pandas as pd

    path, enc, chunksize, skip = chunks.path, chunks.enc, chunks.chunksize, chunks.above
    width = len(header)
    positions = {name: header.index(name) for name in usecols}
    next_row = 1
    try:
        while True:
            try:
                chunk, caught = chunks.next()
            except StopIteration:
                break
            except pd.errors.ParserError:
                yield from _recover(path, enc, delimiter, usecols, next_row, chunksize, skip)
                break
            except UnicodeDecodeError as exc:
                raise LoaderError(
                    str(path), f"not valid {enc.name} ({exc.reason}): {ENCODING_FIX}"
                ) from None
            # Each column once (an .iloc lookup costs ~40 us, and each is read 4-5 times).
            series = [column for _, column in chunk.items()]
            # Every column of the header, not only the used ones: a reject shows its
            # row as the file holds it ("007", not 7).
            inferred = {j for j in range(width) if not is_string_dtype(series[j].dtype)
                        or _not_all_text(series[j])}
            if inferred - chunks.as_str:
                chunks.reread_as_str(inferred)
                continue
            skipped = _skipped_rows(caught)
            if skipped is None:  # pandas moved the header after all: the slow, sure way
                yield from _recover(path, enc, delimiter, usecols, next_row, chunksize, skip)
                break
            rows = _number_rows(next_row, len(chunk), skipped)
            next_row = max([next_row, *(r + 1 for r in rows[-1:]), *(b + 1 for b in skipped)])
            # Rows to look at again: skipped, a non-empty field past the header's, a last
            # column that may be padding, a value that may hold swallowed lines.
            wanted = set(skipped) | {rows[i] for i in _suspects(series[:width], delimiter)}
            last = series[width - 1]
            if is_string_dtype(last.dtype):
                wanted.update(rows[i] for i in (last == "").to_numpy().nonzero()[0])
            if chunks.headless:
                extra = series[width]
                wanted.update(rows[i] for i in (extra.astype(str) != "").to_numpy().nonzero()[0])
                chunk = chunk.iloc[:, :width]
            values: dict[str, Sequence[object]] = {}
            known: dict[int, Sequence[object]] = {}  # what frame_row need not convert again
            for c in usecols:
                cells = _cells(series[positions[c]]) if c in per_row else None
                if cells is not None:
                    values[c] = known[positions[c]] = cells
                    continue
                values[c], exact = _values(series[positions[c]])
                if exact:
                    known[positions[c]] = values[c]
            batch = Batch(rows, values, strings=not inferred, record=frame_row(chunk, known))
            if not wanted:
                yield batch
                continue
            swallowed, replace = _judge(records, sorted(wanted), header, usecols, delimiter)
            yield from merge_rows(batch, replace, swallowed)
            if swallowed is not None:
                yield from _recover(path, enc, delimiter, usecols, swallowed, chunksize, skip)
                break
    finally:
        chunks.close()


def _judge(
    records: _Records, wanted: list[int], header: list[str], usecols: list[str], delimiter: str
) -> tuple[int | None, dict[int, Batch | BadRow]]:
    """What each wanted row really is: the row to re-read from (a stray quote's record),
    and the rows that replace pandas' reading (bad rows, and too-wide rows that are fine
    but for a trailing delimiter)."""
    width = len(header)
    replace: dict[int, Batch | BadRow] = {}
    for row in wanted:
        got = records.get(row)
        if got is None:
            replace[row] = BadRow(row, "malformed row: the csv module could not read it")
            continue
        fields, raw = got
        if "\n" in raw.rstrip("\r\n") and _swallows(raw, delimiter, width):
            return row, replace
        why = misfit(fields, width)
        if why is not None:
            replace[row] = BadRow(row, why, _unparse(fields, delimiter))
        elif len(fields) != width and any(fields):
            replace[row] = _fields_row(row, fields[:width] + [""] * (width - len(fields)),
                                       header, usecols)  # fmt: skip
    return None, replace


def _fields_row(row: int, fields: list[str], header: list[str], usecols: list[str]) -> Batch:
    columns: dict[str, list[object]] = {name: [fields[header.index(name)]] for name in usecols}
    return Batch([row], columns, strings=True, record=lambda _: dict(zip(header, fields, strict=True)))


def merge_rows(
    batch: Batch, replace: Mapping[int, Batch | BadRow], stop: int | None
) -> Iterator[Batch | BadRow]:
    """The batch with `replace` put in by row number (taking the place of the batch's row
    with that number, if any), in row order, up to row `stop`."""
    from bisect import bisect_left

    rows, start = batch.rows, 0
    end = len(rows) if stop is None else bisect_left(rows, stop)
    for row, item in sorted(replace.items()):
        i = bisect_left(rows, row, lo=start)
        if i > start:
            yield batch.slice(start, min(i, end))
        start = i + 1 if i < len(rows) and rows[i] == row else i
        yield item
    if start < end:
        yield batch.slice(start, end) if start or end < len(rows) else batch


def _values(series: Any) -> tuple[list[object], bool]:
    """A column as a list of str: through Arrow when pandas stores it there (2x faster);
    and whether that list equals series.tolist() (Arrow reads a missing value as None,
    pandas as NaN: equal when there is none, as na_filter=False makes every cell text)."""
    to_arrow = getattr(series.array, "__arrow_array__", None)
    if to_arrow is not None:
        try:
            arrow = to_arrow()
            values: list[object] = arrow.to_numpy(zero_copy_only=False).tolist()
            return values, arrow.null_count == 0
        except Exception:  # an Arrow type without a numpy form: take the slow road
            pass
    return list(series.tolist()), True


def _cells(series: Any) -> Cells | None:
    """The column as Cells, when it is Arrow text with no missing value (whose cells
    then read as tolist() reads them); else None."""
    to_arrow = getattr(series.array, "__arrow_array__", None)
    if to_arrow is None:
        return None
    arrow = to_arrow()
    text = str(arrow.type) in ("string", "large_string")
    return Cells(arrow) if text and arrow.null_count == 0 else None


def frame_row(frame: Any, known: Mapping[int, Sequence[object]] | None = None
              ) -> Callable[[int], dict[str, object]]:
    """Batch.record for a pandas frame; `known`: columns (by position) already read as
    lists equal to their tolist(), which are not converted a second time."""

    columns: list[tuple[str, Sequence[object]]] = []

    def record(i: int) -> dict[str, object]:
        # The frame's columns as lists on the first call: a row is then a dict away,
        # where frame.iloc[i] costs ~80 us a row, and rejects can be many.
        if not columns:
            given = known or {}
            columns.extend((str(k), given[j] if j in given else frame.iloc[:, j].tolist())
                           for j, k in enumerate(frame.columns))
        return {name: values[i] for name, values in columns}

    return record


def _skipped_rows(caught: list[warnings.WarningMessage]) -> set[int] | None:
    """The data rows the C parser skipped as too wide; None when it took the first row's
    extra field for data it drops (the header would then be misread)."""
    bad: set[int] = set()
    for w in caught:
        text = str(w.message)
        if text.startswith("Length of header or names does not match"):
            return None
        found = False
        for line in text.splitlines():
            if m := _SKIPPING.match(line):
                # The C parser counts records from 1 with the header as record 1.
                bad.add(int(m.group(1)) - 1)
                found = True
        if not found:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return bad


def _number_rows(start: int, count: int, bad: set[int]) -> Sequence[int]:
    if not bad:
        return range(start, start + count)
    rows: list[int] = []
    row = start
    while len(rows) < count:
        if row not in bad:
            rows.append(row)
        row += 1
    return rows


def _recover(
    path: Path,
    enc: Encoding,
    delimiter: str,
    usecols: list[str],
    start: int,
    chunksize: int,
    skip: int,
) -> Iterator[Batch | BadRow]:
    """Re-read from data row `start` with the csv module, where the C parser cannot be
    trusted (an unterminated quote, a stray quote that swallows rows, a first row wider
    than the header). A quote that never closes, or closes only after swallowing lines
    that are rows of their own, makes its first line a bad row (in TSV, where quoting is
    rare, that line is read as plain text instead), and the lines after it are read
    again: one stray quote costs one row, not the file."""
    header = read_header(path, enc, delimiter, skip)
    width = len(header)
    batch, kept = _fields_batch(usecols, header)
    index = [(name, header.index(name)) for name in usecols]
    try:
        for row, fields, raw, why in _resilient_records(path, enc, delimiter, start, width,
                                                        skip):  # fmt: skip
            if fields is not None and why is None:
                why = misfit(fields, width)
            if why is not None and batch.rows:
                yield batch  # keep the output in row order
                batch, kept = _fields_batch(usecols, header)
            if why is not None:
                yield BadRow(row, why, raw.rstrip("\r\n") if fields is None else
                             _unparse(fields, delimiter))  # fmt: skip
                continue
            assert fields is not None and isinstance(batch.rows, list)
            fields = fields[:width] + [""] * (width - len(fields))
            batch.rows.append(row)
            kept.append(fields)
            for name, col in index:
                cast("list[object]", batch.columns[name]).append(fields[col])  # _fields_batch's
            if len(batch.rows) >= chunksize:
                yield batch
                batch, kept = _fields_batch(usecols, header)
    except csv.Error as exc:
        yield BadRow(start if not batch.rows else batch.rows[-1] + 1,
                     f"unreadable from here to the end of the file: {exc}")  # fmt: skip
    if batch.rows:
        yield batch


def _fields_batch(usecols: list[str], header: list[str]) -> tuple[Batch, list[list[str]]]:
    """An empty batch for _recover and the list its rows' whole field lists go in."""
    kept: list[list[str]] = []

    def record(i: int) -> dict[str, object]:
        return dict(zip(header, kept[i], strict=False))

    return Batch([], {name: [] for name in usecols}, record=record), kept


UNTERMINATED = ("unterminated quoted field: the quote that opens on this line never closes; "
                "close or remove it (the lines after it were read as rows of their own)")
SWALLOWING = ("stray quote: a quote opens a value on this line and closes only {lines} "
              "line(s) further down, and each of those lines is a row by itself; the lines "
              "after this one were read as rows of their own. Fix: remove the quote, or "
              "quote the whole value and double the quotes inside it")  # fmt: skip


def _resilient_records(
    path: Path, enc: Encoding, delimiter: str, start: int, width: int, skip: int
) -> Iterator[tuple[int, list[str] | None, str, str | None]]:
    """(data row, fields, raw text, why it is bad or None) from data row `start` on. A
    record whose quote is still open at the end of the file, or that swallowed lines
    that are rows by themselves (_swallows), is not a record: its first line is yielded
    as bad (or, in TSV, read with quotes as plain text), and the lines after that one
    are read again as records."""
    csv.field_size_limit(FIELD_LIMIT)
    with path.open(encoding=enc.name, errors=enc.errors, newline="") as fh:
        skip_lines(fh, skip)
        lines: Iterator[str] = iter(fh)
        row = -1  # the header is record 0
        while True:
            taken: list[str] = []
            ended = [False]

            def feed(source: Iterator[str] = lines, taken: list[str] = taken,
                     ended: list[bool] = ended) -> Iterator[str]:
                for line in source:
                    taken.append(line)
                    yield line
                ended[0] = True

            reader = csv.reader(feed(), delimiter=delimiter)
            restart: list[str] | None = None
            while restart is None:
                taken.clear()
                fields = next(reader, None)
                if fields is None:
                    return
                row += 1
                raw = "".join(taken)
                why = None
                if ended[0] and _quote_left_open(raw, delimiter):
                    why = UNTERMINATED
                elif row > 0 and len(taken) > 1 and _swallows(raw, delimiter, width):
                    why = SWALLOWING.format(lines=len(taken) - 1)
                if why is None:
                    if row >= start:
                        yield row, fields, raw, None
                    continue
                restart = taken[1:]
                if row < start:
                    continue
                if delimiter == "\t":  # TSV is seldom quoted: the line is plain text
                    plain = taken[0].rstrip("\r\n").split("\t")
                    log.warning("%s: row %d: a quote opens a value that %s; the line was read "
                                "as plain text", path, row, "never closes" if why ==
                                UNTERMINATED else f"would swallow {len(taken) - 1} rows")
                    yield row, plain, taken[0], None
                else:
                    yield row, None, taken[0], why
            lines = itertools.chain(restart, lines)


def _strict_error(text: str, delimiter: str) -> str:
    """What the csv module in strict mode says about `text` ("" when it reads cleanly)."""
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return str(exc)
    return ""


def _quote_left_open(text: str, delimiter: str) -> bool:
    return "unexpected end of data" in _strict_error(text, delimiter)


def _unparse(fields: list[str], delimiter: str) -> str:
    """The record as CSV text again (quoting may differ from the file's)."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(fields)
    return out.getvalue()

"""Tables to Examples: CSV, TSV, XLSX, Parquet, JSON (array of objects) and JSONL.

Every data row becomes an `Example` or a `Rejected` with a reason (`empty-text`,
`missing-label`, `malformed-row`, `several-labels`, `nested-label`, `nested-text`,
`duplicate-key`), so a caller can check read = examples + rejected. Rows whose fields
are all empty (blank lines, Excel's trailing `,,,` rows) are not records: they are
skipped and not counted, but they keep their row number.

`SourceRef.row` is the 1-based data row: the first row after the header is 1. In a CSV
without embedded newlines that is file line row + 1; in XLSX it is the sheet row minus
the header's (a title above the header shifts it: the warning names the header's sheet
row); in JSONL it is the line number; in a JSON array it is the 1-based position.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftprep.loaders.columns import (
    PRESETS,
    ColumnMapping,
    LoaderError,
    Preset,
    ResolvedColumns,
    get_preset,
    masked,
    repeated_headers,
    resolve_columns,
)
from ftprep.loaders.csvhead import locate_header_row, looks_like_csv, sniff_delimiter
from ftprep.loaders.csvread import read_csv_batches, read_header
from ftprep.loaders.encoding import detect_encoding
from ftprep.loaders.excelread import legacy_excel_error, read_sheet, sheet_batches, sheet_names
from ftprep.loaders.jsonpath import item_path
from ftprep.loaders.parquetread import json_default, parquet_batches, parquet_file
from ftprep.loaders.rows import BadRow, Batch, Cells
from ftprep.records import Example, ExampleColumns, Rejected, SourceRef, one_by_one

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Iterator, Sequence

log = logging.getLogger(__name__)

FORMATS = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv", ".tab": "csv",
    ".xlsx": "excel", ".xlsm": "excel",
    ".parquet": "parquet", ".pq": "parquet",
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
}  # fmt: skip
CHUNK_ROWS = 10_000
TEXT_JOINER = "\n\n"

__all__ = [
    "FORMATS",
    "PRESETS",
    "ColumnMapping",
    "LoaderError",
    "ResolvedColumns",
    "load_table",
    "load_table_chunks",
    "table_columns",
]


def load_table(
    path: Path,
    mapping: ColumnMapping | None = None,
    *,
    preset: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[Example | Rejected]:
    """Read a table and yield one Example or Rejected per data row.

    :param mapping: columns for text, label, reply, id, date and extra fields; roles it
        leaves unset are recognised from common header names unless `auto=False`.
    :param preset: `zendesk`, `freshdesk` or `text-label`; `mapping` overrides it.
    :param encoding: for CSV/TSV; detected when omitted (BOM, UTF-8, charset-normalizer,
        cp1252).
    :param sheet: XLSX sheet name; the first sheet when omitted.

    File and column problems (no such file, a mapped column that does not exist, no text
    column) raise LoaderError when load_table is called, before any output is opened; bad
    rows never raise. The one later LoaderError is an explicit `encoding` that turns out
    not to fit the file.

    >>> for item in load_table(Path("tickets.csv"), ColumnMapping(text=["subject", "body"])):
    ...     print(item)  # doctest: +SKIP
    """
    return one_by_one(load_table_chunks(path, mapping, preset=preset, encoding=encoding,
                                        sheet=sheet, chunk_rows=chunk_rows))


def load_table_chunks(
    path: Path,
    mapping: ColumnMapping | None = None,
    *,
    preset: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    on_columns: Callable[[str, ResolvedColumns], None] | None = None,
    label_allowed: Callable[[str], bool | None] | None = None,
    per_row: Collection[str] = (),
) -> Iterator[ExampleColumns | Rejected]:
    """load_table with runs of good rows kept as columns (ExampleColumns), for callers
    that work on whole columns; same checks, errors and order. `on_columns` hears which
    columns were chosen for each role, before the first row. `label_allowed` says
    whether a label is among the run's allowed ones (None: no list): of a JSON or
    Parquet list of labels, the one allowed item is the label, as of a CSV cell's parts.
    `per_row`: the roles ("reply", "id", "date") the caller reads only for a few rows;
    a CSV's columns for them are read cell by cell where asked (loaders.rows.Cells)."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise LoaderError(file, "no such file" if not path.exists() else "not a file")
    kind = FORMATS.get(path.suffix.lower()) or ("csv" if looks_like_csv(path) else None)
    if kind is None and path.suffix.lower() == ".xls":
        raise legacy_excel_error(path)
    if kind is None:
        raise LoaderError(
            file,
            f"unknown table format {path.suffix or '(no extension)'!r}, and the content "
            "does not look like a delimited table: rename the file to one of "
            + ", ".join(sorted(FORMATS)),
        )
    chosen = _preset(preset, kind)
    if chosen and chosen.note:
        log.warning("%s preset: %s", chosen.name, chosen.note)
    if sheet is not None and kind != "excel":
        log.warning("%s: --sheet %r ignored: only an XLSX workbook has sheets", file, sheet)
    if kind == "csv":
        cols, batches = _csv_source(path, mapping, chosen, encoding, chunk_rows, per_row)
    elif kind == "excel":
        cols, batches = _excel_source(path, mapping, chosen, sheet)
    elif kind == "parquet":
        cols, batches = _parquet_source(path, mapping, chosen, chunk_rows)
    else:
        from ftprep.loaders.jsontable import json_source

        cols, batches = json_source(path, mapping, chosen, lines=kind == "jsonl",
                                    encoding=encoding)
    if on_columns is not None:
        on_columns(file, cols)
    return _convert(file, cols, batches, label_allowed)


def table_columns(
    path: Path,
    mapping: ColumnMapping | None = None,
    *,
    preset: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> ResolvedColumns:
    """Which columns load_table would use for each role, without reading the rows."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower(), "csv")
    chosen = _preset(preset, kind)
    if kind == "csv":
        enc = detect_encoding(path, encoding)
        delimiter = sniff_delimiter(path, enc)
        skip, _ = locate_header_row(path, enc, delimiter, mapping, chosen)
        headers = read_header(path, enc, delimiter, skip)
        return resolve_columns(headers, mapping, preset=chosen, file=str(path),
                               delimiter=delimiter)  # fmt: skip
    if kind == "excel":
        headers = list(read_sheet(path, sheet, mapping, chosen)[0].columns)
    elif kind == "parquet":
        headers = parquet_file(path).schema_arrow.names
    else:
        from ftprep.loaders.jsontable import json_source

        return json_source(path, mapping, chosen, lines=kind == "jsonl")[0]
    return resolve_columns([str(h) for h in headers], mapping, preset=chosen, file=str(path))


def _preset(name: str | None, kind: str | None = None) -> Preset | None:
    """The preset called `name`, in its JSON export's field names for a JSON table."""
    if name is None:
        return None
    try:
        chosen = get_preset(name)
    except ValueError as exc:
        raise LoaderError("<preset>", str(exc)) from None
    return chosen.json if kind in ("json", "jsonl") and chosen.json else chosen


Source = tuple[ResolvedColumns, "Iterable[Batch | BadRow]"]


def _csv_source(
    path: Path,
    mapping: ColumnMapping | None,
    preset: Preset | None,
    encoding: str | None,
    chunk_rows: int,
    per_row: Collection[str] = (),
) -> Source:
    file = str(path)
    enc = detect_encoding(path, encoding)
    if enc.how in ("detected", "fallback"):
        # A guess can be wrong (cp1252 and cp1250 read the same bytes as other letters):
        # say it where the user sees it, with the way to set it.
        log.warning("%s: not UTF-8; read as %s, a guess: if letters look wrong, pass "
                    "--encoding NAME (cp1252 Western European, cp1250 Central European, "
                    "cp1251 Cyrillic, ...)", file, enc.name)  # fmt: skip
    if enc.note:
        log.warning("%s: %s", file, enc.note)
    delimiter = sniff_delimiter(path, enc)
    skip, notes = locate_header_row(path, enc, delimiter, mapping, preset)
    headers = read_header(path, enc, delimiter, skip)
    if notes:
        # Not records, so nothing is lost; but the user must know they were passed over.
        log.warning("%s: the header is line %d (%s); the %d line(s) above it were skipped "
                    "as a title or notes, not records (%s). Rows are counted from the header.",
                    file, skip + 1, ", ".join(map(repr, headers))[:120], skip,
                    masked("; ".join(map(repr, notes)))[:160])  # fmt: skip
    cols = resolve_columns(headers, mapping, preset=preset, file=file, delimiter=delimiter)
    _warn_repeated(file, headers, cols)
    # A column another role reads whole (the text, the label) is read whole.
    lazy = {name for role in per_row if (name := getattr(cols, role))} - {
        *cols.text, cols.label, *cols.fields}
    batches = read_csv_batches(path, enc, delimiter, cols.used(), chunksize=chunk_rows, skip=skip,
                               per_row=lazy)
    if cols.id is not None:
        batches = _malformed_ids(batches, headers.index(cols.id), len(headers), delimiter)
    return cols, batches


def _malformed_ids(batches: Iterable[Batch | BadRow], at: int, width: int, delimiter: str
                   ) -> Iterator[Batch | BadRow]:
    """The batches, with each bad row's id (column `at`) read from its raw line where it
    cannot have moved: the first column, or a row of the header's width (a stray
    delimiter before the id column would put another value there)."""
    import csv
    import io

    for item in batches:
        if isinstance(item, BadRow) and item.record_id is None and isinstance(item.raw, str):
            try:
                fields = next(csv.reader(io.StringIO(item.raw), delimiter=delimiter), [])
            except csv.Error:
                fields = []
            if len(fields) > at and (at == 0 or len(fields) == width):
                item.record_id = fields[at].strip() or None
        yield item


def _excel_source(
    path: Path, mapping: ColumnMapping | None, preset: Preset | None, sheet: str | None
) -> Source:
    # openpyxl reads a whole sheet; workbooks are small next to CSV exports.
    frame, above, name = read_sheet(path, sheet, mapping, preset)
    try:
        cols = resolve_columns(list(frame.columns), mapping, preset=preset, file=str(path))
    except LoaderError as exc:
        others = [n for n in sheet_names(path) if n != name]
        if not others:
            raise
        # The columns may well be on another sheet: say so before "map text to ...".
        raise LoaderError(str(path), f"sheet {name!r}: {exc.message} Or, if the table is on "
                          f"another sheet, pass --sheet NAME: the workbook also has "
                          f"{', '.join(map(repr, others))}.") from None
    _warn_repeated(str(path), list(frame.columns), cols)
    return cols, sheet_batches(path, frame, above, name, cols)


def _warn_repeated(file: str, headers: list[str], cols: ResolvedColumns) -> None:
    """Say which headers the file repeats (Jira writes one Comment column per comment)
    and under which names the copies can be mapped; only the named ones are read."""
    used = set(cols.used())
    for base, names in repeated_headers(headers).items():
        unread = [n for n in names if n not in used]
        if unread:
            log.warning("%s: the header %r appears %d times, as the columns %s; %s not read: "
                        "to use one, name it with --text, --label or --reply (e.g. %r)",
                        file, base, len(names),
                        ", ".join(map(repr, names)), ", ".join(map(repr, unread)),
                        unread[-1])  # fmt: skip


def _parquet_source(
    path: Path, mapping: ColumnMapping | None, preset: Preset | None, chunk_rows: int
) -> Source:
    pfile = parquet_file(path)
    cols = resolve_columns(pfile.schema_arrow.names, mapping, preset=preset, file=str(path))
    return cols, parquet_batches(pfile, cols.used(), chunk_rows)


def _one_label_each(values: Sequence[Any], name: str, *, paths: bool = True,
                    allowed: Callable[[str], bool | None] | None = None,
                    ) -> tuple[list[Any], dict[int, tuple[str, str]]]:
    """Labels from a JSON or Parquet column `name`: a list of one label is that label, and
    so is the one item of a longer list that is `allowed` (build takes the one allowed
    part of a CSV cell 'billing;urgent' alike); another list of labels is
    `several-labels`, an object or a list of them `nested-label` (row index -> (reason,
    why), for the reject). `paths`: the reader takes --label with a path (JSON tables;
    Parquet does not)."""
    out = list(values)
    bad: dict[int, tuple[str, str]] = {}
    for i, value in enumerate(values):
        nested = isinstance(value, dict) or (
            isinstance(value, list) and any(isinstance(v, list | dict) for v in value))
        if nested:
            bad[i] = ("nested-label", _nested_label(value, name, paths))
        elif isinstance(value, list) and len(value) == 1:
            out[i] = value[0]
        elif isinstance(value, list) and value and (
                picked := _allowed_item(value, allowed)) is not None:  # fmt: skip
            out[i] = picked
        elif isinstance(value, list) and value:
            bad[i] = ("several-labels", (
                f"{name!r} holds {len(value)} labels ({_text(value)[:80]}): an example gets one. "
                "List the allowed ones with --labels (the one allowed item is taken), keep one "
                "in the file" + (f", or read one item with --label '{item_path(name)}'"
                                 if paths else "")))  # fmt: skip
        elif isinstance(value, list):
            out[i] = None  # an empty list: no label
    return out, bad


def _nested_label(value: list[Any] | dict[str, Any], name: str, paths: bool) -> str:
    """Why an object (or a list holding objects or lists) is no label, and the path to
    the key that holds one: the first key with a string value."""
    what = "an object" if isinstance(value, dict) else "a list of objects"
    head = f"{name!r} holds {what} ({_text(value)[:80]}), not a label: "
    obj = value if isinstance(value, dict) else next(
        (v for v in value if isinstance(v, dict)), {})
    key = next((k for k, v in obj.items() if isinstance(v, str) and v.strip()), None)
    if not paths:
        return head + "keep the label alone in the file"
    where = name if isinstance(value, dict) else item_path(name)
    return head + f"read the key that holds the label with --label '{where}.{key or 'KEY'}'"


def _allowed_item(items: list[Any], allowed: Callable[[str], bool | None] | None) -> Any:
    """The one item of a list of labels that is allowed, or None (no list of allowed
    labels, none allowed, or several different ones)."""
    if allowed is None or any(isinstance(v, list | dict) for v in items):
        return None
    picked = {_text(v).strip().casefold(): v for v in items if allowed(_text(v).strip())}
    return next(iter(picked.values())) if len(picked) == 1 else None


def _text(value: object) -> str:
    """A cell as text: None/NaN empty, numbers and nested values in their JSON-ish form."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        import orjson

        return orjson.dumps(value, default=json_default).decode()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _convert(
    file: str, cols: ResolvedColumns, batches: Iterable[Batch | BadRow],
    label_allowed: Callable[[str], bool | None] | None = None,
) -> Iterator[ExampleColumns | Rejected]:
    used = cols.used()
    for batch in batches:
        if isinstance(batch, BadRow):
            rid = batch.record_id
            if rid is None and cols.id and isinstance(batch.raw, dict):
                rid = batch.raw.get(cols.id)
            source = SourceRef(file, batch.row, _text(rid).strip() or None)
            yield Rejected(source, batch.reason, batch.detail, batch.raw)
            continue
        yield from _convert_batch(file, cols, used, batch, label_allowed)


def _texts(values: Sequence[Any], strings: bool) -> list[str]:
    """A column as stripped strings (one pass per column, not one call per cell)."""
    if strings:
        return list(map(str.strip, values))
    return [_text(v).strip() for v in values]


def _cells(values: Sequence[Any], strings: bool) -> Sequence[str]:
    """_texts of a column that may be read only cell by cell (Cells), which stays so."""
    return values.stripped() if isinstance(values, Cells) else _texts(values, strings)


def _join(parts: list[list[str]]) -> list[str]:
    if len(parts) == 2:  # subject + body, the usual case, without a generator per row
        out = list(map(TEXT_JOINER.join, zip(*parts, strict=True)))  # C-level
        for part in parts:  # then the few rows with an empty part, found at C speed
            for i in _indices(part, ""):
                out[i] = parts[0][i] or parts[1][i]  # one of them or none: no joiner
        return out
    return [TEXT_JOINER.join(p for p in row if p) for row in zip(*parts, strict=True)]


def _indices(values: list[str], value: str) -> list[int]:
    """Where `value` is in `values`, by list.index (C speed between the hits)."""
    out: list[int] = []
    try:
        while True:
            out.append(values.index(value, out[-1] + 1 if out else 0))
    except ValueError:
        return out


def _blank(batch: Batch, used: Sequence[str], i: int) -> bool:
    """Whether row i is a blank line (every field empty), not a record: its used columns
    first, the whole row only when those are all empty."""
    if any(_text(batch.columns[name][i]).strip() for name in used):
        return False
    return batch.record is None or not any(
        _text(value).strip() for value in batch.record(i).values())


def _as_read(batch: Batch, used: Sequence[str]) -> Callable[[int], dict[str, Any]]:
    """A reject's raw row: every column of the file under its header, each cell as text
    (a JSON record as it is); the used columns when the reader gives no whole row."""
    whole = batch.record
    if whole is None:
        return lambda i: {name: _text(batch.columns[name][i]) for name in used}
    if batch.as_read:
        return whole
    return lambda i: {name: _text(value) for name, value in whole(i).items()}


def _convert_batch(
    file: str, cols: ResolvedColumns, used: Sequence[str], batch: Batch,
    label_allowed: Callable[[str], bool | None] | None = None,
) -> Iterator[ExampleColumns | Rejected]:
    # Whole columns, never a per-row object: rows without text or label are rare, so
    # find them first and yield the runs of good rows between them as columns.
    data, strings = batch.columns, batch.strings
    n = len(batch.rows)
    none: list[str] = [""] * n
    if len(cols.text) == 1:
        texts = _texts(data[cols.text[0]], strings)
    else:
        texts = _join([_texts(data[c], strings) for c in cols.text])
    several: dict[int, tuple[str, str]] = {}  # rows whose label is a list or an object
    labels = None
    if cols.label:
        raw_labels = data[cols.label]
        if not strings and any(isinstance(v, list | dict) for v in raw_labels):
            raw_labels, several = _one_label_each(
                raw_labels, cols.label, allowed=label_allowed,
                paths=FORMATS.get(Path(file).suffix.lower()) != "parquet")
        labels = _texts(raw_labels, strings)
    columns = ExampleColumns(
        file, batch.rows, texts, labels,
        _cells(data[cols.reply], strings) if cols.reply else none,
        _cells(data[cols.id], strings) if cols.id else none,
        _cells(data[cols.date], strings) if cols.date else none,
        [(name, [_text(v) for v in data[name]]) for name in cols.fields],
        _as_read(batch, used),
    )  # fmt: skip
    bad = _indices(texts, "")
    if labels is not None and "" in labels:
        bad = sorted({*bad, *_indices(labels, "")})
    if several:
        bad = sorted({*bad, *several})
    start = 0
    for i in bad:
        if i > start:
            yield columns.slice(start, i)
        start = i + 1
        if _blank(batch, used, i):
            continue  # every field empty (a blank line): not a record
        raw = columns.raw(i)
        source = SourceRef(file, batch.rows[i], columns.ids[i] or None)
        if not texts[i]:
            detail = "the text column(s) are empty: " + ", ".join(cols.text)
            yield Rejected(source, "empty-text", detail, raw)
        elif i in several:
            yield Rejected(source, *several[i], raw)
        else:
            yield Rejected(source, "missing-label", f"no value in {cols.label!r}", raw)
    if start < n:
        yield columns.slice(start, n) if start else columns


"""XLSX sheets as rows for the tabular loader: the header row found below a title or
blank rows (columns.header_row, as for CSV); empty cells explained (a formula without a
computed value, a merged cell).

Values come from pandas (openpyxl, cached formula results, every cell as text). The
workbook is opened a second time with openpyxl only when a used column has empty cells:
those may be the lower cells of a merged range or formulas nobody computed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ftprep.loaders.columns import HEADER_SEARCH_ROWS, LoaderError, header_row, masked
from ftprep.loaders.csvread import frame_row, merge_rows
from ftprep.loaders.rows import BadRow, Batch

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from ftprep.loaders.columns import ColumnMapping, Preset, ResolvedColumns

log = logging.getLogger(__name__)
RESAVE = "open the workbook in Excel or LibreOffice and save it (as .xlsx or CSV)"


def read_sheet(
    path: Path, sheet: str | None, mapping: ColumnMapping | None = None,
    preset: Preset | None = None,
) -> tuple[Any, int, str]:
    """(frame of text cells with the header's names, sheet rows above the data, sheet name).
    The header is the row that holds the mapped (or recognised) columns."""
    import pandas as pd

    try:
        book = pd.ExcelFile(path)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise LoaderError(str(path), f"cannot open workbook: {exc}") from None
    with book:
        names = [str(n) for n in book.sheet_names]
        if sheet is not None and sheet not in names:
            raise LoaderError(
                str(path), f"no sheet {sheet!r}; sheets: {', '.join(map(repr, names))}"
            )
        name = sheet if sheet is not None else _first_visible(path, book, names)
        if sheet is None and len(names) > 1 and name == names[0]:
            log.warning("%s: reading sheet %r only; the workbook also has %s: to read another, "
                        'pass --sheet NAME (or set sheet = "NAME" under [convert] in a config)',
                        path, name, ", ".join(repr(n) for n in names if n != name))  # fmt: skip
        cells = pd.read_excel(book, sheet_name=name, dtype=str, na_filter=False, header=None)
    top = header_row(cells.head(HEADER_SEARCH_ROWS).to_numpy().tolist(), mapping, preset)
    if top:
        log.warning("%s: the header is sheet row %d (%s); the %d row(s) above it, a title or "
                    "blank rows, were skipped. Rows are counted from the header.", path,
                    top + 1, masked(", ".join(repr(v) for v in cells.iloc[top] if v))[:120],
                    top)  # fmt: skip
    frame = cells.iloc[top + 1 :].reset_index(drop=True)
    frame.columns = header_names([str(v) for v in cells.iloc[top]] if len(cells) else [])
    return frame, top + 1, name


def _first_visible(path: Path, book: Any, names: list[str]) -> str:
    """The sheet read by default: the first one Excel shows. A hidden first sheet (a
    lookup table, a template) is not what the user sees on opening the workbook."""
    states = {str(ws.title): ws.sheet_state for ws in getattr(book.book, "worksheets", [])}
    visible = [n for n in names if states.get(n, "visible") == "visible"]
    if not visible or visible[0] == names[0]:
        return names[0]
    log.warning("%s: the first sheet, %r, is hidden: reading %r, the first visible one; the "
                'workbook also has %s: to read another, pass --sheet NAME (or set sheet = "NAME" '
                "under [convert] in a config)", path, names[0], visible[0],
                ", ".join(repr(n) for n in names if n != visible[0]))  # fmt: skip
    return visible[0]


def sheet_names(path: Path) -> list[str]:
    """The workbook's sheet names, in order ([] when it cannot be opened)."""
    import pandas as pd

    try:
        with pd.ExcelFile(path) as book:
            return [str(n) for n in book.sheet_names]
    except Exception:  # openpyxl raises many types for a broken workbook
        return []


def header_names(values: list[str]) -> list[str]:
    """Column names as pandas gives them: `Unnamed: 3` for an empty cell, `Comment.1`
    for a repeated one."""
    names: list[str] = []
    seen: set[str] = set()
    for i, value in enumerate(values):
        name = value if value.strip() else f"Unnamed: {i}"
        base, n = name, 0
        while name in seen:
            n += 1
            name = f"{base}.{n}"
        seen.add(name)
        names.append(name)
    return names


def sheet_batches(
    path: Path, frame: Any, above: int, sheet: str, cols: ResolvedColumns
) -> Iterator[Batch | BadRow]:
    names = cols.used()
    notes: dict[int, BadRow] = {}
    if len(frame) and any((frame[n] == "").any() for n in names):
        notes = _empty_cells(path, frame, above, sheet, cols)
    values = {n: frame[n].tolist() for n in names}
    batch = Batch(range(1, len(frame) + 1), values, record=frame_row(frame))
    yield from merge_rows(batch, notes, None) if notes else [batch]


def _empty_cells(
    path: Path, frame: Any, above: int, sheet: str, cols: ResolvedColumns
) -> dict[int, BadRow]:
    """Why the text or label cells that are empty are: the rows where the workbook holds
    a formula nobody computed, or the lower cells of a merged range, become bad rows
    that say so. Merged cells are not filled down: a label merged over rows by accident
    would then be trained on every one of them; the user decides."""
    import openpyxl  # type: ignore[import-untyped]

    try:
        book = openpyxl.load_workbook(path, data_only=False)
    except Exception:  # pandas read it; without openpyxl's view the rows stay as they are
        return {}
    cells = book[sheet]
    columns = list(frame.columns)
    merged_under: dict[tuple[int, int], str] = {}  # (frame row, column) -> range
    for merged in cells.merged_cells.ranges:
        for row in range(max(merged.min_row + 1, above + 1), merged.max_row + 1):
            for col in range(merged.min_col, merged.max_col + 1):
                merged_under[row - above - 1, col - 1] = str(merged.coord)
    bad: dict[int, BadRow] = {}
    roles = [(c, "empty-text") for c in cols.text] + (
        [(cols.label, "missing-label")] if cols.label else [])  # fmt: skip
    for name, reason in roles:
        col = columns.index(name)
        for i in (frame[name] == "").to_numpy().nonzero()[0].tolist():
            cell = cells.cell(row=above + 1 + i, column=col + 1).value
            if isinstance(cell, str) and cell.startswith("="):
                why = (f"{name!r} holds a formula without a computed value ({cell[:60]}): "
                       f"{RESAVE}, which stores the results")  # fmt: skip
            elif (i, col) in merged_under:
                why = (f"{name!r} is empty here, under the merged cell {merged_under[i, col]} "
                       "(a merged range keeps its value in its top cell only): unmerge it and "
                       "fill in each row's value")  # fmt: skip
            else:
                continue
            raw = {str(k): str(v) for k, v in frame.iloc[i].items()}
            bad.setdefault(i + 1, BadRow(i + 1, why, raw, reason))
    book.close()
    return bad


def legacy_excel_error(path: Path) -> LoaderError:
    """The error for an .xls file: the old binary format, or an HTML table saved as .xls
    (CRM and Salesforce "Excel" reports), which no reader here takes."""
    with path.open("rb") as fh:
        head = fh.read(2048).lstrip().lower()
    if head.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")) or b"<table" in head:
        kind = "an HTML table saved with an .xls name (as CRM reports do)"
    else:
        kind = "a legacy Excel 97-2003 (.xls) workbook"
    return LoaderError(str(path), f"{kind}, which cannot be read: {RESAVE}, then pass that file")

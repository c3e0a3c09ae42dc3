"""XLSX sheets: header below a title or blank rows, formulas without a computed value,
merged label cells, and .xls files (legacy binary or HTML) that cannot be read."""

from __future__ import annotations

import logging
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest

from ftprep.loaders.columns import ColumnMapping, LoaderError
from ftprep.loaders.tabular import load_table, table_columns
from ftprep.records import Example, Rejected

HEADER = ["Ticket ID", "Subject", "Body", "Category"]
ROWS = [[1001, "Double charge", "I was charged twice", "Billing"],
        [1002, "Crash", "App crashes", "Technical"]]  # fmt: skip


def workbook(tmp_path: Path, rows: list[list[object]], merge: str | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Tickets"
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    path = tmp_path / "t.xlsx"
    book.save(path)
    return path


def load(path: Path, mapping: ColumnMapping | None = None) -> tuple[list[Example], list[Rejected]]:
    items = list(load_table(path, mapping))
    return [i for i in items if isinstance(i, Example)], [i for i in items if isinstance(i, Rejected)]


@pytest.mark.parametrize("above", [
    [["Support tickets export – Q1 2024"], []],  # a title, then a blank row
    [[]],                                         # a blank row
    [[None, "exported 2024-03-01"]],              # a note in one cell
], ids=["title", "blank", "note"])  # fmt: skip
def test_header_below_a_title_or_blank_rows_is_found(
    tmp_path: Path, above: list[list[object]], caplog: pytest.LogCaptureFixture
) -> None:
    path = workbook(tmp_path, [*above, HEADER, *ROWS])
    with caplog.at_level(logging.WARNING):
        examples, rejected = load(path)
    assert rejected == []
    assert [(e.source.row, e.source.record_id, e.text, e.label) for e in examples] == [
        (1, "1001", "Double charge\n\nI was charged twice", "Billing"),
        (2, "1002", "Crash\n\nApp crashes", "Technical"),
    ]
    assert f"the header is sheet row {len(above) + 1}" in caplog.text
    assert table_columns(path).label == "Category"


def test_single_column_sheet_keeps_its_first_row_as_header(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["text"], ["hello"], ["world"]])
    examples, _ = load(path)
    assert [e.text for e in examples] == ["hello", "world"]


def test_formula_without_a_computed_value_says_to_resave(tmp_path: Path) -> None:
    # openpyxl writes formulas without their results, as scripts that build workbooks do.
    path = workbook(tmp_path, [["Subject", "Body", "Category", "Full text"],
                               ["Hello", "World", "Billing", '=A2&" "&B2'],
                               ["Plain", "text", "Technical", "ready"],
                               ["Label", "formula", "=C2", "ready too"]])  # fmt: skip
    examples, rejected = load(path, ColumnMapping(text="Full text", label="Category"))
    assert [e.text for e in examples] == ["ready"]
    assert [(r.source.row, r.reason) for r in rejected] == [(1, "empty-text"), (3, "missing-label")]
    assert "'Full text' holds a formula without a computed value (=A2&" in rejected[0].detail
    assert "open the workbook in Excel or LibreOffice and save it" in rejected[0].detail
    assert rejected[0].raw == {"Subject": "Hello", "Body": "World", "Category": "Billing",
                               "Full text": ""}  # fmt: skip


def test_row_under_a_merged_label_says_so(tmp_path: Path) -> None:
    rows = [HEADER, *ROWS, [1003, "Refund", "Need refund", None], [1004, "Late", "Late", "Returns"]]
    path = workbook(tmp_path, rows, merge="D3:D4")
    examples, rejected = load(path)
    assert [e.source.row for e in examples] == [1, 2, 4]
    [reject] = rejected
    assert (reject.source.row, reject.source.record_id, reject.reason) == (3, "1003", "missing-label")
    assert "under the merged cell D3:D4" in reject.detail and "unmerge" in reject.detail


def test_empty_label_without_a_merge_or_formula_keeps_the_plain_reason(tmp_path: Path) -> None:
    path = workbook(tmp_path, [HEADER, *ROWS, [1003, "Refund", "Need refund", None]])
    _, [reject] = load(path)
    assert (reject.reason, reject.detail) == ("missing-label", "no value in 'Category'")


def test_legacy_xls_says_to_resave_not_rename(tmp_path: Path) -> None:
    path = tmp_path / "legacy.xls"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
    with pytest.raises(LoaderError, match="legacy Excel 97-2003") as info:
        list(load_table(path))
    assert "save it (as .xlsx or CSV)" in str(info.value) and "rename" not in str(info.value)


def test_html_table_saved_as_xls_says_to_resave(tmp_path: Path) -> None:
    path = tmp_path / "report.xls"
    path.write_text("<html><body><table><tr><th>Subject</th><th>Type</th></tr>"
                    "<tr><td>Refund</td><td>Billing</td></tr></table></body></html>")  # fmt: skip
    with pytest.raises(LoaderError, match=r"an HTML table saved with an \.xls name") as info:
        list(load_table(path))
    assert "save it (as .xlsx or CSV)" in str(info.value)


def test_tab_separated_text_saved_as_xls_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_text("text\tlabel\nMy card was charged twice\tbilling\nApp crash\ttech\n")
    examples, _ = load(path)
    assert [e.label for e in examples] == ["billing", "tech"]


def test_a_hidden_first_sheet_is_passed_over_for_the_first_visible_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    book = openpyxl.Workbook()
    lookup = book.active
    lookup.title = "Lookup"
    lookup.append(["code", "meaning"])
    lookup.sheet_state = "hidden"
    sheet = book.create_sheet("Tickets")
    for row in [HEADER, *ROWS]:
        sheet.append(row)
    path = tmp_path / "h.xlsx"
    book.save(path)
    with caplog.at_level(logging.WARNING):
        examples, rejected = load(path)
    assert ([e.label for e in examples], rejected) == (["Billing", "Technical"], [])
    assert "the first sheet, 'Lookup', is hidden: reading 'Tickets', the first visible one" \
        in caplog.text
    assert table_columns(path).label == "Category"
    # Named, a hidden sheet is read.
    hidden = list(load_table(path, ColumnMapping(text="code"), sheet="Lookup"))
    assert hidden == []

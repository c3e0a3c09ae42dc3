"""CSV/TSV exports with a title, notes or blank lines above the header: the header is
found as for XLSX (the first row holding the mapped or recognised columns), the lines
above it are skipped with a warning, and a header that cannot be found is an error that
names the file and the fix."""

from __future__ import annotations

import logging
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest

from ftprep.loaders.columns import ColumnMapping, LoaderError, header_row
from ftprep.loaders.tabular import load_table, table_columns
from ftprep.records import Example, Rejected

TICKETS = ("id,subject,body,category,reply\n"
           "1,Refund,I paid twice,billing,Sorry about that\n"
           '2,Crash,"The app crashes\non start",technical,Update it\n'
           "3,Late,Where is my parcel,returns,On its way\n")  # fmt: skip


def load(path: Path, mapping: ColumnMapping | None = None, **kw: object
         ) -> tuple[list[Example], list[Rejected]]:  # fmt: skip
    items = list(load_table(path, mapping, **kw))  # type: ignore[arg-type]
    return ([i for i in items if isinstance(i, Example)],
            [i for i in items if isinstance(i, Rejected)])  # fmt: skip


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, newline="")
    return path


def rows(examples: list[Example]) -> list[tuple[int | None, str | None, str, str | None]]:
    # A quoted value keeps the file's line ends (cleaning turns them into "\n").
    return [(e.source.row, e.source.record_id, e.text.replace("\r\n", "\n"), e.label)
            for e in examples]  # fmt: skip


EXPECTED = [(1, "1", "Refund\n\nI paid twice", "billing"),
            (2, "2", "Crash\n\nThe app crashes\non start", "technical"),
            (3, "3", "Late\n\nWhere is my parcel", "returns")]  # fmt: skip


@pytest.mark.parametrize("chunk_rows", [1, 2, 10_000])
@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_title_and_blank_line_above_the_header_are_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, chunk_rows: int, eol: str
) -> None:
    text = "Ticket export - generated 2026-11-02\n\n" + TICKETS
    path = write(tmp_path, "export.csv", text.replace("\n", eol))
    with caplog.at_level(logging.WARNING):
        examples, rejected = load(path, chunk_rows=chunk_rows)
    assert (rows(examples), rejected) == (EXPECTED, [])
    assert [e.reply for e in examples] == ["Sorry about that", "Update it", "On its way"]
    assert (f"{path}: the header is line 3 ('id', 'subject', 'body', 'category', 'reply'); "
            "the 2 line(s) above it were skipped as a title or notes, not records "
            "('Ticket export - generated 2026-11-02')") in caplog.text  # fmt: skip
    assert table_columns(path).label == "category"


def test_tsv_with_notes_above_the_header(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = ("Helpdesk report\nFilter: all open tickets\n\n"
            + TICKETS.replace(",", "\t"))
    path = write(tmp_path, "report.tsv", text)
    with caplog.at_level(logging.WARNING):
        examples, rejected = load(path)
    assert (rows(examples), rejected) == (EXPECTED, [])
    assert "the header is line 4" in caplog.text and "the 3 line(s) above it" in caplog.text
    assert "'Helpdesk report'; 'Filter: all open tickets'" in caplog.text


def test_a_title_with_a_comma_over_a_semicolon_file(tmp_path: Path) -> None:
    # The title line must not choose the delimiter.
    path = write(tmp_path, "s.csv", "Export, 2 Nov 2026\n" + TICKETS.replace(",", ";"))
    examples, rejected = load(path)
    assert (rows(examples), rejected) == (EXPECTED, [])


def test_header_found_by_the_mapped_columns(tmp_path: Path) -> None:
    # The note is as wide as the header: the columns the user named find the header.
    text = "Exported by,admin\nBetreff,Kategorie\nDoppelte Abbuchung,Abrechnung\n"
    path = write(tmp_path, "m.csv", text)
    [example], rejected = load(path, ColumnMapping(text="Betreff", label="Kategorie"))
    assert (example.source.row, example.text, example.label, rejected) == (
        1, "Doppelte Abbuchung", "Abrechnung", [])


@pytest.mark.parametrize("chunk_rows", [1, 10_000])
def test_bad_rows_below_a_title_keep_their_numbers(tmp_path: Path, chunk_rows: int) -> None:
    # Each way of re-reading (a trailing field on the first row, a stray quote, a row
    # too wide) starts below the title too.
    text = ("Open tickets\n\ntext,label\nfirst,a,\nsecond,b\n\"never closed,c\n"
            "third,d\ntoo,many,fields,here\nfourth,e\n")  # fmt: skip
    examples, rejected = load(write(tmp_path, "b.csv", text), chunk_rows=chunk_rows)
    assert [(e.source.row, e.text) for e in examples] == [
        (1, "first"), (2, "second"), (4, "third"), (6, "fourth")]
    assert [(r.source.row, r.raw) for r in rejected] == [
        (3, '"never closed,c'), (5, "too,many,fields,here")]


def test_first_line_that_is_the_header_is_unaffected(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, "plain.csv", TICKETS)
    with caplog.at_level(logging.WARNING):
        examples, rejected = load(path)
    assert (rows(examples), rejected, caplog.text) == (EXPECTED, [], "")


def test_data_row_holding_a_column_name_is_not_taken_for_the_header(tmp_path: Path) -> None:
    # 'question' (a Zendesk ticket type) is a recognised text column name; the real
    # header above it is not recognised, so it stays the header and the error names it.
    path = write(tmp_path, "z.csv", "Vorgang,Art\nDoppelte Abbuchung,question\n")
    with pytest.raises(LoaderError, match=r"none of the columns \('Vorgang', 'Art'\)"):
        load(path)


@pytest.mark.parametrize("note", ["Report, Q1, 2024",  # as wide as the header
                                  "Exported by: Anna, Ben, Carla, Dan"])  # wider
def test_notes_line_as_wide_as_the_header_is_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, note: str
) -> None:
    # The README: the header is the first line that holds the recognised columns. A note
    # holding none of them does not win over it by being at least as wide.
    text = note + '\nid,text,label\n0,"Hello 0, help",billing\n1,"Hello 1, help",technical\n'
    path = write(tmp_path, "n.csv", text)
    with caplog.at_level(logging.WARNING):
        examples, rejected = load(path)
    assert (rows(examples), rejected) == (
        [(1, "0", "Hello 0, help", "billing"), (2, "1", "Hello 1, help", "technical")], [])
    assert "the header is line 2 ('id', 'text', 'label')" in caplog.text


def test_header_row_below_a_note_of_its_width_in_a_sheet() -> None:
    # XLSX shares the rule.
    sheet = [["Report", "Q1", "2024"], ["id", "text", "label"], ["0", "Hello", "billing"]]
    assert header_row(sheet, None) == 1


def test_a_data_row_with_two_names_below_an_unrecognised_header_is_not_the_header(
    tmp_path: Path,
) -> None:
    # Below a header holding a recognised name (Ticket-Nr., the id), a row is data even
    # when it holds two names (a ticket type 'question' and a text 'Message').
    path = write(tmp_path, "d.csv", "Ticket-Nr.,Art,Inhalt2\n1,question,Message\n")
    with pytest.raises(LoaderError, match=r"none of the columns \('Ticket-Nr.', 'Art'"):
        load(path)


def test_header_that_cannot_be_found_is_a_clear_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, "n.csv", "Ticket export\n\nid,subject,message,category\n1,a,b,c\n")
    with caplog.at_level(logging.WARNING), pytest.raises(LoaderError) as info:
        load(path, ColumnMapping(text="Body", label="category"))
    message = str(info.value)
    assert message.startswith(f"{path}: no column 'Body' (mapped as text)")
    assert "Columns in the file: 'id', 'subject', 'message', 'category'" in message
    assert "Fix: map text to one of these columns" in message
    assert "the header is line 3" in caplog.text  # where the columns listed come from


def test_xlsx_title_row_with_two_cells_above_the_header(tmp_path: Path) -> None:
    # The same search as CSV: a title row with a note beside it is no header.
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["Ticket export", "generated 2026-11-02"], ["Subject", "Body", "Category"],
                ["Refund", "I paid twice", "billing"]):  # fmt: skip
        sheet.append(row)
    path = tmp_path / "t.xlsx"
    book.save(path)
    [example], rejected = load(path)
    assert (example.source.row, example.text, example.label, rejected) == (
        1, "Refund\n\nI paid twice", "billing", [])


# Excel (German locale) "CSV (Trennzeichen-getrennt)": `;`, CRLF rows, LF inside quoted
# cells, and commas in the text ("Guten Tag,", "49,99 €") that make `,` look steady
# when its reading ignores the quotes.
EURO = ('Ticket-Nr.;Nachricht;Kategorie\r\n'
        '1001;"Guten Tag,\nmeine Karte wurde zweimal mit 49,99 € belastet.";Rechnung\r\n'
        '1002;"Hallo,\nbitte Rücksendung für Bestellung 55512345.";Retoure\r\n')


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_semicolon_file_with_multi_line_cells_keeps_its_delimiter(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, encoding: str
) -> None:
    path = tmp_path / "euro.csv"
    path.write_bytes(EURO.encode(encoding))
    with caplog.at_level(logging.WARNING):
        examples, rejected = load(path, ColumnMapping(text="Nachricht", label="Kategorie"),
                                  encoding=encoding)
    assert rejected == []
    assert [(e.source.row, e.label) for e in examples] == [(1, "Rechnung"), (2, "Retoure")]
    assert examples[0].text == "Guten Tag,\nmeine Karte wurde zweimal mit 49,99 € belastet."
    assert "the header is line" not in caplog.text


def test_header_search_skips_lines_that_start_inside_a_quoted_cell(tmp_path: Path) -> None:
    # Read with `,` (as a wrong sniff would), the line inside the quoted cell splits into
    # the named columns; it must still not be taken for the header.
    from ftprep.loaders.csvhead import locate_header_row
    from ftprep.loaders.encoding import Encoding

    text = 'Nummer;Notiz\n1;"Bitte beachten:\nNachricht,Kategorie\nEnde"\n'
    path = write(tmp_path, "q.csv", text)
    mapping = ColumnMapping(text="Nachricht", label="Kategorie")
    assert locate_header_row(path, Encoding("utf-8"), ",", mapping) == (0, [])


def test_missing_columns_error_names_the_delimiter_and_the_sep_line(tmp_path: Path) -> None:
    path = write(tmp_path, "w.csv", "Ticket-Nr.;Nachricht;Kategorie\n1;a,b;c,d\n")
    from ftprep.loaders.columns import resolve_columns

    with pytest.raises(LoaderError) as info:
        resolve_columns(["Ticket-Nr.;Nachricht", "Kategorie"],
                        ColumnMapping(text="Nachricht", label="Kategorie2"),
                        file=str(path), delimiter=",")
    message = str(info.value)
    assert "read with delimiter ','" in message
    assert "sep=;" in message

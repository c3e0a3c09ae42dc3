"""Malformed CSV/TSV rows: field counts that differ from the header, trailing delimiters,
stray quotes. Every row ends as an example or a reject; the header never moves."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ftprep.loaders.tabular import load_table
from ftprep.records import Example, Rejected

CHUNKS = [1, 2, 3, 10_000]


def load(path: Path, **kw: object) -> tuple[list[Example], list[Rejected]]:
    items = list(load_table(path, **kw))  # type: ignore[arg-type]
    return [i for i in items if isinstance(i, Example)], [i for i in items if isinstance(i, Rejected)]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, newline="")
    return path


def rows(examples: list[Example]) -> list[tuple[int | None, str, str | None]]:
    return [(e.source.row, e.text, e.label) for e in examples]


@pytest.mark.parametrize("chunk_rows", CHUNKS)
def test_trailing_delimiter_on_every_row_keeps_the_columns(tmp_path: Path, chunk_rows: int) -> None:
    path = write(tmp_path, "t.csv", "Subject,Body,Category,Priority\n"
                 "Refund,I paid twice,Billing,High,\nCrash,App crashes,Technical,Low,\n"
                 "Late,Where is it,Returns,Low,\n")  # fmt: skip
    examples, rejected = load(path, chunk_rows=chunk_rows)
    assert rejected == []
    assert rows(examples) == [(1, "Refund\n\nI paid twice", "Billing"),
                              (2, "Crash\n\nApp crashes", "Technical"),
                              (3, "Late\n\nWhere is it", "Returns")]  # fmt: skip


@pytest.mark.parametrize("chunk_rows", CHUNKS)
def test_trailing_delimiter_on_some_later_rows_is_ignored(tmp_path: Path, chunk_rows: int) -> None:
    path = write(tmp_path, "t.csv", "text,label\na,x\nb,y,\nc,z\nd,x,\n")
    examples, rejected = load(path, chunk_rows=chunk_rows)
    assert rejected == []
    assert rows(examples) == [(1, "a", "x"), (2, "b", "y"), (3, "c", "z"), (4, "d", "x")]


@pytest.mark.parametrize("chunk_rows", CHUNKS)
def test_first_row_with_an_extra_field_is_rejected_not_an_index(
    tmp_path: Path, chunk_rows: int
) -> None:
    path = write(tmp_path, "f.csv", "Subject,Body,Category\n"
                 "Refund,I paid twice, please help,Billing\nCrash,App crashes,Technical\n"
                 "Late,Where is it,Returns\nWrong item,Sent the wrong size,Returns,\n"
                 "Odd,one,two,three\n")  # fmt: skip
    examples, rejected = load(path, chunk_rows=chunk_rows)
    assert rows(examples) == [(2, "Crash\n\nApp crashes", "Technical"),
                              (3, "Late\n\nWhere is it", "Returns"),
                              (4, "Wrong item\n\nSent the wrong size", "Returns")]  # fmt: skip
    assert [(r.source.row, r.reason, r.raw) for r in rejected] == [
        (1, "malformed-row", "Refund,I paid twice, please help,Billing"),
        (5, "malformed-row", "Odd,one,two,three"),
    ]
    assert "expected 3 fields, saw 4" in rejected[0].detail
    assert "quote that value" in rejected[0].detail


@pytest.mark.parametrize("chunk_rows", CHUNKS)
def test_first_row_with_two_extra_fields(tmp_path: Path, chunk_rows: int) -> None:
    path = write(tmp_path, "f.csv", "text,label\na,b,c,x\nplain,y\ntrail,z,\n")
    examples, rejected = load(path, chunk_rows=chunk_rows)
    assert rows(examples) == [(2, "plain", "y"), (3, "trail", "z")]
    assert [(r.source.row, r.reason) for r in rejected] == [(1, "malformed-row")]


@pytest.mark.parametrize("chunk_rows", CHUNKS)
def test_ragged_file_loses_no_row(tmp_path: Path, chunk_rows: int) -> None:
    text = ("Subject,Body,Category\nRefund,I paid twice, please help,Billing\n"
            "Crash,App crashes,Technical\nShort row only\nLate,Where is it,Returns,extra,more\n"
            ",,\n\nLast,ok,Returns\n")  # fmt: skip
    examples, rejected = load(write(tmp_path, "r.csv", text), chunk_rows=chunk_rows)
    assert rows(examples) == [(2, "Crash\n\nApp crashes", "Technical"), (7, "Last\n\nok", "Returns")]
    assert [(r.source.row, r.reason, r.raw) for r in rejected] == [
        (1, "malformed-row", "Refund,I paid twice, please help,Billing"),
        (3, "malformed-row", "Short row only"),
        (4, "malformed-row", "Late,Where is it,Returns,extra,more"),
    ]
    assert "saw 1" in rejected[1].detail and "complete the row" in rejected[1].detail


def test_short_row_whose_last_column_is_empty_anyway_is_fine(tmp_path: Path) -> None:
    # An empty last value is written with its delimiter: a full row, not a short one.
    path = write(tmp_path, "s.csv", "text,label,reply\nhello,x,\nshort,y\n")
    examples, rejected = load(path)
    assert rows(examples) == [(1, "hello", "x")]
    assert [(r.source.row, r.reason) for r in rejected] == [(2, "malformed-row")]


@pytest.mark.parametrize("chunk_rows", CHUNKS)
def test_stray_quote_in_csv_rejects_its_line_and_reads_the_rows_it_swallowed(
    tmp_path: Path, chunk_rows: int
) -> None:
    text = ('Subject,Body,Category\nfirst,fine,Returns\n"Urgent: refund,I paid twice,Billing\n'
            'Crash on "Save",App fails,Technical\nLate,Where is it,Returns\n'
            '"Multi\nline",ok,Billing\n')  # fmt: skip
    examples, rejected = load(write(tmp_path, "s.csv", text), chunk_rows=chunk_rows)
    assert rows(examples) == [(1, "first\n\nfine", "Returns"),
                              (3, 'Crash on "Save"\n\nApp fails', "Technical"),
                              (4, "Late\n\nWhere is it", "Returns"),
                              (5, "Multi\nline\n\nok", "Billing")]  # fmt: skip
    [bad] = rejected
    assert (bad.source.row, bad.reason, bad.raw) == (
        2, "malformed-row", '"Urgent: refund,I paid twice,Billing')
    assert "stray quote" in bad.detail and "1 line(s) further down" in bad.detail


def test_stray_quote_in_tsv_reads_the_line_as_plain_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = ('Subject\tBody\tCategory\n"Urgent: refund\tI paid twice\tBilling\n'
            "Crash\tcrashes\tTechnical\nLate\tWhere is it\tReturns\n"
            'A\t"quoted" start and more\tBilling\n')  # fmt: skip
    with caplog.at_level(logging.WARNING):
        examples, rejected = load(write(tmp_path, "g.tsv", text), chunk_rows=2)
    assert rejected == []
    assert [(e.source.row, e.label) for e in examples] == [
        (1, "Billing"), (2, "Technical"), (3, "Returns"), (4, "Billing")]
    assert examples[0].text == '"Urgent: refund\n\nI paid twice'
    assert "row 1: a quote opens a value that would swallow 3 rows" in caplog.text


def test_excel_tsv_with_quoted_line_breaks_still_reads(tmp_path: Path) -> None:
    text = 'text\tlabel\n"first line\nsecond\tline"\tbilling\n"say ""hi"""\ttech\n'
    examples, rejected = load(write(tmp_path, "e.tsv", text))
    assert rejected == []
    assert rows(examples) == [(1, "first line\nsecond\tline", "billing"), (2, 'say "hi"', "tech")]


@pytest.mark.parametrize("chunk_rows", CHUNKS)
def test_a_table_pasted_into_a_tsv_cell_stays_one_row(tmp_path: Path, chunk_rows: int) -> None:
    # Written by pandas to_csv(sep="\t"): every line of the value holds a row's tabs, and
    # its quote closes before a tab, as a well-formed file has it.
    text = ('text\tlabel\n"Item\tQty\nShoes\t2\nthat is my order, please refund"\tbilling\n'
            'plain ticket\ttechnical\n')
    examples, rejected = load(write(tmp_path, "p.tsv", text), chunk_rows=chunk_rows)
    assert rejected == []
    assert rows(examples) == [(1, "Item\tQty\nShoes\t2\nthat is my order, please refund", "billing"),
                              (2, "plain ticket", "technical")]  # fmt: skip


@pytest.mark.parametrize("chunk_rows", CHUNKS)
def test_real_multiline_value_with_a_rows_worth_of_commas_stays_one_row(
    tmp_path: Path, chunk_rows: int
) -> None:
    # Each line holds the header's number of commas, but the quote closes where a
    # well-formed file closes it (before a delimiter): a value, not swallowed rows.
    text = 'text,label\n"Hi team, please help.\nThanks",billing\n"a, b\nc, d\ne",x\nplain,y\n'
    examples, rejected = load(write(tmp_path, "m.csv", text), chunk_rows=chunk_rows)
    assert rejected == []
    assert rows(examples) == [(1, "Hi team, please help.\nThanks", "billing"),
                              (2, "a, b\nc, d\ne", "x"), (3, "plain", "y")]  # fmt: skip


def test_every_row_accounted_for_in_a_large_mixed_file(tmp_path: Path) -> None:
    good = [f"ticket {i},body {i},label{i % 3}" for i in range(300)]
    lines = list(good)
    lines[10] = "short row"
    lines[120] = "wide,row,with,extra"
    lines[200] = '"stray quote,body,label1'
    lines[201] = 'ticket 201,a "quoted" word,label0'
    lines[250] = lines[250] + ","  # trailing delimiter: fine
    path = write(tmp_path, "big.csv", "Subject,Body,Category\n" + "\n".join(lines) + "\n")
    examples, rejected = load(path, chunk_rows=64)
    assert sorted(r.source.row for r in rejected) == [11, 121, 201]
    assert len(examples) == 297
    for e in examples:
        subject, _, label = lines[(e.source.row or 0) - 1].split(",")[:3]
        assert e.text.startswith(subject) and e.label == label


@pytest.mark.parametrize("chunk_rows", CHUNKS)
def test_too_wide_last_row_is_rejected_not_lost(tmp_path: Path, chunk_rows: int) -> None:
    # The C parser tells of a skipped last row only as it ends, after the last chunk.
    examples, rejected = load(write(tmp_path, "l.csv", "text,label\na,x\nb,y\nc,z,w\n"),
                              chunk_rows=chunk_rows)  # fmt: skip
    assert rows(examples) == [(1, "a", "x"), (2, "b", "y")]
    assert [(r.source.row, r.reason, r.raw) for r in rejected] == [(3, "malformed-row", "c,z,w")]


@pytest.mark.parametrize("chunk_rows", [1, 10_000])
def test_malformed_rows_carry_their_id_when_it_can_be_read(tmp_path: Path, chunk_rows: int) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text('id,text,label\n1,hello there friend,billing\n2,too,many,cells,technical\n'
                    '3,short\n4,"unclosed quote,billing\n5,normal row text,billing\n',
                    encoding="utf-8")  # fmt: skip
    rejected = [i for i in load_table(path, chunk_rows=chunk_rows) if isinstance(i, Rejected)]
    assert [(r.source.row, r.source.record_id, r.reason) for r in rejected] == [
        (2, "2", "malformed-row"), (3, "3", "malformed-row"), (4, "4", "malformed-row")]


def test_a_malformed_rows_id_is_not_guessed_after_a_shift(tmp_path: Path) -> None:
    # The id is the last column: an extra field before it moves it, so no id is given.
    path = tmp_path / "late.csv"
    path.write_text("text,label,id\nfine row,a,1\ntoo,many,b,2\n", encoding="utf-8")
    [rejected] = [i for i in load_table(path) if isinstance(i, Rejected)]
    assert (rejected.source.row, rejected.source.record_id) == (2, None)

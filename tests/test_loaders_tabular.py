from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftprep.loaders.columns import ColumnMapping, LoaderError, resolve_columns
from ftprep.loaders.tabular import load_table, table_columns
from ftprep.records import Example, Rejected

EXAMPLES = Path(__file__).parents[1] / "examples"
CORPUS = Path(os.environ.get("FTPREP_CORPUS") or Path(__file__).parents[2] / "shared" / "corpus")
BANKING = CORPUS / "csv" / "banking77" / "banking_data"


def load(path: Path, mapping: ColumnMapping | None = None, **kw: object) -> list:
    return list(load_table(path, mapping, **kw))  # type: ignore[arg-type]


def split(items: list) -> tuple[list[Example], list[Rejected]]:
    return [i for i in items if isinstance(i, Example)], [
        i for i in items if isinstance(i, Rejected)
    ]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- columns ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "text", "label", "reply", "rid"),
    [
        (["text", "category"], ("text",), "category", None, None),
        (
            ["Ticket ID", "Ticket Subject", "Ticket Description", "Ticket Type", "Resolution"],
            ("Ticket Subject", "Ticket Description"),
            "Ticket Type",
            "Resolution",
            "Ticket ID",
        ),
        ([" Body ", "INTENT", "answer", "id"], (" Body ",), "INTENT", "answer", "id"),
        (
            ["ticket_id", "subject", "body", "category", "approved_reply", "created_at"],
            ("subject", "body"),
            "category",
            "approved_reply",
            "ticket_id",
        ),
        (["Subject", "Type"], ("Subject",), "Type", None, None),
    ],
)
def test_recognises_common_headers(
    headers: list[str],
    text: tuple[str, ...],
    label: str | None,
    reply: str | None,
    rid: str | None,
) -> None:
    cols = resolve_columns(headers, None)
    assert (cols.text, cols.label, cols.reply, cols.id) == (text, label, reply, rid)


def test_mapping_matches_case_and_whitespace_and_overrides_auto() -> None:
    cols = resolve_columns(
        [" Message ", "Topic", "text"], ColumnMapping(text="message", label="TOPIC")
    )
    assert cols.text == (" Message ",) and cols.label == "Topic"


def test_missing_mapped_column_lists_columns_and_fix() -> None:
    with pytest.raises(LoaderError) as err:
        resolve_columns(["text", "category"], ColumnMapping(label="categroy"), file="x.csv")
    msg = str(err.value)
    assert msg.startswith("x.csv: no column 'categroy' (mapped as label)")
    assert "'text', 'category'" in msg and "Did you mean 'category'" in msg and "Fix:" in msg
    assert err.value.file == "x.csv"


def test_column_errors_raise_at_call_time(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "text,label\nhi,x\n")
    with pytest.raises(LoaderError, match="no column 'nope'"):
        load_table(path, ColumnMapping(label="nope"))  # no iteration needed


def test_no_text_column_is_an_error() -> None:
    with pytest.raises(LoaderError, match="no text column"):
        resolve_columns(["foo", "bar"], None)


def test_presets(tmp_path: Path) -> None:
    zen = write(
        tmp_path,
        "z.csv",
        "Id,Requester,Subject,Tags,Ticket type,Created at\n"
        "1,Ann,Printer on fire,hw urgent,incident,2024-01-01\n",
    )
    cols = table_columns(zen, preset="zendesk")
    assert cols.text == ("Subject",) and cols.label == "Ticket type" and cols.fields == ("Tags",)
    [ex] = load(zen, preset="zendesk")
    assert ex.text == "Printer on fire" and ex.source.record_id == "1"
    assert ex.fields == {"date": "2024-01-01", "Tags": "hw urgent"}
    # The user's mapping overrides the preset's label.
    assert table_columns(zen, ColumnMapping(label="Tags"), preset="zendesk").label == "Tags"
    fresh = write(
        tmp_path,
        "f.csv",
        "Ticket ID,Subject,Description,Type,Created Time\n"
        "7,Refund,I want my money back,Refund,2024-02-02\n",
    )
    [ex] = load(fresh, preset="freshdesk")
    assert ex.text == "Refund\n\nI want my money back" and ex.label == "Refund"
    with pytest.raises(LoaderError, match="no column 'Description'"):
        load(zen, preset="freshdesk")
    with pytest.raises(LoaderError, match="unknown preset"):
        load(zen, preset="helpscout")


def test_zendesk_preset_says_there_is_no_description(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    zen = write(tmp_path, "z.csv", "Id,Subject,Ticket type\n1,Hi,question\n")
    load(zen, preset="zendesk")
    assert "no description" in caplog.text


# --- CSV parsing -----------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(["text", "label"])
    w.writerows([["I was charged, twice; why?", "billing"], ["App | crash", "technical"]] * 5)
    [first, *_], rejected = split(load(write(tmp_path, "t.csv", buf.getvalue())))
    assert (first.text, first.label, rejected) == ("I was charged, twice; why?", "billing", [])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encoding_is_detected(tmp_path: Path, encoding: str) -> None:
    text = 'text,label\n"Café – I can’t pay 49,99 €",billing\n'
    [ex] = load(write(tmp_path, "e.csv", text, encoding))
    assert ex.text == "Café – I can’t pay 49,99 €"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_is_detected(tmp_path: Path, encoding: str) -> None:
    from ftprep.loaders.encoding import detect_encoding

    # All ASCII: also valid UTF-8, which would read as text with a NUL in every other place.
    path = write(tmp_path, "u.csv", "text,label\nMy card was charged twice,billing\n", encoding)
    assert detect_encoding(path).name == encoding
    [ex] = load(path)
    assert (ex.text, ex.label) == ("My card was charged twice", "billing")


def test_given_encoding_that_does_not_fit_is_a_loader_error(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", 'text,label\n"Straße",x\n', "utf-8")
    assert load(path, encoding="latin-1")[0].text == "StraÃ\x9fe"  # decodes, wrongly
    with pytest.raises(LoaderError, match="unknown encoding"):
        load(path, encoding="klingon")


def test_values_are_strings_and_na_texts_survive(tmp_path: Path) -> None:
    path = write(tmp_path, "n.csv", "id,text,label\n007,NA,None\n1.50,null,n/a\n")
    ex1, ex2 = load(path)
    assert (ex1.source.record_id, ex1.text, ex1.label) == ("007", "NA", "None")
    assert (ex2.source.record_id, ex2.text, ex2.label) == ("1.50", "null", "n/a")


def test_numeric_looking_text_column_keeps_its_text(tmp_path: Path) -> None:
    path = write(tmp_path, "n.csv", "text,label\n007,a\n1e3,b\n")
    assert [e.text for e in load(path)] == ["007", "1e3"]


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 100])
def test_columns_numeric_in_a_later_chunk_are_reread_as_text(
    tmp_path: Path, chunk_rows: int
) -> None:
    # Ids are numeric everywhere; the texts only in the last rows; the labels in the middle.
    text = "id,text,label\n001,hello,a\n002,hi there,b\n003,yo,1\n004,0042,2\n005,7.50,c\n"
    examples = load(write(tmp_path, "n.csv", text), chunk_rows=chunk_rows)
    assert [(e.source.record_id, e.text, e.label) for e in examples] == [
        ("001", "hello", "a"),
        ("002", "hi there", "b"),
        ("003", "yo", "1"),
        ("004", "0042", "2"),
        ("005", "7.50", "c"),
    ]
    assert [e.source.row for e in examples] == [1, 2, 3, 4, 5]


def test_quoted_newlines_commas_and_quotes(tmp_path: Path) -> None:
    path = write(tmp_path, "q.csv", 'text,label\n"Line one,\nline ""two""",x\nplain,y\n')
    first, second = load(path)
    assert first.text == 'Line one,\nline "two"' and second.source.row == 2


BROKEN = (
    "text,label\n"
    "fine,a\n"  # row 1
    "too,many,fields\n"  # row 2: malformed
    "\n"  # row 3: blank line, not a record
    ",b\n"  # row 4: empty text
    "no label,\n"  # row 5: missing label
    '"multi\nline",c\n'  # row 6
    "short\n"  # row 7: a field short: malformed, not a row without a label
    "last,d\n"  # row 8
)


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 10_000])
def test_broken_csv_every_row_accounted_for(tmp_path: Path, chunk_rows: int) -> None:
    items = load(write(tmp_path, "b.csv", BROKEN), chunk_rows=chunk_rows)
    examples, rejected = split(items)
    assert [(e.source.row, e.text) for e in examples] == [
        (1, "fine"),
        (6, "multi\nline"),
        (8, "last"),
    ]
    reasons = sorted((r.source.row, r.reason) for r in rejected)
    assert reasons == [
        (2, "malformed-row"),
        (4, "empty-text"),
        (5, "missing-label"),
        (7, "malformed-row"),
    ]
    bad = next(r for r in rejected if r.reason == "malformed-row")
    assert bad.raw == "too,many,fields" and "expected 2 fields, saw 3" in bad.detail
    # read = examples + rejected: 7 records (the blank line is not one).
    assert len(items) == 7


@pytest.mark.parametrize("chunk_rows", [1, 2, 10_000])
def test_unterminated_quote_costs_its_line_only(tmp_path: Path, chunk_rows: int) -> None:
    text = 'text,label\na,x\nb,y,z\n"two\nlines",x\nc,x\n"never closed,x\nd,x\ne,x\n'
    examples, rejected = split(load(write(tmp_path, "u.csv", text), chunk_rows=chunk_rows))
    # The rows after the stray quote are read; a quoted multi-line field is one row.
    assert [e.text for e in examples] == ["a", "two\nlines", "c", "d", "e"]
    assert [e.source.row for e in examples] == [1, 3, 4, 6, 7]
    rejected.sort(key=lambda r: r.source.row or 0)
    assert [(r.source.row, r.reason) for r in rejected] == [
        (2, "malformed-row"),
        (5, "malformed-row"),
    ]
    assert "unterminated quoted field" in rejected[1].detail
    assert rejected[1].raw == '"never closed,x'


@pytest.mark.parametrize("text", [
    'text,label\n"first row never closed,x\nb,y\nc,z\n',  # pandas fails before any row
    'text,label\na,x\nb,y\n"last line',                  # no newline at the end
], ids=["first-row", "last-line"])
def test_every_row_is_read_or_rejected_around_a_stray_quote(tmp_path: Path, text: str) -> None:
    # (Two stray quotes pair up into one quoted field: no CSV reader can tell them apart
    # from a real multi-line field, so that case is not promised.)
    examples, rejected = split(load(write(tmp_path, "q.csv", text), chunk_rows=2))
    stray = [line for line in text.splitlines()[1:] if line.count('"') % 2]
    assert sorted(r.raw for r in rejected) == sorted(stray)
    assert all("unterminated quoted field" in r.detail for r in rejected)
    assert len(examples) + len(rejected) == len(text.splitlines()) - 1


def test_empty_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="empty"):
        load(write(tmp_path, "e.csv", ""))
    with pytest.raises(LoaderError, match="unknown table format"):
        load(write(tmp_path, "e.docx", "x"))
    with pytest.raises(LoaderError, match="no such file"):
        load(tmp_path / "missing.csv")


def test_wrong_delimiter_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "w.csv", "text;label\nhello;x\n")
    with pytest.raises(LoaderError, match="no column 'body'"):
        load(path, ColumnMapping(text="body"))


rows_strategy = st.lists(
    st.tuples(
        st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00\r"), max_size=40),
        st.sampled_from(["billing", "", "NA", "tech, support", 'say "hi"']),
    ),
    max_size=25,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy, chunk_rows=st.sampled_from([1, 3, 1000]))
def test_round_trip_any_csv(tmp_path: Path, rows: list[tuple[str, str]], chunk_rows: int) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["text", "label"])
    w.writerows(rows)
    path = write(tmp_path, "h.csv", buf.getvalue())
    items = load(path, chunk_rows=chunk_rows)
    examples, rejected = split(items)
    # Every non-blank row ends somewhere, with its row number.
    nonblank = [(i, r) for i, r in enumerate(rows, 1) if r[0].strip() or r[1].strip()]
    assert sorted(i.source.row for i in items) == [i for i, _ in nonblank]
    for ex in examples:
        text, label = rows[(ex.source.row or 0) - 1]
        assert (ex.text, ex.label) == (text.strip(), label)
    assert all(r.reason in ("empty-text", "missing-label") for r in rejected)


@pytest.mark.parametrize("chunk_rows", [1, 1000])
def test_a_number_past_64_bits_is_read_as_text(tmp_path: Path, chunk_rows: int) -> None:
    # pandas keeps it as a Python int in an object column, which crashed the text step.
    path = write(tmp_path, "big.csv", "text,label\n20000000000000000000,x\nhello,y\n")
    examples, rejected = split(load(path, chunk_rows=chunk_rows))
    assert [(e.text, e.label) for e in examples] == [("20000000000000000000", "x"), ("hello", "y")]
    assert rejected == []


# --- other formats ---------------------------------------------------------------------


def _frame() -> Any:
    import pandas as pd

    return pd.DataFrame(
        {"Body": ["Card lost", "", "App crash"], "Intent": ["card", "x", ""], "n": [1, 2, 3]}
    )


def test_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    _frame().to_excel(path, index=False, sheet_name="Tickets")
    examples, rejected = split(load(path, sheet="Tickets"))
    assert [(e.text, e.label, e.source.row) for e in examples] == [("Card lost", "card", 1)]
    assert [r.reason for r in rejected] == ["empty-text", "missing-label"]
    with pytest.raises(LoaderError, match="no sheet 'Nope'"):
        load(path, sheet="Nope")


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    _frame().to_parquet(path)
    examples, rejected = split(load(path, ColumnMapping(fields=["n"]), chunk_rows=2))
    assert [(e.text, e.fields, e.source.row) for e in examples] == [("Card lost", {"n": "1"}, 1)]
    assert [r.source.row for r in rejected] == [2, 3]


def test_json_array_and_jsonl(tmp_path: Path) -> None:
    records = [{"text": "Hi", "label": "a", "tags": ["x"]}, {"text": "Yo", "label": None}, 5]
    path = write(tmp_path, "t.json", json.dumps(records))
    examples, rejected = split(load(path, ColumnMapping(fields=["tags"])))
    assert [(e.text, e.fields) for e in examples] == [("Hi", {"tags": '["x"]'})]
    assert [(r.source.row, r.reason) for r in rejected] == [
        (2, "missing-label"),
        (3, "malformed-row"),
    ]
    lines = '{"text": "Hi", "label": "a"}\n\n{"text": broken\n{"text": "Ho", "label": "b"}\n'
    examples, rejected = split(load(write(tmp_path, "t.jsonl", lines)))
    assert [(e.text, e.source.row) for e in examples] == [("Hi", 1), ("Ho", 4)]
    assert [(r.source.row, r.reason) for r in rejected] == [(3, "malformed-row")]
    with pytest.raises(LoaderError, match="expected a JSON array"):
        load(write(tmp_path, "o.json", '{"text": "x"}'))


# --- real files --------------------------------------------------------------------------


def test_examples_tickets_csv() -> None:
    path = EXAMPLES / "tickets.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        n_rows = sum(1 for r in csv.reader(fh)) - 1
    items = load(path)
    examples, rejected = split(items)
    assert len(items) == n_rows  # read = examples + rejected
    assert [r.reason for r in rejected] == ["empty-text"]
    ex = examples[0]
    assert ex.source.record_id == "T-10001" and ex.reply and ex.reply.startswith("Hi ")
    assert ex.fields["date"].startswith("2024-")
    labels = Counter(e.label for e in examples)
    assert labels["Billing inquiry"] == 1 and set(labels) >= {
        "billing",
        "technical",
        "returns",
        "complaints",
    }


@pytest.mark.corpus
def test_banking77_train() -> None:
    path = BANKING / "train.csv"
    if not path.is_file():
        pytest.skip(f"corpus not found at {CORPUS}: set FTPREP_CORPUS to ../shared/corpus")
    examples, rejected = split(load(path))
    assert (len(examples), len(rejected)) == (10_003, 0)
    assert len({e.label for e in examples}) == 77
    with path.open(newline="", encoding="utf-8") as fh:
        inner = sum("\n" in row[0].strip() for row in csv.reader(fh))
    assert inner > 0 and sum("\n" in e.text for e in examples) == inner  # kept inside texts


# --- every record accounted for --------------------------------------------------------


def _frame_unused() -> Any:
    import pandas as pd

    return pd.DataFrame(
        {
            "text": ["First", "", "Third"],
            "label": ["billing", "", "returns"],
            "notes": ["", "Customer called back", ""],
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet", ".json", ".jsonl"])
def test_row_with_data_only_in_unused_columns_is_rejected_not_dropped(
    tmp_path: Path, suffix: str
) -> None:
    frame = _frame_unused()
    path = tmp_path / f"t{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_json(path, orient="records", lines=suffix == ".jsonl")
    examples, rejected = split(load(path))
    assert [e.source.row for e in examples] == [1, 3]
    assert [(r.source.row, r.reason) for r in rejected] == [(2, "empty-text")]
    assert rejected[0].raw == {"text": "", "label": "", "notes": "Customer called back"}


def test_row_with_data_only_in_unused_columns_after_a_stray_quote(tmp_path: Path) -> None:
    path = write(tmp_path, "q.csv", 'text,label,notes\n"open,x,\n,,called back\nok,a,\n')
    examples, rejected = split(load(path))
    assert [e.source.row for e in examples] == [3]
    assert [(r.source.row, r.reason) for r in rejected] == [(1, "malformed-row"), (2, "empty-text")]
    assert rejected[1].raw == {"text": "", "label": "", "notes": "called back"}


def test_blank_rows_are_still_not_records(tmp_path: Path) -> None:
    path = write(tmp_path, "b.csv", "text,label,notes\nHi,a,\n,,\n\nYo,b,\n")
    examples, rejected = split(load(path))
    assert ([e.source.row for e in examples], rejected) == ([1, 4], [])


def test_json_keys_match_case_insensitively_per_record(tmp_path: Path) -> None:
    lines = '{"Text": "one", "Label": "a"}\n{"text": "two", "label": "b"}\n{"TEXT": "three"}\n'
    examples, rejected = split(load(write(tmp_path, "c.jsonl", lines)))
    assert [(e.text, e.label) for e in examples] == [("one", "a"), ("two", "b")]
    assert [(r.source.row, r.reason, r.raw) for r in rejected] == [
        (3, "missing-label", {"TEXT": "three"})  # the record as read
    ]


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
@pytest.mark.parametrize("lead", ["\n", "\n\n", "  \n"])
def test_header_is_the_first_non_blank_line(tmp_path: Path, eol: str, lead: str) -> None:
    body = ["text;label", "Card lost;card", "a;b;c;d", '"open;x', "App crash;tech"]
    path = write(tmp_path, "b.csv", lead.replace("\n", eol) + eol.join(body) + eol)
    examples, rejected = split(load(path, chunk_rows=2))
    assert [(e.text, e.label, e.source.row) for e in examples] == [
        ("Card lost", "card", 1),
        ("App crash", "tech", 4),
    ]
    assert [(r.source.row, r.raw) for r in rejected] == [(2, "a;b;c;d"), (3, '"open;x')]
    assert table_columns(path).text == ("text",)


def test_wide_csv_with_an_id_changing_type_mid_chunk_stays_text(tmp_path: Path) -> None:
    # 150 columns: pandas' default low_memory parse splits a chunk into ~7,000-row blocks.
    width, rows = 150, 8000
    head = ["Id", "Subject", "Ticket type", *(f"c{i}" for i in range(width - 3))]
    lines = [",".join(head)]
    filler = "," * (width - 4) + "x"
    for n in range(1, rows + 1):
        rid = f"{n:06d}" if n <= 7500 else f"ZD-{n}"
        lines.append(f"{rid},Subject {n},problem,{filler}")
    path = write(tmp_path, "wide.csv", "\n".join(lines) + "\n")
    examples, rejected = split(load(path, ColumnMapping(id="Id")))
    assert rejected == []
    ids = [e.source.record_id for e in examples]
    assert ids[:2] == ["000001", "000002"] and ids[-1] == f"ZD-{rows}" and len(ids) == rows


def _parquet(tmp_path: Path, text: Any, labels: list[str]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"text": text, "label": pa.array(labels)}), path)
    return path


def test_parquet_text_not_utf8_rejects_its_row_only(tmp_path: Path) -> None:
    import pyarrow as pa

    raw = pa.array([b"good one", b"bad \xe9 latin1", b"good two"], pa.binary())
    for text in (raw.view(pa.string()), raw):  # a lax string column, a binary column
        examples, rejected = split(load(_parquet(tmp_path, text, ["a", "b", "c"])))
        assert [(e.text, e.source.row) for e in examples] == [("good one", 1), ("good two", 3)]
        assert [(r.source.row, r.reason) for r in rejected] == [(2, "malformed-row")]
        assert "column 'text' is not valid UTF-8" in rejected[0].detail


def test_parquet_nested_decimal_and_binary_become_json_text(tmp_path: Path) -> None:
    import decimal

    import pyarrow as pa

    nested = pa.array([[decimal.Decimal("1.50")]], pa.list_(pa.decimal128(5, 2)))
    examples, _ = split(load(_parquet(tmp_path, nested, ["a"])))
    assert [e.text for e in examples] == ['["1.50"]']
    nested = pa.array([{"k": b"bin"}], pa.struct([("k", pa.binary())]))
    examples, _ = split(load(_parquet(tmp_path, nested, ["a"])))
    assert [e.text for e in examples] == ['{"k":"bin"}']


@pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", b""])
def test_utf8_file_with_stray_cp1252_bytes_keeps_every_row(
    tmp_path: Path, bom: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    good = "".join(f"Déjà vu {n},billing\n" for n in range(3000)).encode()
    path = tmp_path / "m.csv"
    path.write_bytes(bom + b"text,label\n" + good + "Café “broken”,tech\n".encode("cp1252"))
    items = load(path)
    assert len(items) == 3001 and items[0].text == "Déjà vu 0"
    assert items[-1].text == "Café “broken”"
    assert "line 3002" in caplog.text and "cp1252" in caplog.text


def test_utf8_error_offset_across_blocks(tmp_path: Path) -> None:
    from ftprep.loaders.encoding import _utf8_error_offset

    path = tmp_path / "b.txt"
    path.write_bytes("abé".encode() + b"cd\xe9f")
    assert [_utf8_error_offset(path, block) for block in (1, 3, 4, 100)] == [6] * 4
    path.write_bytes("abé".encode()[:-1])  # cut inside the last character
    assert _utf8_error_offset(path, 2) == 2


def test_utf16_cut_short_is_read_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "u.csv"
    path.write_bytes("text,label\nCafé,billing\n".encode("utf-16")[:-1])
    [ex] = load(path)
    assert ex.text == "Café" and "not all valid utf-16" in caplog.text


def test_encoding_error_says_where_to_set_the_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", 'text,label\n"Straße",x\n', "cp1252")
    with pytest.raises(LoaderError, match=r"\[convert\]") as info:
        load(path, encoding="utf-8")
    assert "--encoding cp1252" in str(info.value)


JSON_RECORDS = [{"text": "Café “quoted”", "label": "billing"}, {"text": "Ça va", "label": "x"}]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252"])
@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_json_encodings_are_detected(tmp_path: Path, encoding: str, suffix: str) -> None:
    if suffix == ".json":
        text = json.dumps(JSON_RECORDS, ensure_ascii=False)
    else:
        text = "\r\n".join(json.dumps(r, ensure_ascii=False) for r in JSON_RECORDS) + "\r\n"
    examples, rejected = split(load(write(tmp_path, f"e{suffix}", text, encoding)))
    assert [(e.text, e.label) for e in examples] == [(r["text"], r["label"]) for r in JSON_RECORDS]
    assert rejected == []


def test_jsonl_with_one_cp1252_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "m.jsonl"
    path.write_bytes(b'{"text": "ok", "label": "a"}\n'
                     + '{"text": "Café", "label": "b"}\n'.encode("cp1252"))
    assert [e.text for e in load(path)] == ["ok", "Café"]
    assert "line 2 (and maybe later ones) is not UTF-8" in caplog.text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("e.jsonl", "", "the file is empty"),
        ("e.jsonl", "\n\n", "the file is empty"),
        ("e.json", "", "the file is empty"),
        ("e.json", "[]", "the JSON array is empty"),
        ("a.jsonl", '[{"text": "x"}]', "line 1 is a JSON array, not an object: .*named .json"),
        ("n.jsonl", "1\n2\n", "none of the first 2 records is a JSON object"),
    ],
)
def test_json_without_objects_says_why(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    with pytest.raises(LoaderError, match=message):
        load(write(tmp_path, name, content))


# --- smaller problems (report items 13 and 15) ------------------------------------------


def test_excel_sep_line_names_the_delimiter(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", "sep=;\ntext;label\nCard lost, again;card\n")
    [ex] = load(path)
    assert (ex.text, ex.label, ex.source.row) == ("Card lost, again", "card", 1)


def test_other_sheets_are_named_in_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import pandas as pd

    path = tmp_path / "two.xlsx"
    with pd.ExcelWriter(path) as book:
        _frame().to_excel(book, sheet_name="Jan", index=False)
        _frame().to_excel(book, sheet_name="Feb", index=False)
    load(path)
    assert "reading sheet 'Jan' only; the workbook also has 'Feb'" in caplog.text


def test_non_object_json_lines_keep_their_json_text(tmp_path: Path) -> None:
    path = write(tmp_path, "m.jsonl", '{"text": "Hi", "label": "a"}\nnull\n[1, 2]\n"s"\n')
    _, rejected = split(load(path))
    assert [(r.raw, r.detail) for r in rejected] == [
        ("null", "not a JSON object: null"),
        ("[1,2]", "not a JSON object: an array"),
        ('"s"', "not a JSON object: a string"),
    ]


def test_json_labels_that_are_lists_or_objects(tmp_path: Path) -> None:
    rows = [{"text": "one label in a list", "label": ["billing"]},
            {"text": "two labels", "label": ["technical", "billing"]},
            {"text": "an object", "label": {"name": "returns"}},
            {"text": "an empty list", "label": []},
            {"text": "a flag", "label": True},
            {"text": "tag objects", "label": [{"id": 4, "name": "billing"}]}]
    path = write(tmp_path, "l.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    examples, rejected = split(load(path))
    assert [(e.text, e.label) for e in examples] == [("one label in a list", "billing"),
                                                      ("a flag", "true")]
    # An object (or a list of them) is no label at all, not several: its own reason.
    assert [(r.source.row, r.reason) for r in rejected] == [
        (2, "several-labels"), (3, "nested-label"), (4, "missing-label"), (6, "nested-label")]
    assert '2 labels (["technical","billing"])' in rejected[0].detail
    assert rejected[1].detail == ('\'label\' holds an object ({"name":"returns"}), not a label: '
                                  "read the key that holds the label with --label 'label.name'")
    assert rejected[3].detail.endswith("with --label 'label[0].name'")


ENCODED = {
    # Excel "CSV" on a Polish, Czech or Western Windows: the bytes decode either way.
    "polish": ("cp1250", "Temat;Treść;Kategoria\nZwrot pieniędzy;Proszę o zwrot – zapłaciłem "
               "dwa razy. Zażółć gęślą jaźń.;płatności\nBłąd aplikacji;Aplikacja się "
               "zawiesza, środa;techniczne\n"),
    "czech": ("cp1250", "Předmět;Text;Kategorie\n" + "Vrácení;Dobrý den, včera jsem zaplatil "
              "dvakrát a peníze mi nikdo nevrátil. Prosím o vrácení částky.;platby\n"
              "Chyba;Aplikace se při přihlášení zasekne, zkoušel jsem restart.;technické\n" * 3),
    "italian": ("cp1252", "Oggetto;Testo;Categoria\nRimborso;Perché è così difficile? Più "
                "tardi;fatturazione\n"),
    "french": ("cp1252", "Objet;Texte;Catégorie\nRemboursement;J’ai payé deux fois, remboursez-"
               "moi « vite » s’il vous plaît – merci;facturation\n"),
    "spanish": ("cp1252", "Asunto;Texto;Categoría\nCobro;¿Por qué me cobraron dos veces? Señor, "
                "año, niño;facturación\n"),
    # Read as mac_latin2 once (ç -> Á, n° -> nį): symbols beside words are text too.
    "french-symbols": ("cp1252", "Objet;Texte;Catégorie\nCommande;Je n’ai pas reçu ma commande "
                       "n° 1234 – pouvez-vous vérifier ? Le prix était 49,99 €.;facturation\n"),
    "italian-ellipsis": ("cp1252", "Oggetto;Testo;Categoria\nPrezzo;Perché il prezzo è più alto? "
                         "È un errore…;fatturazione\n"),
    "finnish": ("cp1252", "Aihe;Teksti;Luokka\nHinta;Hinta on väärä, äiti sanoi että tämä on "
                "vähän kallis. Maksoin 25 € – palautus kiitos.;laskutus\n"),
    # ő and ű are õ and û in cp1252: Hungarian is told by its letters (with ö or ü).
    "hungarian": ("cp1250", "Tárgy;Szöveg;Kategória\nHiba;Nem működik az alkalmazás, előre "
                  "is köszönöm;műszaki\n"),
    "hungarian-one-line": ("cp1250", "id;text;label\n12;A belépés nem működik;hiba\n"),
    # õ and û in Western text: Portuguese has ã or ç beside õ, French no ö or ü.
    "portuguese": ("cp1252", "Assunto;Texto;Categoria\nPagamento;As opções de pagamento não "
                   "funcionam;pagamentos\n"),
    "french-circumflex": ("cp1252", "Objet;Texte;Catégorie\nPrix;Je suis sûr que le prix est "
                          "élevé, il coûte trop;facturation\n"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(ENCODED))
def test_single_byte_code_page_is_told_apart_and_the_guess_is_a_warning(
    tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    from ftprep.loaders.encoding import detect_encoding

    encoding, text = ENCODED[name]
    path = write(tmp_path, f"{name}.csv", text, encoding)
    assert detect_encoding(path).name == encoding
    header = text.split("\n", 1)[0].split(";")
    with caplog.at_level("WARNING"):
        examples = load(path, ColumnMapping(text=header[1], label=header[2]))
    first_row = text.split("\n")[1].split(";")
    assert (examples[0].text, examples[0].label) == (first_row[1], first_row[2])
    assert f"read as {encoding}, a guess" in caplog.text and "--encoding NAME" in caplog.text


JIRA = ("Summary,Issue key,Issue id,Description,Labels,Labels,Comment,Comment\n"
        "Refund for double charge,SD-1,10001,I was charged twice.,billing,refund,"
        "We refunded you.,Thanks!\n")  # fmt: skip


def test_repeated_headers_are_named_in_a_warning_and_can_be_mapped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, "jira.csv", JIRA)
    with caplog.at_level("WARNING"):
        [ex] = load(path, ColumnMapping(label="Labels", reply="Comment.1"))
    assert (ex.label, ex.reply, ex.source.record_id) == ("billing", "Thanks!", "SD-1")
    assert ("the header 'Comment' appears 2 times, as the columns 'Comment', 'Comment.1'; "
            "'Comment' not read") in caplog.text  # fmt: skip
    assert "the header 'Labels' appears 2 times" in caplog.text and "'Labels.1' not read" in caplog.text


def test_no_text_column_suggests_the_cli_options_first_and_spots_a_title_line(
    tmp_path: Path,
) -> None:
    # Below a title, the first line with two or more fields is the header the error names.
    path = write(tmp_path, "t.csv", "Support tickets export\nVorgang,Stichwort,Gruppe\n")
    with pytest.raises(LoaderError) as info:
        load(path)
    message = str(info.value)
    assert message.index("--text Subject --text Body --label Category") < message.index(
        "ColumnMapping")
    assert "none of the columns ('Vorgang', 'Stichwort', 'Gruppe')" in message
    # A title with nothing under it that could be a header is still called one.
    path = write(tmp_path, "o.csv", "Support tickets export\nBetreff\n")
    with pytest.raises(LoaderError, match="holds only 'Support tickets export': if that is a title"):
        load(path)

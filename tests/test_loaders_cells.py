"""Cells: a CSV column read cell by cell where asked, as convert reads ids, dates and
unwritten replies; it must read as the eager lists do."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pytest

from ftprep.loaders import rows
from ftprep.loaders.rows import Cells
from ftprep.loaders.tabular import load_table_chunks
from ftprep.records import ExampleColumns, one_by_one

VALUES = [" a ", "b", "", "  c", "d  ", "e"]


def test_cells_read_like_a_list_one_by_one_or_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    cells = Cells(pa.chunked_array([VALUES[:2], VALUES[2:]]))
    assert len(cells) == len(VALUES)
    assert [cells[i] for i in range(len(VALUES))] == VALUES
    assert cells[-1] == "e"
    with pytest.raises(IndexError):
        cells[len(VALUES)]
    part = cells[1:5]
    assert list(part) == VALUES[1:5] and part[0] == "b" and len(part) == 4
    assert list(cells[2:][1:]) == VALUES[3:]
    assert list(cells[4:2]) == []
    assert list(cells[::2]) == VALUES[::2]
    stripped = cells.stripped()
    assert list(stripped[1:]) == [v.strip() for v in VALUES[1:]]
    assert stripped[0] == "a"
    # Past the reads made one by one, the whole column is read once: same values.
    monkeypatch.setattr(rows, "_CELL_READS", 2)
    many = Cells(pa.array(VALUES)).stripped()
    assert [many[i] for i in range(len(VALUES))] == [v.strip() for v in VALUES]
    assert list(many) == [v.strip() for v in VALUES] and many[1:3] == ["b", ""]


def test_columns_read_per_row_give_the_same_records(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "subject", "body", "category", "reply", "created"])
        for i in range(60):
            body = "" if i % 7 == 3 else f"body {i}\nline"
            label = "" if i % 11 == 5 else ["billing", "returns"][i % 2]
            out.writerow([f" T-{i} ", f"s{i}", body, label, f" reply {i} ", f"2024-01-{i % 28 + 1:02d}"])
        out.writerow(["T-x", "a", "b,c"])  # short: re-read, a bad row or padded

    def records(per_row: tuple[str, ...]) -> list[object]:
        items = list(load_table_chunks(path, chunk_rows=16, per_row=per_row))
        columns = [item for item in items if isinstance(item, ExampleColumns)]
        assert columns and all(isinstance(c.ids, Cells) == bool(per_row) for c in columns)
        return [*one_by_one(items), *(c.raw(i) for c in columns for i in range(len(c)))]

    assert records(("id", "date", "reply")) == records(())

"""Sources with an extension that says nothing (.dat, none, .gz): table, mail or error."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from ftprep.convert import ConvertSettings
from ftprep.loaders import load_chunks
from ftprep.loaders.columns import LoaderError
from ftprep.records import Example, Rejected, one_by_one

TABLE = "text|label\nMy card was charged twice|billing\nThe app crashes|technical\n"


def load(*paths: Path) -> list[Example | Rejected]:
    return list(one_by_one(load_chunks(list(paths), ConvertSettings())))


@pytest.mark.parametrize("name", ["tickets.dat", "tickets", "export.csv.bak"])
def test_delimited_file_with_unknown_extension_is_read_as_a_table(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_text(TABLE)
    items = load(path)
    assert [(i.text, i.label) for i in items if isinstance(i, Example)] == [
        ("My card was charged twice", "billing"),
        ("The app crashes", "technical"),
    ]


def test_mail_without_extension_is_still_mail(tmp_path: Path) -> None:
    path = tmp_path / "message"
    path.write_text("From: a@example.com\nTo: b@example.com\nSubject: Refund, please\n\n"
                    "Hello, I want a refund, thanks.\n")
    [item] = load(path)
    assert isinstance(item, Example) and item.fields["subject"] == "Refund, please"


def test_compressed_file_is_an_error_that_says_to_decompress(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv.gz"
    path.write_bytes(gzip.compress(TABLE.encode()))
    with pytest.raises(LoaderError, match="gzip-compressed file: decompress it first"):
        load(path)


def test_text_that_is_no_table_says_to_rename(tmp_path: Path) -> None:
    from ftprep.loaders.tabular import load_table

    path = tmp_path / "notes.dat"
    path.write_text("just some words\nno delimiters here\n")
    with pytest.raises(LoaderError, match="does not look like a delimited table: rename"):
        list(load_table(path))

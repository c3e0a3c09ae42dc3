"""Loaders: tables and mailboxes to a stream of Example or Rejected.

`load_chunks` picks the loader by what each source is: a table by its extension, email
for .eml/.mbox/.msg files, folders (Maildir, Thunderbird, folders of .eml) and files
whose first line is an mbox `From ` line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ftprep.records import Example, ExampleColumns, Rejected

if TYPE_CHECKING:
    from ftprep.convert import ConvertSettings

TABLE_SUFFIXES = {".csv", ".tsv", ".tab", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet", ".pq",
                  ".json", ".jsonl", ".ndjson"}


def is_table(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in TABLE_SUFFIXES and not _looks_like_mbox(path)


def load_chunks(
    sources: Sequence[Path], settings: ConvertSettings
) -> Iterator[Example | Rejected | ExampleColumns]:
    """Every record of every source: tables in the order given, then all mail sources
    together (a thread may span several of them), folders in sorted order. A table's
    runs of good rows come as columns (ExampleColumns; `records.one_by_one` unrolls them)."""
    from ftprep.loaders.columns import LoaderError

    tables = [Path(s) for s in sources if is_table(Path(s))]
    mail = [Path(s) for s in sources if not is_table(Path(s))]
    for source in sources:
        if not Path(source).exists():
            raise LoaderError(str(source), "no such file or folder; check the path")
    for path in tables:
        from ftprep.loaders.tabular import load_table_chunks

        yield from load_table_chunks(path, settings.columns, preset=settings.preset,
                                     encoding=settings.encoding, sheet=settings.sheet)
    if mail:
        yield from _load_mail(mail, settings)


def _load_mail(paths: list[Path], settings: ConvertSettings) -> Iterator[Example | Rejected]:
    from ftprep.loaders.email import load_email

    yield from load_email(paths, settings.email)


def _looks_like_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False

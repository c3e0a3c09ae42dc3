"""Loaders: tables and mailboxes to a stream of Example or Rejected.

`load_chunks` picks the loader by what each source is: a table by its extension, email
for .eml/.mbox/.msg files, folders (Maildir, Thunderbird, folders of .eml) and files
whose first line is an mbox `From ` line. A file with another extension (.dat, none) is
a table when it is not mail and its lines split evenly on a delimiter; a compressed file
is an error (it would otherwise be read as one broken e-mail).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ftprep.records import Example, ExampleColumns, Rejected

if TYPE_CHECKING:
    from ftprep.convert import ConvertSettings
    from ftprep.loaders.columns import ColumnMapping, ResolvedColumns

TABLE_SUFFIXES = {".csv", ".tsv", ".tab", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet", ".pq",
                  ".json", ".jsonl", ".ndjson"}
# Suffixes the mail loader owns: never sniffed as tables.
MAIL_SUFFIXES = {".eml", ".msg", ".mbox", ".mbx"}


def is_table(path: Path) -> bool:
    if not path.is_file() or _looks_like_mbox(path):
        return False
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return True
    return suffix not in MAIL_SUFFIXES and not _looks_like_mail(path) and _looks_like_csv(path)


def load_chunks(
    sources: Sequence[Path], settings: ConvertSettings,
    on_columns: Callable[[str, ResolvedColumns], None] | None = None,
    per_row: Collection[str] = (),
) -> Iterator[Example | Rejected | ExampleColumns]:
    """Every record of every source: tables in the order given, then all mail sources
    together (a thread may span several of them), folders in sorted order. A table's
    runs of good rows come as columns (ExampleColumns; `records.one_by_one` unrolls them),
    those of the roles in `per_row` possibly read only where asked (load_table_chunks)."""
    from ftprep.loaders.columns import LoaderError

    for source in sources:
        if not Path(source).exists():
            raise LoaderError(str(source), "no such file or folder; check the path")
        _refuse_compressed(Path(source))
    # is_table reads a file's start: once per source.
    table_or_not = [(Path(s), is_table(Path(s))) for s in sources]
    tables = [path for path, table in table_or_not if table]
    mail = [path for path, table in table_or_not if not table]
    columns = _with_template_fields(settings) if tables else settings.columns
    for path in tables:
        from ftprep.loaders.tabular import load_table_chunks

        # The email options know the run's allowed labels (convert sets them): of a JSON
        # list of labels, the one allowed item is the label, as for mail.
        yield from load_table_chunks(path, columns, preset=settings.preset,
                                     encoding=settings.encoding, sheet=settings.sheet,
                                     on_columns=on_columns,
                                     label_allowed=settings.email.label_allowed,
                                     per_row=per_row)
    if mail:
        yield from _load_mail(mail, settings)


def _with_template_fields(settings: ConvertSettings) -> ColumnMapping:
    """The column mapping plus the columns the user template names ({subject}): a table
    row carries the columns its mapping names, and the template needs these."""
    from ftprep.build import template_columns

    columns = settings.columns
    named = [n for n in template_columns(settings.user_template)
             if n not in (*columns.fields, *columns.optional_fields)]
    if not named:
        return columns
    return columns.model_copy(update={"optional_fields": (*columns.optional_fields, *named)})


def _load_mail(paths: list[Path], settings: ConvertSettings) -> Iterator[Example | Rejected]:
    from ftprep.loaders.email import load_email

    yield from load_email(paths, settings.email)


def _refuse_compressed(path: Path) -> None:
    from ftprep.loaders.columns import LoaderError

    suffix = path.suffix.lower()
    if not path.is_file() or suffix in TABLE_SUFFIXES | MAIL_SUFFIXES:
        return  # .xlsx is a zip
    from ftprep.jsonl import compressed_kind

    with path.open("rb") as handle:
        kind = compressed_kind(handle.read(6))
    if kind is not None:
        raise LoaderError(str(path), f"a {kind}-compressed file: decompress it first and "
                          "pass the table (.csv, .jsonl, ...) or mailbox inside")  # fmt: skip


def _looks_like_mail(path: Path) -> bool:
    from ftprep.loaders.email.headers import scan

    with path.open("rb") as handle:
        return scan(handle.read(8192)).is_mail


def _looks_like_csv(path: Path) -> bool:
    from ftprep.loaders.csvhead import looks_like_csv

    return looks_like_csv(path)


def _looks_like_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False

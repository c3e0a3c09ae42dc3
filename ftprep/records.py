"""The canonical labelled example that every loader produces and the builder consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a record came from, precise enough to find it again by hand."""

    file: str
    # 1-based row number for tables (header excluded), message index for mailboxes.
    row: int | None = None
    # A stable id from the data itself: ticket id, Message-ID, file name in a Maildir.
    record_id: str | None = None

    def describe(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.record_id:
            parts.append(f"id {self.record_id}")
        return ", ".join(parts)


@dataclass(slots=True)
class Example:
    """One labelled support example: the customer's text, its label, and the approved reply."""

    text: str
    source: SourceRef
    label: str | None = None
    reply: str | None = None
    # Extra fields a user template may refer to (subject, date, channel, ...).
    fields: dict[str, Any] = field(default_factory=dict)
    # Other input records folded into this one (an agent's reply message in a thread),
    # so that a convert summary can say read = written + merged + rejected.
    merged: tuple[SourceRef, ...] = ()


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not become an example, with the reason and the raw data."""

    source: SourceRef
    reason: str
    detail: str
    raw: dict[str, Any] | str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_file": self.source.file,
            "row": self.source.row,
            "record_id": self.source.record_id,
            "reason": self.reason,
            "detail": self.detail,
            "raw": self.raw,
        }


@dataclass(slots=True)
class ExampleColumns:
    """Consecutive examples of one table as columns, so that convert can work on whole
    columns; iterating yields the same Examples one by one. Empty strings stand for no
    label, reply or id (labels None: the table has no label column)."""

    file: str
    rows: Sequence[int]
    texts: list[str]
    labels: list[str] | None
    # Possibly read cell by cell where asked (loaders.rows.Cells): convert reads a
    # table's ids and dates, and replies it does not write, only for the rows it rejects.
    replies: Sequence[str]
    ids: Sequence[str]
    dates: Sequence[str]
    extras: list[tuple[str, list[str]]]
    # Row i as read, under the file's column names (tabular._as_read): a reject's raw.
    record: Callable[[int], dict[str, Any]] | None = None

    def __len__(self) -> int:
        return len(self.texts)

    def __iter__(self) -> Iterator[Example]:
        return map(self.example, range(len(self.texts)))

    def example(self, i: int) -> Example:
        return Example(self.texts[i], SourceRef(self.file, self.rows[i], self.ids[i] or None),
                       self.labels[i] or None if self.labels is not None else None,
                       self.replies[i] or None, self.fields(i))

    def fields(self, i: int) -> dict[str, Any]:
        date = self.dates[i]
        fields: dict[str, Any] = {"date": date} if date else {}
        for name, values in self.extras:
            fields[name] = values[i]
        return fields

    def raw(self, i: int) -> dict[str, Any] | None:
        """Row i as read, for a reject; None when the loader gave no way to get it."""
        return self.record(i) if self.record is not None else None

    def slice(self, lo: int, hi: int) -> ExampleColumns:
        whole = self.record
        return ExampleColumns(
            self.file, self.rows[lo:hi], self.texts[lo:hi],
            self.labels[lo:hi] if self.labels is not None else None, self.replies[lo:hi],
            self.ids[lo:hi], self.dates[lo:hi],
            [(name, values[lo:hi]) for name, values in self.extras],
            whole if whole is None or not lo else (lambda i: whole(i + lo)),
        )  # fmt: skip


def one_by_one(items: Iterable[Example | Rejected | ExampleColumns]) -> Iterator[Example | Rejected]:
    """The items with every ExampleColumns unrolled into its Examples, in order."""
    for item in items:
        if isinstance(item, ExampleColumns):
            yield from item
        else:
            yield item

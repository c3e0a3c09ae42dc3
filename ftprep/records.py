"""The canonical labelled example that every loader produces and the builder consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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

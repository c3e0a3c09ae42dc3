"""The per-message facts of a mail load, as fixed-width records in a temporary file.

Threading needs a few facts about every message before the second pass can start: where
its bytes are, its Message-ID, the id it answers, the sender, the date, some flags. Kept
as Python objects they cost some 550 bytes a message; here each message is one record of
`RECORD.size` bytes appended to an unnamed temporary file, and its id strings (its own,
the one it answers, a few fallback parents) go to a second one (the "heap"). After the
first pass both files are memory-mapped: numpy reads the columns it threads with, and
the second pass unpacks one record at a time. So the process's heap holds nothing per
message. The mapped pages are file cache, which the OS can write out and drop (unless
the temporary directory, TMPDIR, is itself in RAM, as a tmpfs is); while threading reads
every record they count in the resident size (~155 bytes a message in the benchmark's
mailboxes), and `release` drops them from it after.

Ids are compared as 64-bit keyed hashes (`id_hash`); `threads` checks every match it
makes against the strings here, so a collision cannot pair the wrong messages.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import mmap
import os
import struct
import sys
import tempfile
from collections import namedtuple
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .headers import id_match_key

if TYPE_CHECKING:
    from typing import BinaryIO

# Flags of a record.
HAS_REF = 1  # In-Reply-To or References is present (even without a usable id)
AGENT = 2  # sent from a configured agent address (or, with none, by the mailbox itself)
LABELLED = 4  # some label source names a label
PROBLEM = 8  # rejected by the scan already; the reason is in MessageTable.problems
AUTO_REPLY = 16
DELIVERY_REPORT = 32

# Written in the first pass: source index, 1-based number in an mbox (-1: none), byte span
# (end -1: to the end of the file), id hashes, sender hash, date, where the ids are in the
# heap and their lengths (0: none; the fallback parents are one space-separated run),
# flags. Filled in by threading: the parent's index, the
# kept copy of the Message-ID, the first reply candidate and the next one, the same
# customer's follow-up this message is joined to (-1: none), the role.
FIELDS = (
    ("source", "i4"), ("row", "i4"), ("start", "i8"), ("end", "i8"), ("mid", "u8"),
    ("parent", "u8"), ("sender", "i8"), ("date", "f8"), ("heap", "i8"), ("mid_len", "u4"),
    ("parent_len", "u4"), ("fallbacks_len", "u4"), ("flags", "u1"), ("up", "i8"),
    ("kept", "i8"), ("first", "i8"), ("next", "i8"), ("joined", "i8"), ("role", "u1"),
)  # fmt: skip
DTYPE = np.dtype([(name, "<" + code) for name, code in FIELDS])
NONE = -1
# Fallback parents kept per message: a few cover a broken In-Reply-To, where all of a long
# References list would grow the heap file for nothing.
MAX_FALLBACKS = 4


def _struct_format() -> str:
    codes = {"i4": "i", "i8": "q", "u1": "B", "u4": "I", "u8": "Q", "f8": "d"}
    return "<" + "".join(codes[code] for _, code in FIELDS)


RECORD = struct.Struct(_struct_format())
assert RECORD.size == DTYPE.itemsize
Record = namedtuple("Record", [name for name, _ in FIELDS])  # type: ignore[misc]


def offset(name: str) -> int:
    """Where a field sits in a record."""
    fields = DTYPE.fields
    assert fields is not None
    return int(fields[name][1])


def new_key() -> Any:
    """A blake2b state keyed at random: `id_hash` copies it (cheaper than keying anew)."""
    return hashlib.blake2b(digest_size=8, key=os.urandom(16))


def id_hash(key: Any, value: bytes) -> int:
    """A 64-bit keyed hash of an encoded id, never 0. With n distinct ids the odds that
    any two share a hash are about n**2 / 2**65 (1 in 37 million for a million ids), and
    `threads` detects it when they do."""
    h = key.copy()
    h.update(value)
    return int.from_bytes(h.digest()) or 1


def encode(value: str) -> bytes:
    # surrogatepass: any str round-trips, so equal bytes mean equal ids.
    return value.encode("utf-8", "surrogatepass")


@dataclass(slots=True)
class Entry:
    """One message's record, as built in the first pass or read back in the second."""

    source: int  # index into the list of sources
    start: int  # byte span of the message in its file; end -1 = to the end of the file
    end: int
    row: int | None  # 1-based message index in an mbox, None for one-message files
    message_id: str | None = None
    parent_id: str | None = None
    has_parent_ref: bool = False
    sender: int = 0  # hash of the sender's address, 0 when there is none
    is_agent: bool = False
    date: float = math.inf
    labelled: bool = False
    automated: str | None = None  # "auto-reply" / "delivery-report"
    problem: tuple[str, str] | None = None  # a reject already known from the scan
    # Parents to try, in order, when parent_id is not in the mail (References, last first).
    parent_fallbacks: tuple[str, ...] = ()


class MessageTable:
    """Records appended in the first pass, then mapped for threading and the second."""

    def __init__(self) -> None:
        self.key = new_key()
        self.problems: dict[int, tuple[str, str]] = {}  # rare: kept in memory
        # Unnamed files, closed by seal() (the mappings keep them) or close().
        self._records: BinaryIO | None = tempfile.TemporaryFile()  # noqa: SIM115
        self._heap: BinaryIO | None = tempfile.TemporaryFile()  # noqa: SIM115
        self._heap_size = 0
        self._count = 0
        self._maps: list[mmap.mmap] = []

    def __len__(self) -> int:
        return self._count

    def add(self, e: Entry) -> None:
        assert self._records is not None and self._heap is not None, "add after seal"
        mid = encode(e.message_id) if e.message_id else b""
        parent = encode(e.parent_id) if e.parent_id else b""
        fallbacks = encode(" ".join(e.parent_fallbacks[:MAX_FALLBACKS]))
        flags = (HAS_REF * e.has_parent_ref) | (AGENT * e.is_agent) | (LABELLED * e.labelled)
        if e.automated:
            flags |= DELIVERY_REPORT if e.automated == "delivery-report" else AUTO_REPLY
        if e.problem:
            flags |= PROBLEM
            self.problems[self._count] = e.problem
        self._records.write(RECORD.pack(
            e.source, NONE if e.row is None else e.row, e.start, e.end,
            id_hash(self.key, id_match_key(mid)) if mid else 0,
            id_hash(self.key, id_match_key(parent)) if parent else 0,
            e.sender, e.date, self._heap_size, len(mid), len(parent), len(fallbacks), flags,
            NONE, NONE, NONE, NONE, NONE, 0,
        ))  # fmt: skip
        if mid or parent or fallbacks:
            self._heap.write(mid + parent + fallbacks)
            self._heap_size += len(mid) + len(parent) + len(fallbacks)
        self._count += 1

    def seal(self) -> None:
        """End of the first pass: map the files."""
        records, heap = self._records, self._heap
        assert records is not None and heap is not None
        self._records = self._heap = None
        for f in (records, heap):
            f.flush()
            # An empty file cannot be mapped: an anonymous page stands in for it.
            size = f.tell()
            self._maps.append(mmap.mmap(f.fileno(), size) if size else mmap.mmap(-1, 1))
            f.close()  # the mapping keeps the (unnamed) file alive

    def release(self) -> None:
        """Drop the pages read so far from the process, so that its resident size does
        not grow with the table either. Linux only: there, for a shared file mapping, the
        data stays in the file cache and is read back on the next access."""
        if sys.platform == "linux":
            for m in self._maps:
                m.madvise(mmap.MADV_DONTNEED)

    def columns(self) -> Any:
        """A numpy structured array over every record (writable); drop it before close()."""
        return np.frombuffer(self._maps[0], DTYPE, count=self._count)

    @property
    def records(self) -> mmap.mmap:
        """The mapped records, for byte-level access (see `offset`)."""
        return self._maps[0]

    def record(self, i: int) -> Any:
        """Record `i`'s fields (a `Record`)."""
        return Record._make(RECORD.unpack_from(self._maps[0], i * RECORD.size))

    def ids(self, heap: int, mid_len: int, parent_len: int) -> tuple[bytes, bytes]:
        data = self._maps[1][heap : heap + mid_len + parent_len]
        return data[:mid_len], data[mid_len:]

    def fallbacks(self, i: int) -> list[bytes]:
        """Record `i`'s fallback parent ids, in the order to try them."""
        return self._fallbacks(self.record(i))

    def _fallbacks(self, r: Any) -> list[bytes]:
        if not r.fallbacks_len:
            return []
        at = r.heap + r.mid_len + r.parent_len
        return self._maps[1][at : at + r.fallbacks_len].split(b" ")

    def entry(self, i: int) -> Entry:
        """Message `i` as the first pass saw it (roles are the thread index's business)."""
        r = self.record(i)
        mid, parent = self.ids(r.heap, r.mid_len, r.parent_len)
        flags = r.flags
        automated = None
        if flags & (AUTO_REPLY | DELIVERY_REPORT):
            automated = "delivery-report" if flags & DELIVERY_REPORT else "auto-reply"
        return Entry(
            r.source, r.start, r.end, None if r.row == NONE else r.row,
            mid.decode("utf-8", "surrogatepass") if mid else None,
            parent.decode("utf-8", "surrogatepass") if parent else None,
            bool(flags & HAS_REF), r.sender, bool(flags & AGENT), r.date,
            bool(flags & LABELLED), automated, self.problems.get(i),
            tuple(x.decode("utf-8", "surrogatepass") for x in self._fallbacks(r)),
        )  # fmt: skip

    def rekey(self) -> None:
        """Hash every id again with a new key (after a collision)."""
        self.key = new_key()
        table = self.columns()
        for i in range(self._count):
            heap, mid_len, parent_len = (int(table[name][i]) for name in
                                         ("heap", "mid_len", "parent_len"))
            mid, parent = self.ids(heap, mid_len, parent_len)
            table["mid"][i] = id_hash(self.key, id_match_key(mid)) if mid else 0
            table["parent"][i] = id_hash(self.key, id_match_key(parent)) if parent else 0
        del table

    def close(self) -> None:
        for f in (self._records, self._heap):
            if f is not None:
                f.close()
        self._records = self._heap = None
        for m in self._maps:
            # BufferError: a numpy view is still alive; the collector unmaps it then.
            with contextlib.suppress(BufferError):
                m.close()
        self._maps.clear()

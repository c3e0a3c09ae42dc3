"""Where a CSV or TSV table starts: its delimiter (sniffed, or Excel's `sep=;` first
line) and its header line (below blank lines, a title or notes, never inside a quoted
cell). ftprep.loaders.csvread reads the rows from there."""

from __future__ import annotations

import csv
import io
import itertools
import re
import sys
from collections import Counter
from typing import TYPE_CHECKING

from ftprep.loaders.columns import HEADER_SEARCH_ROWS, header_row
from ftprep.loaders.encoding import bom_encoding

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from ftprep.loaders.columns import ColumnMapping, Preset
    from ftprep.loaders.encoding import Encoding

CANDIDATE_DELIMITERS = ",;\t|"
# Excel's first line naming the delimiter: `sep=;`.
_SEP_LINE = re.compile(r"^sep=(.)$")
# The csv module's default field limit (128 KiB) is below what a long quoted field holds.
FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)


_SNIFF_CHARS = 4096


def sniff_delimiter(path: Path, enc: Encoding, sample_chars: int = 32_768) -> str:
    """The delimiter: tab for .tsv/.tab, else csv.Sniffer checked against the header line."""
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    with path.open(encoding=enc.name, errors="replace", newline="") as fh:
        sample = fh.read(sample_chars)
    if len(sample) == sample_chars and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    header = sample.lstrip().split("\n", 1)[0]
    if sep := _SEP_LINE.match(header.strip()):
        return sep.group(1)
    # The Sniffer's quote regexes backtrack: 9 s on 32 KB of `x;"` repeated. It gets the
    # first lines only; the steadiness vote below reads the whole sample.
    head = sample[:_SNIFF_CHARS]
    if len(head) == _SNIFF_CHARS and "\n" in head:
        head = head[: head.rindex("\n")]
    try:
        sniffed: str | None = csv.Sniffer().sniff(head, CANDIDATE_DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed and sniffed in header:
        chosen = sniffed
    else:
        counts = {d: header.count(d) for d in CANDIDATE_DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        chosen = best if counts[best] else ","
    # The first line may be a title or a note above the header ("Ticket export", or
    # "Export, 2 Nov" over a ;-file), which must not choose: a delimiter that splits
    # more of the lines below it into the same two or more fields wins (a well-formed
    # file's own delimiter splits them all, so it is never outvoted). Lines, not
    # records, are counted, and a tie goes to the reading whose quoted cells span lines:
    # a delimiter that ignores the quotes (`,` in a ;-file with "Guten Tag,\n..." cells)
    # splits each line of a cell into a steady-looking record of its own.
    steady = {d: _steadiness(sample, d) for d in CANDIDATE_DELIMITERS}
    steadiest = max(CANDIDATE_DELIMITERS, key=lambda d: (steady[d], d == chosen))
    return steadiest if steady[steadiest] > steady[chosen] else chosen


def _steadiness(sample: str, delimiter: str) -> tuple[int, int]:
    """(lines in records below the first that have the commonest width of two or more
    fields, how many of those records span several lines), for `sample` read with
    `delimiter`."""
    csv.field_size_limit(FIELD_LIMIT)
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    spans: list[tuple[int, int]] = []  # (width, lines) of each non-blank record
    try:
        for fields in reader:
            if fields:
                spans.append((len(fields), reader.line_num))
    except csv.Error:
        return 0, 0
    spans = [(w, end - start) for (w, end), (_, start) in
             zip(spans[1:], spans, strict=False)]  # fmt: skip
    counts = Counter(w for w, _ in spans if w >= 2)
    if not counts:
        return 0, 0
    modal = counts.most_common(1)[0][0]
    lines = [n for w, n in spans if w == modal]
    return sum(lines), sum(1 for n in lines if n > 1)


def lines_before_header(path: Path, enc: Encoding) -> int:
    """How many lines come before the header (blank lines, and Excel's `sep=;` line):
    every reader skips exactly these, so they agree on which line is the header (pandas
    skips blank ones only with skip_blank_lines, which the chunked reader cannot use: it
    would renumber the data rows)."""
    count = 0
    with path.open(encoding=enc.name, errors="replace", newline="") as fh:
        for line in fh:
            if line.strip():
                return count + (1 if _SEP_LINE.match(line.strip()) else 0)
            count += 1
    return count


def locate_header_row(
    path: Path, enc: Encoding, delimiter: str, mapping: ColumnMapping | None,
    preset: Preset | None = None,
) -> tuple[int, list[str]]:
    """(lines above the header, the title or note lines among them): the header is the
    first row that holds the mapped or recognised columns (columns.header_row, as for
    XLSX), below any blank lines and Excel's `sep=;` line (lines_before_header)."""
    lead = lines_before_header(path, enc)
    rows: list[list[str]] = []
    ends: list[int] = []  # lines read to the end of each row
    # Whether each row starts inside a quoted cell: an odd number of quotes above it (a
    # well-formed file doubles the quotes inside a cell). Read with the wrong delimiter,
    # a line of a multi-line cell can look like the header; it never is.
    inside: list[bool] = []
    csv.field_size_limit(FIELD_LIMIT)
    with path.open(encoding=enc.name, errors="replace", newline="") as fh:
        skip_lines(fh, lead)
        read = [0]
        odd = [False]  # quote parity of the lines read so far

        def feed() -> Iterator[str]:
            for line in fh:
                read[0] += 1
                odd[0] ^= line.count('"') % 2 == 1
                yield line

        try:
            started = False
            for fields in itertools.islice(csv.reader(feed(), delimiter=delimiter),
                                           HEADER_SEARCH_ROWS):  # fmt: skip
                rows.append(fields)
                inside.append(started)
                started = odd[0]
                ends.append(read[0])
        except csv.Error:  # a NUL or an endless field: the rows read so far decide
            pass
    top = header_row([[] if inner else fields for fields, inner in zip(rows, inside, strict=True)],
                     mapping, preset)  # fmt: skip
    if not top:
        return lead, []
    notes = [delimiter.join(f for f in fields if f.strip()) for fields in rows[:top]]
    return lead + ends[top - 1], [note for note in notes if note]


def looks_like_csv(path: Path, sample_bytes: int = 65_536) -> bool:
    """Whether a file of unknown type reads as a delimited table: its first lines split
    into the same number (two or more) of fields on one of the candidate delimiters."""
    with path.open("rb") as fh:
        head = fh.read(sample_bytes)
    bom = bom_encoding(head)
    if bom is None and b"\x00" in head:
        return False  # binary
    lines = head.decode(bom or "utf-8", "replace").splitlines()
    if len(head) == sample_bytes:
        lines = lines[:-1]  # cut short
    lines = [line for line in lines if line.strip()][:50]
    if len(lines) < 2:
        return False
    for delimiter in CANDIDATE_DELIMITERS:
        widths = [len(fields) for fields in csv.reader(lines, delimiter=delimiter)]
        if widths[0] >= 2 and widths.count(widths[0]) >= 0.8 * len(widths):
            return True
    return False


def skip_lines(fh: io.TextIOBase, count: int) -> None:
    for _ in range(count):
        fh.readline()

"""Where a CSV `ftprep convert`'s time goes: its pieces, each timed alone.

    PYTHONPATH=. python benchmarks/bench_convert_parts.py [--rows 100000] [--repeat 3]

bench_convert.py compares the whole convert of bench_tabular's ticket CSV (default
settings: text = subject + body, label = category, cleaning and PII redaction on) with
pandas.read_csv of the file. This script times, in one process and in CPU seconds (the
steadier figure on a shared machine), best of --repeat, each piece of work convert does,
in the form convert does it, on the same file:

- parse: pandas' C parser in 10,000-row chunks with convert's options (na_filter off);
- utf-8 check: the encoding detection's read of the whole file;
- columns to str: the text and label columns as Python strings, stripped, subject and
  body joined (what every later step reads);
- clean: TextCleaner.clean_many_noted over batches of 1,000 texts (the byte screen, then
  the exact cleaning of the few texts it flags);
- redact: PiiDetector.redact_each over the cleaned batches (screen, then the exact
  detectors on the flagged texts), with the batch as read joined once for both screens;
- lines: the chat JSONL lines (ChatLines.lines: orjson per text, the fixed parts around);
- write: the lines joined and written to a file.

The rest of convert (the stray-quote and row checks of the CSV reader, labels, rows
that need a decision of their own, counting) is the whole less these pieces.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import bench_tabular

BATCH = 1000


def cpu(work: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bench_tabular.warm_imports()
    path = bench_tabular.make_csv(args.rows)

    import pandas as pd

    from ftprep.chatlines import ChatLines
    from ftprep.clean.batch import Joined
    from ftprep.clean.pii import PiiDetector
    from ftprep.clean.text import CleanOptions, TextCleaner
    from ftprep.convert import CONVERT_MIN_CHARS, ConvertSettings, _line_validator, convert
    from ftprep.loaders.encoding import _utf8_error_offset

    def parse() -> list[Any]:
        return list(pd.read_csv(path, na_filter=False, skip_blank_lines=False, low_memory=False,
                                index_col=False, chunksize=10_000, engine="c"))

    chunks = parse()

    def columns() -> tuple[list[str], list[str]]:
        texts: list[str] = []
        labels: list[str] = []
        for chunk in chunks:
            subject, body, label = (chunk[c].to_numpy().tolist()
                                    for c in ("subject", "body", "category"))
            parts = list(map(str.strip, subject)), list(map(str.strip, body))
            texts += [f"{a}\n\n{b}" if a and b else a or b for a, b in zip(*parts, strict=True)]
            labels += map(str.strip, label)
        return texts, labels

    texts, labels = columns()
    batches = [texts[i:i + BATCH] for i in range(0, len(texts), BATCH)]
    cleaner = TextCleaner(CleanOptions(min_chars=CONVERT_MIN_CHARS))
    cleaned: list[tuple[list[str], Joined, dict[int, frozenset[str]]]] = []

    def clean() -> None:
        cleaned.clear()
        for batch in batches:
            joined = Joined(batch)
            cleaned.append((*cleaner.clean_many_noted(batch, joined), joined))

    def redact() -> list[str]:
        detector = PiiDetector()  # a fresh one, as each convert run has
        out: list[str] = []
        for batch, steps, joined in cleaned:
            out += detector.redact_each(batch, joined, steps)[0]
        return out

    clean()
    users = redact()
    chat = ChatLines(None, _line_validator())
    built: list[bytes] = []

    def lines() -> None:
        built.clear()
        for i in range(0, len(users), BATCH):
            built.extend(chat.lines(users[i:i + BATCH], labels[i:i + BATCH]))

    lines()

    def write() -> None:
        with tempfile.TemporaryFile() as out:
            for i in range(0, len(built), BATCH):
                out.write(b"\n".join(built[i:i + BATCH]) + b"\n")

    def full() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            convert([path], Path(tmp) / "out.jsonl", ConvertSettings())

    bare = cpu(lambda: bench_tabular.bare(path), args.repeat)
    pieces = {
        "parse (chunked C parser)": cpu(parse, args.repeat),
        "utf-8 check": cpu(lambda: _utf8_error_offset(path), args.repeat),
        "columns to str": cpu(columns, args.repeat),
        "clean": cpu(clean, args.repeat),
        "redact": cpu(redact, args.repeat),
        "lines": cpu(lines, args.repeat),
        "write": cpu(write, args.repeat),
    }
    whole = cpu(full, args.repeat)
    print(f"CSV {args.rows:,} rows, CPU seconds, best of {args.repeat} "
          f"(pandas.read_csv {bare:.3f} s)")
    for name, seconds in pieces.items():
        print(f"  {name:26s} {seconds:6.3f} s  {seconds / bare:5.2f}x read_csv")
    total = sum(pieces.values())
    print(f"  {'sum of the pieces':26s} {total:6.3f} s  {total / bare:5.2f}x read_csv")
    print(f"  {'convert':26s} {whole:6.3f} s  {whole / bare:5.2f}x read_csv "
          f"(the rest: {whole - total:.3f} s)")


if __name__ == "__main__":
    main()

"""Benchmark: load_table + TextCleaner + redact against pandas' bare CSV parse.

    PYTHONPATH=. python benchmarks/bench_tabular.py [--rows 100000] [--repeat 3]

Writes a deterministic ticket CSV like examples/tickets.csv (benchmarks/out/, ignored by
git), times in one process (best of --repeat, runs interleaved):
  bare        pandas.read_csv(path) with default options, the file parsed and nothing else;
  bare-str    pandas.read_csv(path, dtype=str, keep_default_na=False), the literal form
              of "every value as a string";
  load        load_table alone (every row to an Example or Rejected);
  pipeline    what convert does: load_table, then in batches of 1000 examples
              TextCleaner.clean_many, check_length and PiiDetector.redact_many on the
              text and on the reply;
  one-by-one  the same with the per-text clean and redact;
then measures the peak RSS growth of each mode in a fresh subprocess (Linux VmHWM, reset
after the imports), at the full size and at a fifth of it, to show whether memory grows
with the file.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import itertools
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def make_csv(rows: int) -> Path:
    path = OUT / f"tickets_{rows}.csv"
    if path.exists():
        return path
    spec = importlib.util.spec_from_file_location(
        "make_tickets", ROOT / "examples" / "make_tickets.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    OUT.mkdir(parents=True, exist_ok=True)
    module.write(module.generate(rows, seed=11), path)
    return path


def bare(path: Path) -> int:
    import pandas as pd

    return len(pd.read_csv(path))


def bare_str(path: Path) -> int:
    import pandas as pd

    return len(pd.read_csv(path, dtype=str, keep_default_na=False))


def load(path: Path) -> int:
    from ftprep.loaders.tabular import load_table

    return sum(1 for _ in load_table(path))


def pipeline(path: Path, batch: int = 1000) -> int:
    """What convert does: examples in batches through clean_many, check_length, redact_many."""
    from ftprep.clean.pii import PiiDetector
    from ftprep.clean.text import TextCleaner
    from ftprep.loaders.tabular import load_table
    from ftprep.records import Example

    cleaner = TextCleaner()
    detector = PiiDetector()
    redacted: Counter[str] = Counter()
    n = 0
    stream = load_table(path)
    while group := list(itertools.islice(stream, batch)):
        n += len(group)
        examples = [e for e in group if isinstance(e, Example)]
        texts = cleaner.clean_many([e.text for e in examples])
        kept = [(e, t) for e, t in zip(examples, texts, strict=True) if not cleaner.check_length(t)]
        texts, counts = detector.redact_many([t for _, t in kept])
        redacted += counts
        with_reply = [e for e, _ in kept if e.reply]
        replies, counts = detector.redact_many(
            cleaner.clean_many([e.reply or "" for e in with_reply])
        )
        redacted += counts
        for (example, _), text in zip(kept, texts, strict=True):
            example.text = text
        for example, reply in zip(with_reply, replies, strict=True):
            example.reply = reply
    pipeline.summary = (cleaner.summary(), dict(redacted))  # type: ignore[attr-defined]
    return n


def one_by_one(path: Path) -> int:
    """The same with the per-text API (clean, redact), for comparison."""
    from ftprep.clean.pii import PiiDetector
    from ftprep.clean.text import TextCleaner
    from ftprep.loaders.tabular import load_table
    from ftprep.records import Example

    cleaner = TextCleaner()
    detector = PiiDetector()
    n = 0
    for item in load_table(path):
        n += 1
        if isinstance(item, Example):
            text = cleaner.clean(item.text)
            if cleaner.check_length(text):
                continue
            item.text, _ = detector.redact(text)
            if item.reply:
                item.reply, _ = detector.redact(cleaner.clean(item.reply))
    return n


MODES: dict[str, Callable[[Path], int]] = {
    "bare": bare,
    "bare-str": bare_str,
    "load": load,
    "pipeline": pipeline,
    "one-by-one": one_by_one,
}


_CHILD = """
import sys
sys.path.insert(0, "benchmarks")
import bench_tabular as b
b.warm_imports()
before = b.reset_peak()
b.MODES[sys.argv[1]](b.Path(sys.argv[2]))
print((b.peak_kb() - before) / 1024)
"""


def warm_imports() -> None:
    import ftfy  # noqa: F401
    import pandas  # noqa: F401
    import phonenumbers  # noqa: F401

    import ftprep.clean.pii
    import ftprep.clean.text
    import ftprep.loaders.tabular  # noqa: F401


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:  # noqa: PTH123
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak() -> int:
    """Reset the peak-RSS mark (Linux clear_refs) and return the RSS now, in kB.

    ru_maxrss is no use in a child: Linux carries the parent's peak over fork and exec."""
    with open("/proc/self/clear_refs", "w") as fh:  # noqa: PTH123
        fh.write("5")
    return _status_kb("VmRSS")


def peak_kb() -> int:
    return _status_kb("VmHWM")


def peak_rss_mb(mode: str, path: Path) -> float:
    """Peak RSS growth of one mode in a fresh process, above the process after imports."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(path)], cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)}, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()
    path = make_csv(args.rows)
    size_mb = path.stat().st_size / 1e6
    print(f"{path.name}: {args.rows:,} rows, {size_mb:.1f} MB")
    for fn in MODES.values():  # warm up imports and the page cache
        fn(path)
    # Best of N for wall time and, separately, for CPU time of this process: on a shared
    # machine the CPU time is the steadier of the two.
    wall = dict.fromkeys(MODES, float("inf"))
    cpu = dict.fromkeys(MODES, float("inf"))
    for _ in range(args.repeat):
        for name, fn in MODES.items():
            gc.collect()
            start, start_cpu = time.perf_counter(), time.process_time()
            fn(path)
            wall[name] = min(wall[name], time.perf_counter() - start)
            cpu[name] = min(cpu[name], time.process_time() - start_cpu)
    print(f"  {'mode':10s} {'wall':>7s} {'cpu':>7s}   cpu ratio to bare, bare-str")
    for name in MODES:
        print(
            f"  {name:10s} {wall[name]:6.3f}s {cpu[name]:6.3f}s   "
            f"{cpu[name] / cpu['bare']:5.2f}x {cpu[name] / cpu['bare-str']:5.2f}x"
        )
    summary, redacted = pipeline.summary  # type: ignore[attr-defined]
    print(f"  cleaning: {summary}\n  redacted: {redacted}")
    if not args.no_memory:
        small = make_csv(args.rows // 5)
        print("peak RSS growth above the process after imports (VmHWM, MB):")
        for name in MODES:
            print(
                f"  {name:9s} {peak_rss_mb(name, small):7.1f} at {args.rows // 5:,} rows"
                f"   {peak_rss_mb(name, path):7.1f} at {args.rows:,} rows"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()

"""Time the whole `ftprep convert` (load, clean, redact, build, validate, write) against
the bare parse of the same input, in one process, best of N, alternating.

    python benchmarks/bench_convert.py --rows 100000 --messages 10000

CSV: `pandas.read_csv` of the file. Mailbox: the stdlib `mailbox.mbox` reader iterating
every message and reading its body. The inputs come from bench_tabular.py and
bench_email.py's generators.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench_email
import bench_tabular

from ftprep.convert import ConvertSettings, convert


def best(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of `repeat` runs."""
    return best_both(fn, repeat)[0]


def best_both(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best wall time and best CPU time of this process: on a shared machine the CPU
    time is the steadier of the two."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


def full_convert(path: Path, settings: ConvertSettings) -> Callable[[], object]:
    def run() -> object:
        with tempfile.TemporaryDirectory() as tmp:
            return convert([path], Path(tmp) / "out.jsonl", settings)
    return run


def peak_mb(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bench_tabular.warm_imports()

    csv_path = bench_tabular.make_csv(args.rows)
    bare, bare_cpu = best_both(lambda: bench_tabular.bare(csv_path), args.repeat)
    ours, ours_cpu = best_both(full_convert(csv_path, ConvertSettings()), args.repeat)
    print(f"CSV {args.rows:,} rows: pandas.read_csv {bare:.2f}s, ftprep convert {ours:.2f}s, "
          f"ratio {ours / bare:.1f}x (CPU time: {bare_cpu:.2f}s, {ours_cpu:.2f}s, "
          f"{ours_cpu / bare_cpu:.1f}x)")

    for count in (args.messages // 5, args.messages):
        mbox = bench_email.OUT / f"bench-{count}.mbox"
        if not mbox.exists():
            mbox.parent.mkdir(parents=True, exist_ok=True)
            bench_email.generate(mbox, count)
        settings = ConvertSettings.model_validate({"assistant": "reply", "allow-unlabelled": True})
        bare_mail = best(lambda m=mbox: bench_email.bare(m), args.repeat)
        ours_mail = best(full_convert(mbox, settings), args.repeat)
        print(f"mbox {count:,} messages: stdlib mailbox {bare_mail:.2f}s, ftprep convert "
              f"{ours_mail:.2f}s, ratio {ours_mail / bare_mail:.1f}x, "
              f"peak traced memory {peak_mb(full_convert(mbox, settings)):.1f} MB")


if __name__ == "__main__":
    main()

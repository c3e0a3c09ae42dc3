"""Time `ftprep validate` against a baseline that only json.loads each line.

    python benchmarks/bench_validate.py [N ...]

Both run as subprocesses on the same generated file, alternating, best of 3, so start-up
costs count as a user sees them. Also reports peak RSS of the validate process for two
file sizes, to show memory does not grow with the file.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate

OUT = Path(__file__).parent / "out"
BASELINE = "import json,sys\nfor line in open(sys.argv[1],'rb'):\n    json.loads(line)\n"


def timed(cmd: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in KiB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    return elapsed, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def measure(n: int, rounds: int = 3) -> dict[str, float]:
    path = OUT / f"train-{n}.jsonl"
    if not path.exists():
        generate(n, path)
    base_times, ftprep_times = [], []
    for _ in range(rounds):
        base_times.append(timed([sys.executable, "-c", BASELINE, str(path)])[0])
        ftprep_times.append(timed([sys.executable, "-m", "ftprep", "validate", str(path),
                                   "--format", "json", "-o", str(OUT / "report.json")])[0])
    rss = _peak_rss([sys.executable, "-m", "ftprep", "validate", str(path), "-f", "json",
                     "-o", str(OUT / "report.json")])
    return {"n": n, "baseline_s": min(base_times), "ftprep_s": min(ftprep_times),
            "ratio": min(ftprep_times) / min(base_times), "peak_rss_mb": rss / 1024}


def _peak_rss(cmd: list[str]) -> float:
    # A fresh interpreter per measurement: RUSAGE_CHILDREN keeps the maximum ever seen.
    code = ("import resource,subprocess,sys;subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True)
    return float(out.stdout.strip() or 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    args = parser.parse_args()
    for n in args.sizes:
        r = measure(n)
        print(f"{r['n']:>8} examples: json.loads {r['baseline_s']:.2f}s, ftprep validate "
              f"{r['ftprep_s']:.2f}s, ratio {r['ratio']:.2f}x, peak RSS {r['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()

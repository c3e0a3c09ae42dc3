"""Time near-duplicate detection and the dataset checks on a generated file.

    PYTHONPATH=. python benchmarks/bench_dedup.py [N] [--num-perm 64 128] [--datasketch]

Prints, for N examples (default 100k):
- near-dup detection alone: MinHash signatures of the distinct inputs, then LSH
  candidates, verification and union-find clusters (CPU seconds, in this process);
- whole pipelines, each in a fresh interpreter (wall and CPU seconds, peak RSS):
  validate only; validate + features + all dataset checks without and with
  near-duplicates; the leakage-free split;
- with --datasketch, the same steps with datasketch (MinHash.bulk on a sample,
  extrapolated; MinHashLSH insert of our signatures), for comparison.
CPU seconds are the steadier figure on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from generate import generate

OUT = Path(__file__).parent / "out"


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - start[0], time.process_time() - start[1]


def child(mode: str, path: str, num_perm: int) -> None:
    """One pipeline in this (fresh) process; prints its figures as JSON."""
    from ftprep.dataset import DatasetCheckSettings, DatasetContext, collect_features, run_dataset_checks

    start = clock()
    if mode == "validate":
        from ftprep.validate import validate

        validate([path])
    elif mode == "split":
        from ftprep.split import split

        split(path, validation_fraction=0.2, seed=1, num_perm=num_perm)
    else:
        settings = DatasetCheckSettings(near_duplicates=mode == "check-near", num_perm=num_perm)
        features, _ = collect_features(path, settings)
        run_dataset_checks(DatasetContext(features, settings))
    wall, cpu = since(start)
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    # VmHWM is this process's own peak; ru_maxrss on Linux carries over the peak of the
    # process that forked us (across exec), which would report the parent's memory.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(mode: str, path: Path, num_perm: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path),
                          "--num-perm", str(num_perm)], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def near_dup_only(path: Path, num_perm: int, datasketch: bool) -> None:
    from ftprep.dataset import DatasetCheckSettings, collect_features
    from ftprep.dataset.near_dupes import MinHashParams, NearDuplicateIndex, signatures

    settings = DatasetCheckSettings(near_duplicates=False)
    features, _ = collect_features(path, settings, keep_text=True)
    texts = list(dict.fromkeys(e.shingle_text for e in features.examples))
    params = MinHashParams(num_perm=num_perm)
    start = clock()
    sigs = signatures(texts, params)
    sig_time = since(start)
    start = clock()
    index = NearDuplicateIndex(sigs, params)
    clusters = index.clusters()
    cluster_time = since(start)
    print(f"  near-dup detection, {len(features)} examples, {len(texts)} distinct inputs, "
          f"num_perm {num_perm}, bands {params.bands}:")
    print(f"    signatures {sig_time[1]:.2f}s CPU ({sig_time[0]:.2f}s wall), "
          f"{sigs.nbytes / 2**20:.1f} MB; LSH + verify + union-find {cluster_time[1]:.2f}s CPU "
          f"({cluster_time[0]:.2f}s wall); total {sig_time[1] + cluster_time[1]:.2f}s CPU")
    print(f"    {len(clusters)} clusters, {sum(map(len, clusters))} inputs in them, "
          f"largest {max(map(len, clusters), default=0)}")
    if datasketch:
        compare_datasketch(texts, sigs, params)


def compare_datasketch(texts: list[str], sigs: Any, params: Any) -> None:
    from datasketch import LeanMinHash, MinHash, MinHashLSH

    sample = texts[:2000]
    start = clock()
    MinHash.bulk([[t[i:i + 5].encode() for i in range(max(1, len(t) - 4))] for t in sample],
                 num_perm=params.num_perm)
    _wall, cpu = since(start)
    print(f"    datasketch MinHash.bulk: {cpu:.2f}s CPU for {len(sample)} inputs, "
          f"~{cpu * len(texts) / len(sample):.0f}s for all {len(texts)}")
    before = peak_rss_mb()
    start = clock()
    bands, rows = params.bands
    lsh = MinHashLSH(num_perm=params.num_perm, params=(bands, rows))
    for i, row in enumerate(sigs):
        lsh.insert(i, LeanMinHash(seed=params.seed, hashvalues=row, scheme="affine32"),
                   check_duplication=False)
    _wall, cpu = since(start)
    grown = peak_rss_mb() - before
    print(f"    datasketch MinHashLSH insert of the same signatures: {cpu:.2f}s CPU, "
          f"peak RSS +{grown:.0f} MB (candidates only, before any verification)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--num-perm", type=int, nargs="+", default=[128])
    parser.add_argument("--datasketch", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.num_perm[0])
        return
    path = OUT / f"train-{args.n // 1000}k.jsonl" if args.n % 1000 == 0 else OUT / f"train-{args.n}.jsonl"
    if not path.exists():
        generate(args.n, path)
    for num_perm in args.num_perm:
        print(f"{path.name}, num_perm {num_perm}")
        near_dup_only(path, num_perm, args.datasketch)
        for mode, title in [("validate", "validate only"),
                            ("check", "validate + features + dataset checks, no near-dups"),
                            ("check-near", "validate + features + dataset checks + near-dups"),
                            ("split", "split 80/20, leakage-free")]:
            r = run_child(mode, path, num_perm)
            print(f"  {title}: {r['cpu']:.2f}s CPU ({r['wall']:.2f}s wall), "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()

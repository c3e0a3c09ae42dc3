"""Quality and speed of the near-duplicate signatures, against the scheme they replaced.

    PYTHONPATH=. python benchmarks/bench_minhash.py [--pairs 300] [--seeds 4] [--repeat 5]
        [--num-perm 128] [--real 1500] [--skip-quality] [--skip-speed]

`signatures` throws each shingle into one of num_perm bins (one-permutation hashing),
rethrows the shingles of texts that left bins empty for two more rounds, then fills
the bins still empty by optimal densification (see ftprep/dataset/near_dupes.py). The
reference is the scheme before it, kept here: num_perm affine permutations of every
shingle's 32-bit hash, the minimum of each.

Quality: pairs of ticket-like texts (banking77 customer queries from the corpus, joined
up to 50-2000 characters) and a variant edited (words replaced, inserted, deleted,
letters changed, ends trimmed) until the exact Jaccard of the two 5-gram sets is within
0.01 of a target: 0.5 ... 0.95. Short texts (under 130 shingles) and long ones are
reported apart. For each scheme, over `--seeds` seeds: the share of pairs that end up
in one cluster at threshold 0.8 (they share an LSH band and the estimate reaches the
threshold: what NearDuplicateIndex does with the two rows), and the error of the
estimate against the exact Jaccard: its mean (bias) and standard deviation. Several
seeds, because one hash function's errors are correlated across pairs that share text.

With --real: the same data as the speed figures, judged by the exact Jaccard of sampled
inputs with all others: the share of the pairs in each Jaccard range that end up in
one cluster (transitive, so pairs below 0.8 join too), per scheme and seed.

Speed: CPU seconds of the signatures and of NearDuplicateIndex + clusters() on the
distinct inputs of benchmarks/out/train-100000.jsonl, both schemes in this process,
interleaved, best of `--repeat` (CPU time is the steadier figure on a shared machine).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from generate import generate

from ftprep.dataset.features import normalise
from ftprep.dataset.near_dupes import MinHashParams, NearDuplicateIndex, _shingle_hashes, signatures

OUT = Path(__file__).parent / "out"
CORPUS = Path(os.environ.get("FTPREP_CORPUS") or Path(__file__).parents[2] / "shared" / "corpus")
LEVELS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
SHORT = 130  # shingles
K = 5


def permutation_signatures(texts: Sequence[str], params: MinHashParams) -> NDArray[np.uint32]:
    """The previous scheme, unchanged in output: each shingle's 32-bit hash permuted by
    num_perm affine maps h -> a*h + b (mod 2**32), the minimum per map."""
    rng = np.random.default_rng(params.seed)
    a = rng.integers(0, 2**31, params.num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = rng.integers(0, 2**32, params.num_perm, dtype=np.uint64).astype(np.uint32)
    out = np.empty((len(texts), params.num_perm), dtype=np.uint32)
    budget = max(1024, 2**21 // params.num_perm)  # its batches: 8 MB of work array
    start = 0
    while start < len(texts):
        end, chars = start + 1, len(texts[start])
        while end < len(texts) and chars + len(texts[end]) <= budget:
            chars += len(texts[end])
            end += 1
        # Salt 0: the same 64-bit shingle hashes as before; the high half was its hash.
        hashes, rows, _ = _shingle_hashes(texts[start:end], params.shingle, np.zeros(1, np.uint64))
        kept = rows < end - start
        permuted = a[:, None] * (hashes[kept] >> np.uint64(32)).astype(np.uint32)[None, :]
        permuted += b[:, None]
        counts = np.bincount(rows[kept], minlength=end - start)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        out[start:end] = np.minimum.reduceat(permuted, offsets, axis=1).T
        start = end
    return out


Scheme = Callable[[Sequence[str], MinHashParams], NDArray[np.uint32]]
SCHEMES: dict[str, Scheme] = {"permutations": permutation_signatures, "bins": signatures}


# ----------------------------------------------------------------------------- quality

def shingle_set(text: str) -> set[str]:
    text = text if len(text) >= K else text.ljust(K)
    return {text[i:i + K] for i in range(len(text) - K + 1)}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingle_set(a), shingle_set(b)
    return len(sa & sb) / len(sa | sb)


def source_texts() -> list[str]:
    """Customer queries (banking77) when the corpus is there, else the generator's."""
    path = CORPUS / "csv" / "banking77" / "banking_data" / "train.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as f:
            return [row["text"] for row in csv.DictReader(f)]
    from generate import make_example

    rng = random.Random(1)
    return [str(make_example(rng)["messages"][1]["content"]) for _ in range(5000)]  # type: ignore[index]


class PairMaker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.queries = source_texts()
        self.words = sorted({w for q in self.queries for w in q.split()})

    def text(self, length: int) -> str:
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < length:
            parts.append(self.rng.choice(self.queries))
        return normalise(" ".join(parts)[:length])

    def edit(self, words: list[str]) -> None:
        rng, i = self.rng, self.rng.randrange(len(words))
        op = rng.random()
        if op < 0.1:  # an end trimmed or extended: moves the Jaccard by one shingle
            words[-1] = words[-1][:-1] or rng.choice(self.words)
        elif op < 0.15:
            words[0] = rng.choice("abcdefghij") + words[0]
        elif op < 0.45:
            words[i] = rng.choice(self.words)
        elif op < 0.6:
            words.insert(i, rng.choice(self.words))
        elif op < 0.75 and len(words) > 3:
            del words[i]
        else:  # one letter changed
            p = rng.randrange(len(words[i]))
            words[i] = words[i][:p] + rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") + words[i][p + 1:]

    def pair(self, target: float, lo: int, hi: int) -> tuple[str, str, float]:
        """A text of lo..hi-1 shingles and a variant within 0.01 of the target Jaccard."""
        while True:
            a = self.text(int(np.exp(self.rng.uniform(np.log(lo + K - 1), np.log(hi + K - 1)))))
            if not lo <= len(shingle_set(a)) < hi:
                continue
            words, j = a.split(" "), 1.0
            while j > target + 0.01:
                self.edit(words)
                b = " ".join(words)
                j = jaccard(a, b)
            if j >= target - 0.01:
                return a, b, j


def make_pairs(n: int, seed: int = 5) -> dict[tuple[float, str], list[tuple[str, str, float]]]:
    maker = PairMaker(seed)
    sizes = {"short": (46, SHORT), "long": (SHORT, 2000)}
    return {(level, size): [maker.pair(level, lo, hi) for _ in range(n)]
            for level in LEVELS for size, (lo, hi) in sizes.items()}


def candidates(left: NDArray[np.uint32], right: NDArray[np.uint32],
               params: MinHashParams) -> NDArray[np.bool_]:
    """Per row pair: some LSH band of rows agrees."""
    bands, rows = params.bands
    same = left[:, :bands * rows] == right[:, :bands * rows]
    found: NDArray[np.bool_] = same.reshape(len(same), bands, rows).all(axis=2).any(axis=1)
    return found


def quality(n_pairs: int, seeds: int, num_perm: int) -> None:
    start = time.perf_counter()
    pairs = make_pairs(n_pairs)
    print(f"quality: {n_pairs} pairs per row and size, {seeds} seeds, num_perm {num_perm} "
          f"(pairs made in {time.perf_counter() - start:.0f}s)")
    # (scheme, level, size) -> per seed: candidate flags, clustered flags, errors
    found: dict[tuple[str, float, str], list[Any]] = {}
    flags: dict[tuple[str, float, str], list[Any]] = {}
    errors: dict[tuple[str, float, str], list[Any]] = {}
    keys = list(pairs)
    lefts = [a for key in keys for a, _, _ in pairs[key]]
    rights = [b for key in keys for _, b, _ in pairs[key]]
    exact = np.array([j for key in keys for _, _, j in pairs[key]])
    for seed in range(1, seeds + 1):
        params = MinHashParams(num_perm=num_perm, seed=seed)
        for name, scheme in SCHEMES.items():
            left, right = scheme(lefts, params), scheme(rights, params)
            estimate = (left == right).mean(axis=1)
            # Clustered: a shared band and an estimate reaching the threshold, which
            # is what NearDuplicateIndex.clusters() asks of two rows.
            band = candidates(left, right, params)
            hit = band & (estimate >= params.threshold)
            for i, key in enumerate(keys):
                part = slice(i * n_pairs, (i + 1) * n_pairs)
                found.setdefault((name, *key), []).append(band[part])
                flags.setdefault((name, *key), []).append(hit[part])
                errors.setdefault((name, *key), []).append(estimate[part] - exact[part])
    for size, title in (("short", f"short texts (under {SHORT} shingles)"),
                        ("long", f"long texts ({SHORT}-2000 shingles)")):
        print(f"  {title}: share of pairs that are LSH candidates, that are clustered "
              f"(threshold {params.threshold}); bias and std of the estimate")
        print("    Jaccard  " + "".join(f"{name + ': cand   clus   bias    std':>38s}"
                                         for name in SCHEMES))
        for level in LEVELS:
            row = f"    {level:<7} "
            for name in SCHEMES:
                cand = np.concatenate(found[name, level, size]).mean()
                rate = np.concatenate(flags[name, level, size]).mean()
                err = np.concatenate(errors[name, level, size])
                row += f"          {cand:5.3f}  {rate:5.3f} {err.mean():+.4f} {err.std():.4f}"
            print(row)


# ------------------------------------------------------------------------------- speed

def distinct_inputs(n: int) -> list[str]:
    from ftprep.dataset import DatasetCheckSettings, collect_features

    path = OUT / f"train-{n}.jsonl"
    if not path.exists():
        generate(n, path)
    features, _ = collect_features(path, DatasetCheckSettings(near_duplicates=False),
                                   keep_text=True)
    return list(dict.fromkeys(e.shingle_text for e in features.examples))


def speed(n: int, repeat: int, num_perm: int) -> None:
    texts = distinct_inputs(n)
    params = MinHashParams(num_perm=num_perm)
    best: dict[tuple[str, str], float] = {}
    found: dict[str, list[list[int]]] = {}
    for _ in range(repeat):
        for name, scheme in SCHEMES.items():
            start = time.process_time()
            sigs = scheme(texts, params)
            middle = time.process_time()
            found[name] = NearDuplicateIndex(sigs, params).clusters()
            end = time.process_time()
            for part, seconds in (("signatures", middle - start), ("clusters", end - middle)):
                best[name, part] = min(best.get((name, part), float("inf")), seconds)
    print(f"speed: {len(texts)} distinct inputs of train-{n}.jsonl, num_perm {num_perm}, "
          f"CPU seconds, best of {repeat}")
    for name in SCHEMES:
        sig, clu = best[name, "signatures"], best[name, "clusters"]
        clusters = found[name]
        print(f"  {name:13s} signatures {sig:.3f}  index + clusters {clu:.3f}  total {sig + clu:.3f}"
              f"  ({len(clusters)} clusters, {sum(map(len, clusters))} inputs in them)")
    old, new = (best[name, "signatures"] for name in SCHEMES)
    print(f"  signatures {old / new:.1f}x faster")


def real_recall(n: int, samples: int, seeds: int, num_perm: int) -> None:
    """On the distinct inputs of train-N.jsonl: the exact Jaccard of `samples` random
    inputs with every other input (a sparse product of shingle incidence; needs scipy),
    then the share of the pairs in each Jaccard range that each scheme puts in one
    cluster (union-find, transitive, as `check` and `split` use it)."""
    import scipy.sparse as sparse

    from ftprep.dataset.near_dupes import equal_groups

    texts = distinct_inputs(n)
    hashes, rows, _ = _shingle_hashes(texts, K, np.zeros(1, np.uint64))
    kept = rows < len(texts)
    _, ids = np.unique(hashes[kept], return_inverse=True)
    width = int(ids.max()) + 1
    cells = np.unique(rows[kept] * width + ids)  # each shingle once per text
    incidence = sparse.csr_matrix((np.ones(len(cells), np.int32), (cells // width, cells % width)),
                                  shape=(len(texts), width))
    sizes = np.asarray(incidence.sum(axis=1)).ravel()
    picked = np.sort(np.random.default_rng(0).choice(len(texts), samples, replace=False))
    shared = (incidence[picked] @ incidence.T.tocsc()).tocoo()
    left, right = picked[shared.row], shared.col
    exact = shared.data / (sizes[left] + sizes[right] - shared.data)
    edges = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01)
    ranges = list(itertools.pairwise(edges))
    print(f"real data: {samples} inputs of train-{n}.jsonl against all {len(texts)}; "
          "share of the pairs in one cluster, by exact Jaccard")
    print("    scheme       seed " + "".join(f"  {lo:.2f}-{min(hi, 1):.2f}" for lo, hi in ranges)
          + "   clusters  inputs in them")
    for seed in range(1, seeds + 1):
        params = MinHashParams(num_perm=num_perm, seed=seed)
        for name, scheme in SCHEMES.items():
            roots = NearDuplicateIndex(scheme(texts, params), params).union_find().root_array()
            together = roots[left] == roots[right]
            shares = [together[(exact >= lo) & (exact < hi) & (left != right)].mean()
                      for lo, hi in ranges]
            groups = equal_groups(roots)
            print(f"    {name:13s} {seed}  " + "".join(f"  {x:9.3f}" for x in shares)
                  + f"  {len(groups):9d}  {sum(map(len, groups)):9d}")
    counts = [int(((exact >= lo) & (exact < hi) & (left != right)).sum()) for lo, hi in ranges]
    print("    pairs per range:  " + "".join(f"  {c:9d}" for c in counts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=300, help="pairs per Jaccard and size")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5, help="speed runs; the best counts")
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--examples", type=int, default=100_000, help="size of the speed file")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--real", type=int, default=0, metavar="SAMPLES",
                        help="also the recall on the speed file's inputs, for SAMPLES of them "
                             "against all (needs scipy; 1500 take about a minute)")
    args = parser.parse_args()
    if not args.skip_quality:
        quality(args.pairs, args.seeds, args.num_perm)
    if args.real:
        real_recall(args.examples, args.real, args.seeds, args.num_perm)
    if not args.skip_speed:
        speed(args.examples, args.repeat, args.num_perm)


if __name__ == "__main__":
    main()

"""Near-duplicates: MinHash signatures of character shingles, LSH banding, union-find.

Signatures: each text's character 5-grams (of its normalised form) are hashed to 64 bits
and thrown into `num_perm` bins: the hash's high bits pick the bin, its low 32 bits are
the value, and a bin keeps the smallest value (one-permutation hashing, Li, Owen and
Zhang 2012). For two texts, the smallest value in a bin over the union of their shingle
sets is equally likely to be any shingle's, so the two signatures agree in a bin with
probability equal to the sets' Jaccard similarity, and the share of equal positions
estimates it, as with `num_perm` separate permutations (the scheme before, one multiply
per shingle and permutation; benchmarks/bench_minhash.py keeps it for comparison).

A text with few shingles leaves bins empty: a 130-shingle text, about 36% of 128. Its
shingles are thrown twice more, each time to a fresh bin and value (the hash times an
odd constant), a later round ranking after an earlier one (key = round << 32 | value),
which leaves about 5% empty. Each bin still empty then copies the first filled bin of
its own fixed random probe sequence (the optimal densification of Shrivastava, ICML
2017). Both keep the agreement probability exact: two texts agree in a bin when the
smallest key of its first filled bin (filled for either text) is a shingle of both.
Pure one-permutation hashing (one round) was less precise than the permutations on
texts under 130 shingles (benchmarks/bench_minhash.py, 500 pairs per row, 6 seeds: 91.1%
of pairs of Jaccard 0.85 clustered against 93.1%); three rounds are more precise on
short and long texts alike: estimate std 0.029 / 0.032 (short / long) at Jaccard 0.8
against 0.035 / 0.035, pairs at 0.85 clustered 95% against 93%, pairs at 0.75 less
often (5.4% / 7.4% against 8.9% / 10.4%), bias at most 0.002 for both. On the 72k
inputs below, judged by the exact Jaccard of 1,500 of them with all others, pairs of
Jaccard 0.80-0.85 end up in one cluster 95.3-97.7% of the time over 6 seeds (mean
96.9%), against 94.1-98.3% (95.7%).

Everything is vectorised with numpy over batches of texts: the 72k distinct inputs of
benchmarks/generate.py's 100k take 0.33-0.49 s of CPU at 128 bins, 2.8-4.0x less than
the 128 permutations in the same process (1.07-1.54 s; a shared machine, best of 5-9
runs each time), where datasketch's `MinHash.bulk` takes about 20 s (and importing
datasketch costs 0.8 s, as it loads scipy). See benchmarks/bench_minhash.py and
benchmarks/bench_dedup.py.

Candidates: the classic banding scheme (as in datasketch's MinHashLSH): the signature is
cut into `b` bands of `r` rows; texts whose band agrees are candidates. We keep each band
as a sorted array of 64-bit band keys instead of a dict of sets: 0.16-0.21 s and 16
bytes per band and input, where MinHashLSH's insert takes about 5 s and 1.5 KB per
input. `b` and `r` minimise the weighted false-positive and false-negative areas, MinHashLSH's rule (a test
checks they agree), but weighted 0.1/0.9 rather than 0.5/0.5: every candidate is
verified, so a false positive costs a comparison while a false negative is a missed
duplicate. At 0.8 and 128 positions that is 14 bands of 9 rows, which finds a pair of
similarity 0.8 with probability 0.87 and of 0.85 with 0.975 (measured with these
signatures: 0.87-0.89 and 0.98; equal weights: 9 bands of 13 rows, 0.40 and 0.69).

Verification and clusters: candidate pairs are checked with the estimated Jaccard (pairs
below the threshold are dropped), and the pairs that pass are joined by union-find. In a
bucket, each member is compared with the bucket's first 16 rows only, and pairs already
joined are skipped: linear in the bucket's size where all pairs would be quadratic
(templated data puts thousands of texts in one bucket). A pair is first compared on the
low 4 bits of each position (a row in 64 bytes): equal values have equal low bits, so a
pair below the threshold there is below it in full, and only the rest (6% of the 1.5
million comparisons at 100k) are compared in full. With that and fewer passes over all
inputs per step, clusters() on the 72k inputs takes half the CPU time it did (0.48-0.56
s against 1.10-1.26 s, same signatures, same clusters). The leakage query compares a
validation input with the first 16 training rows of each of its buckets, the same rule.
Clusters are transitive: A~B and B~C put A, B and C together even when A and C differ
more. That is what the split needs (nothing near-identical may cross it).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# Rows of a bucket that a member (or a query) is verified against, per band.
QUERY_CANDIDATES_PER_BAND = 16
# Rows x positions per chunk when comparing signatures: about 8 MB of work array.
_BATCH_CELLS = 2**21
# Characters per batch of texts: the signature code keeps a few 8-byte arrays per
# character, and at this size they stay in the CPU's L2 cache (batches of 2**18
# characters took twice the time per shingle).
_BATCH_CHARS = 2**16
# Rounds in which every shingle of a text that still has empty bins is thrown again,
# before the bins left empty borrow from others (see the module docstring).
_ROUNDS = 3
# A bin no shingle landed in (no key reaches it: keys are below 2**32 times _ROUNDS).
_EMPTY = 2**64 - 1


@dataclass(frozen=True)
class MinHashParams:
    """`num_perm` (the signature's length: bins) 128 estimates a Jaccard of 0.8 to
    within about ±0.03 (one standard deviation, measured 0.029-0.032; 64 gives
    ±0.04-0.047 for two thirds of the CPU time)."""

    num_perm: int = 128
    threshold: float = 0.8
    shingle: int = 5
    seed: int = 1
    # Weight of false negatives against false positives when choosing the bands.
    recall_weight: float = 0.9

    def __post_init__(self) -> None:
        if not 2 <= self.num_perm <= 1024:
            raise ValueError("num_perm must be between 2 and 1024")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("the near-duplicate threshold must be in (0, 1]")
        if self.shingle < 1:
            raise ValueError("shingle size must be at least 1")
        if not 0.0 < self.recall_weight < 1.0:
            raise ValueError("recall_weight must be in (0, 1)")

    @property
    def bands(self) -> tuple[int, int]:
        """(bands, rows per band) for the threshold."""
        return lsh_params(self.threshold, self.num_perm, self.recall_weight)


@functools.lru_cache(maxsize=16)
def lsh_params(threshold: float, num_perm: int, recall_weight: float = 0.5) -> tuple[int, int]:
    """The (b, r) with b*r <= num_perm minimising the area of false positives below the
    threshold times (1 - recall_weight) plus the area of false negatives above it times
    recall_weight, for P(candidate) = 1-(1-s^r)^b."""
    import numpy as np

    below = np.linspace(0.0, threshold, 1001)
    above = np.linspace(threshold, 1.0, 1001)
    best, best_err = (1, 1), float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = np.trapezoid(1 - (1 - below**r) ** b, below)
            fn = np.trapezoid((1 - above**r) ** b, above)
            err = float(fp * (1.0 - recall_weight) + fn * recall_weight)
            if err < best_err:
                best, best_err = (b, r), err
    return best


@functools.lru_cache(maxsize=8)
def _shingle_multipliers(k: int) -> NDArray[np.uint64]:
    import numpy as np

    rng = np.random.default_rng(0x5EED + k)
    return rng.integers(0, 2**63, k, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


@functools.lru_cache(maxsize=8)
def _round_maps(seed: int) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    """The salt of the shingle hashes, and per later round an odd multiplier: round r
    throws a shingle of hash h by h * multiplier mod 2**64 (a bijection, so the
    product is as uniform as h; its high bits are the bin and its low half the
    value, as for h itself in round 0)."""
    import numpy as np

    rng = np.random.default_rng([seed, 0x0B1])
    salt = rng.integers(0, 2**63, 1, dtype=np.uint64)
    mult = rng.integers(0, 2**63, _ROUNDS - 1, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    return salt, mult[:, None]


@functools.lru_cache(maxsize=8)
def _probe_table(num_perm: int, seed: int) -> NDArray[np.int32]:
    """Row i: the bin that each bin copies at its i-th attempt when it is empty. Every
    column is a random permutation of the bins, so an empty bin finds a filled one
    within num_perm attempts (a text always fills at least one bin)."""
    import numpy as np

    rng = np.random.default_rng([seed, 0xDE5])
    order = np.tile(np.arange(num_perm, dtype=np.int32)[:, None], (1, num_perm))
    return rng.permuted(order, axis=0)


def _fmix64(h: NDArray[np.uint64]) -> NDArray[np.uint64]:
    import numpy as np

    # MurmurHash3's finaliser: spreads the shingle's polynomial hash over all 64 bits.
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


def signatures(texts: Sequence[str], params: MinHashParams) -> NDArray[np.uint32]:
    """MinHash signatures of the texts' character shingles, shape (len(texts), num_perm):
    one value per bin, as the module docstring describes.

    A text shorter than a shingle is one shingle (padded with spaces). The texts should
    already be normalised (`features.normalise`)."""
    import numpy as np

    out = np.empty((len(texts), params.num_perm), dtype=np.uint32)
    sizes = np.maximum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)),
                       params.shingle)
    ends = np.cumsum(sizes)
    start = 0
    while start < len(texts):
        if sizes[start] > _BATCH_CHARS:
            out[start] = _densify(_long_minima(texts[start], params), params)[0]
            start += 1
            continue
        before = int(ends[start - 1]) if start else 0
        end = int(np.searchsorted(ends, before + _BATCH_CHARS, side="right"))
        out[start:end] = _densify(_bin_minima(texts[start:end], params), params)
        start = end
    return out


def _long_minima(text: str, params: MinHashParams) -> NDArray[np.uint64]:
    """The bin minima of one text longer than a batch: the minimum over windows of
    `_BATCH_CHARS` characters that overlap by a shingle less one (so every shingle is
    in one window), keeping the work arrays at a batch's size whatever the text's
    length. Exact, as a bin's minimum is a minimum over shingles and later rounds only
    ever add larger keys."""
    import numpy as np

    step = _BATCH_CHARS - (params.shingle - 1)
    out: NDArray[np.uint64] | None = None
    for lo in range(0, len(text) - params.shingle + 1, step):
        window = _bin_minima([text[lo:lo + _BATCH_CHARS]], params)
        out = window if out is None else np.minimum(out, window)
    assert out is not None  # the text is longer than a batch, so there is a window
    return out


def _shingle_hashes(
    texts: Sequence[str], k: int, salt: NDArray[np.uint64]
) -> tuple[NDArray[np.uint64], NDArray[np.int64], NDArray[np.int64]]:
    """A 64-bit hash per character position of the joined texts (the shingle starting
    there), the row it belongs to, and each text's length once padded to a shingle.
    Shingles that straddle two texts get row len(texts), a row the caller drops
    (cheaper than removing them)."""
    import numpy as np

    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    if len(texts) and lengths.min() < k:
        texts = [t.ljust(k) for t in texts]
        lengths = np.maximum(lengths, k)
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"),
                          dtype=np.uint32).astype(np.uint64)
    n = len(codes) - k + 1
    mult = _shingle_multipliers(k)
    h = codes[0:n] * mult[0]
    for j in range(1, k):
        h += codes[j:n + j] * mult[j]
    h ^= salt
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)[:n]
    ends = np.cumsum(lengths)[:-1]
    for d in range(1, k):
        rows[ends - d] = len(texts)
    return _fmix64(h), rows, lengths


def _bins(h: NDArray[np.uint64], num_perm: int) -> NDArray[np.int64]:
    """Bin of each 64-bit hash: floor(high half * num_perm / 2**32), a shift for powers
    of two."""
    import numpy as np

    bits = num_perm.bit_length() - 1
    if num_perm == 1 << bits:
        return (h >> np.uint64(64 - bits)).view(np.int64)
    return (((h >> np.uint64(32)) * np.uint64(num_perm)) >> np.uint64(32)).view(np.int64)


def _bin_minima(texts: Sequence[str], params: MinHashParams) -> NDArray[np.uint64]:
    """Per text and bin, the smallest key (round << 32 | value) of the shingles thrown
    into it, _EMPTY where none landed; shape (len(texts), num_perm)."""
    import numpy as np

    t, n_texts = params.num_perm, len(texts)
    salt, mult = _round_maps(params.seed)
    hashes, rows, lengths = _shingle_hashes(texts, params.shingle, salt)
    minima = np.full((n_texts + 1) * t, _EMPTY, dtype=np.uint64)
    base = rows * t
    np.minimum.at(minima, base + _bins(hashes, t), hashes & np.uint64(0xFFFFFFFF))
    # Later rounds, for the texts (short ones) that left bins empty, all at once as a
    # (rounds, shingles) array. When most shingles belong to such texts, the others
    # are thrown too rather than picked out: their bins are full, and the keys of a
    # later round are larger than any of round 0, so they change nothing.
    open_rows = (minima.reshape(n_texts + 1, t) == _EMPTY).any(axis=1)
    open_rows[n_texts] = False
    if _ROUNDS > 1 and open_rows.any():
        if 2 * int(lengths[open_rows[:n_texts]].sum()) < len(hashes):
            pick = np.flatnonzero(open_rows[rows])
            hashes, base = hashes[pick], base[pick]
        thrown = hashes * mult
        keys = thrown & np.uint64(0xFFFFFFFF)
        keys |= np.arange(1, _ROUNDS, dtype=np.uint64)[:, None] << np.uint64(32)
        np.minimum.at(minima, (base + _bins(thrown, t)).ravel(), keys.ravel())
    return minima.reshape(n_texts + 1, t)[:n_texts]


def _densify(minima: NDArray[np.uint64], params: MinHashParams) -> NDArray[np.uint32]:
    """The signatures: each bin's value (the key's low half), and for a bin left empty
    the value of the first filled bin in its probe sequence (`_probe_table`), the
    optimal densification of Shrivastava (ICML 2017)."""
    import numpy as np

    t = minima.shape[1]
    out = minima.astype(np.uint32)
    filled = (minima != _EMPTY).ravel()
    cells = np.flatnonzero(~filled)
    flat = out.ravel()
    table = _probe_table(t, params.seed)
    col = cells % t
    row = cells - col
    first = 0
    while len(cells) * (t - first) > 2**14:
        src = row + table[first][col]
        hit = filled[src]
        got = np.flatnonzero(hit)
        flat[cells[got]] = flat[src[got]]
        miss = np.flatnonzero(~hit)
        cells, col, row = cells[miss], col[miss], row[miss]
        first += 1
    if len(cells):
        # The few bins left look at all their remaining probes at once; each finds one,
        # as a column of the table holds every bin and a text fills at least one.
        src = row[:, None] + table[first:, col].T
        pick = filled[src].argmax(axis=1)
        flat[cells] = flat[src[np.arange(len(cells)), pick]]
    return out


def similarity(left: NDArray[np.uint32], right: NDArray[np.uint32]) -> NDArray[np.float64]:
    """Row-wise estimated Jaccard similarity of two equally shaped signature arrays."""
    import numpy as np

    if left.ndim == 1:
        return np.asarray((left == right).mean(), dtype=np.float64)
    out = np.empty(len(left), dtype=np.float64)
    step = max(1, _BATCH_CELLS // max(1, left.shape[1]))
    for i in range(0, len(left), step):
        out[i:i + step] = (left[i:i + step] == right[i:i + step]).mean(axis=1)
    return out


def _similarity_at(
    left: NDArray[np.uint32], li: NDArray[np.int64], right: NDArray[np.uint32],
    ri: NDArray[np.int64],
) -> NDArray[np.float64]:
    """similarity(left[li], right[ri]), gathered in chunks so that millions of candidate
    pairs never copy millions of signatures at once."""
    import numpy as np

    out = np.empty(len(li), dtype=np.float64)
    width = max(1, left.shape[1])
    step = max(1, _BATCH_CELLS // width)
    for i in range(0, len(li), step):
        # count_nonzero / width: the same value as .mean(), in two thirds of the time.
        same = left[li[i:i + step]] == right[ri[i:i + step]]
        out[i:i + step] = np.count_nonzero(same, axis=1) / width
    return out


def _low_nibbles(sigs: NDArray[np.uint32]) -> NDArray[np.uint64]:
    """The low 4 bits of every signature value, 16 to a 64-bit word: a row in 64
    bytes for 128 positions, not 512. Rows are padded to a multiple of 128 positions
    with 0 on every row, so the padding always agrees."""
    import numpy as np

    width = -(-sigs.shape[1] // 128) * 128
    nib = np.zeros((len(sigs), width), dtype=np.uint8)
    nib[:, :sigs.shape[1]] = sigs & np.uint32(0xF)
    packed = nib[:, 0::2] | (nib[:, 1::2] << np.uint8(4))
    return packed.view(np.uint64)


def _reaches(sigs: NDArray[np.uint32], nibbles: NDArray[np.uint64], a: NDArray[np.int64],
             b: NDArray[np.int64], threshold: float) -> NDArray[np.bool_]:
    """similarity(sigs[a], sigs[b]) >= threshold, row by row. Equal values have equal
    low nibbles, so the share of equal nibbles bounds the estimate from above: pairs
    below the threshold on the nibbles are dropped (most candidates, at a quarter of
    the memory traffic), and only the rest are compared in full."""
    import numpy as np

    width = sigs.shape[1]
    step = max(1, _BATCH_CELLS // width)
    odd = np.uint64(0x1111111111111111)
    bound = np.empty(len(a), dtype=np.float64)
    for i in range(0, len(a), step):
        # np.take: three times faster than fancy indexing at gathering rows.
        x = np.take(nibbles, a[i:i + step], axis=0)
        x ^= np.take(nibbles, b[i:i + step], axis=0)
        # Fold each nibble onto its lowest bit: 1 where the two nibbles differ.
        x |= x >> np.uint64(2)
        x |= x >> np.uint64(1)
        x &= odd
        # Popcounts (16 at most) summed by a multiply: 8 words' counts are the bytes of
        # one word, and their sum (128 at most) lands in its top byte.
        counts = np.bitwise_count(x).view(np.uint64)
        differ = ((counts * np.uint64(0x0101010101010101)) >> np.uint64(56)).sum(axis=1)
        bound[i:i + step] = (width - differ.astype(np.int64)) / width
    ok = bound >= threshold
    maybe = np.flatnonzero(ok)
    ok[maybe] = _similarity_at(sigs, a[maybe], sigs, b[maybe]) >= threshold
    return ok


class UnionFind:
    """Disjoint sets over 0..n-1; the smallest member is each set's root, so results
    do not depend on the order in which pairs are joined."""

    __slots__ = ("parent",)

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    @classmethod
    def from_roots(cls, roots: NDArray[np.int64]) -> UnionFind:
        """The sets given by each element's root (as `join_roots` keeps them)."""
        uf = cls(0)
        uf.parent = roots.tolist()
        return uf

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return True

    def union_pairs(self, pairs: Iterable[tuple[int, int]]) -> None:
        for a, b in pairs:
            self.union(a, b)

    def root_array(self) -> NDArray[np.int64]:
        """Every element's root, by pointer jumping over the whole parent array at once
        (a Python `find` per element took most of the clustering time at 100k inputs)."""
        import numpy as np

        roots = np.array(self.parent, dtype=np.int64)
        while True:
            jumped = roots[roots]
            if np.array_equal(jumped, roots):
                return roots
            roots = jumped

    def groups(self, min_size: int = 2) -> list[list[int]]:
        """Sets with at least `min_size` members, each sorted, ordered by first member."""
        return equal_groups(self.root_array(), min_size)


def join_roots(roots: NDArray[np.int64], a: NDArray[np.int64],
               b: NDArray[np.int64]) -> NDArray[np.int64]:
    """`roots` (each element's smallest fellow member) after joining the pairs (a[i],
    b[i]): UnionFind.union_pairs in a few array passes, where a Python `union` per pair
    took a third of the clustering time at 100k examples."""
    import numpy as np

    ra, rb = roots[a], roots[b]
    apart = ra != rb
    if not apart.any():
        return roots
    # Work on the roots the pairs touch, numbered in ascending order (so a smaller
    # number is a smaller root), rather than passing over every element each step.
    ids, local = np.unique(np.concatenate([ra[apart], rb[apart]]), return_inverse=True)
    lo, hi = np.split(local, 2)
    label = np.arange(len(ids))
    while True:
        la, lb = label[lo], label[hi]
        apart = la != lb
        if not apart.any():
            break
        # Hook each larger label onto the smallest label it is paired with; every one
        # then follows its pointers down to a root (pointers only ever go down).
        np.minimum.at(label, np.maximum(la[apart], lb[apart]), np.minimum(la[apart], lb[apart]))
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
    remap = np.arange(len(roots))
    remap[ids] = ids[label]
    return remap[roots]


def equal_groups(values: NDArray[np.int64], min_size: int = 2) -> list[list[int]]:
    """Indices holding equal values, in groups of at least `min_size`, each ascending,
    ordered by first index: one stable sort, where a dict of lists per value would cost
    a Python step per index."""
    import numpy as np

    order = np.argsort(values, kind="stable")
    ranked = values[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    sizes = np.diff(np.r_[starts, len(values)])
    keep = sizes >= min_size
    members = order.tolist()
    groups = [members[a:a + n] for a, n in
              zip(starts[keep].tolist(), sizes[keep].tolist(), strict=True)]
    return sorted(groups, key=lambda g: g[0])


class NearDuplicateIndex:
    """Banded LSH over a signature matrix: clusters within it, and queries from outside
    (validation examples against training)."""

    def __init__(self, sigs: NDArray[np.uint32], params: MinHashParams) -> None:
        import numpy as np

        self.sigs = sigs
        self.params = params
        self.n_bands, self.rows = params.bands
        keys = _band_keys(sigs, self.n_bands, self.rows)
        # What a stable argsort gives (a bucket's rows in row order), in a third of its
        # time: numpy's quicksort, then each bucket's rows sorted again as one array
        # of (bucket number, row) keys.
        order = np.argsort(keys, axis=1)
        self._sorted = np.take_along_axis(keys, order, axis=1)
        bucket = np.zeros(self._sorted.shape, dtype=np.int64)
        bucket[:, 1:] = np.cumsum(self._sorted[:, 1:] != self._sorted[:, :-1], axis=1)
        ranked = bucket * len(sigs) + order
        ranked.sort(axis=1)
        self._order = ranked % max(1, len(sigs))

    def union_find(self, per_bucket: int = QUERY_CANDIDATES_PER_BAND) -> UnionFind:
        """Rows joined with every one of the first `per_bucket` rows of a bucket they
        share (in any band) whose estimated Jaccard reaches the threshold. Pairs already
        joined through others are not compared again, so the work shrinks step by step."""
        import numpy as np

        n = len(self.sigs)
        roots = np.arange(n)
        nibbles = _low_nibbles(self.sigs)
        for band in range(self.n_bands if n > 1 else 0):
            keys, order = self._sorted[band], self._order[band]
            head = np.ones(n, dtype=bool)
            head[1:] = keys[1:] != keys[:-1]
            starts = np.flatnonzero(head)
            group = np.cumsum(head) - 1
            size = np.diff(np.append(starts, n))[group]
            shared = size > 1
            if not shared.any():
                continue
            at = np.flatnonzero(shared)
            start = starts[group[at]]
            # Members by falling position in their bucket (all past per_bucket alike):
            # those after the k-th row are then the first later[k].
            rank = np.minimum(at - start, per_bucket)
            by_rank = np.argsort(-rank)
            members, start = order[at[by_rank]], start[by_rank]
            later = np.cumsum(np.bincount(rank, minlength=per_bucket + 1)[::-1])[::-1][1:]
            for k in range(min(per_bucket, int(size.max()) - 1)):
                # Each member against the bucket's k-th row, when that row comes before it.
                a, b = members[:later[k]], order[start[:later[k]] + k]
                fresh = roots[a] != roots[b]
                a, b = a[fresh], b[fresh]
                ok = _reaches(self.sigs, nibbles, a, b, self.params.threshold)
                if ok.any():
                    roots = join_roots(roots, a[ok], b[ok])
        return UnionFind.from_roots(roots)

    def clusters(self, per_bucket: int = QUERY_CANDIDATES_PER_BAND) -> list[list[int]]:
        """Groups of at least two rows linked by verified pairs (transitively)."""
        return self.union_find(per_bucket).groups(min_size=2)

    def _candidates(
        self, queries: NDArray[np.uint32], per_band: int
    ) -> Iterator[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]]:
        """Per band: (query, row, estimated Jaccard) for the first `per_band` rows of
        each query's bucket."""
        import numpy as np

        if len(queries) == 0 or len(self.sigs) == 0:
            return
        qkeys = _band_keys(queries, self.n_bands, self.rows)
        for band in range(self.n_bands):
            keys, order = self._sorted[band], self._order[band]
            lo = np.searchsorted(keys, qkeys[band], side="left")
            count = np.minimum(np.searchsorted(keys, qkeys[band], side="right") - lo, per_band)
            total = int(count.sum())
            if not total:
                continue
            qi = np.repeat(np.arange(len(queries)), count)
            step = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
            rows = order[np.repeat(lo, count) + step]
            yield qi, rows, _similarity_at(queries, qi, self.sigs, rows)

    def query(
        self,
        queries: NDArray[np.uint32],
        per_band: int = QUERY_CANDIDATES_PER_BAND,
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """For each query signature, the indexed row with the highest estimated Jaccard
        among its LSH candidates (-1 when it has none) and that estimate."""
        import numpy as np

        best = np.full(len(queries), -1, dtype=np.int64)
        score = np.zeros(len(queries), dtype=np.float64)
        for qi, rows, est in self._candidates(queries, per_band):
            # Best candidate per query in this band, then keep it if it beats earlier bands.
            pick = np.lexsort((-est, qi))
            qi, rows, est = qi[pick], rows[pick], est[pick]
            head = np.ones(len(qi), dtype=bool)
            head[1:] = qi[1:] != qi[:-1]
            qi, rows, est = qi[head], rows[head], est[head]
            better = est > score[qi]
            best[qi[better]] = rows[better]
            score[qi[better]] = est[better]
        return best, score


def _band_keys(sigs: NDArray[np.uint32], n_bands: int, rows: int) -> NDArray[np.uint64]:
    """One 64-bit key per band and row of the signature matrix, shape (bands, n)."""
    import numpy as np

    keys = np.zeros((n_bands, len(sigs)), dtype=np.uint64)
    for band in range(n_bands):
        h = np.zeros(len(sigs), dtype=np.uint64)
        for col in range(band * rows, (band + 1) * rows):
            h = (h ^ sigs[:, col].astype(np.uint64)) * np.uint64(0x100000001B3)
        keys[band] = _fmix64(h)
    return keys
